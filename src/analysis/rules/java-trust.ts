/**
 * Java rules for trust: TrustManagers and hostname verifiers that accept anything, and
 * deserializers that instantiate whatever class the data names (ObjectInputStream, XMLDecoder,
 * XStream, SerializationUtils, Jackson default typing, SnakeYAML without SafeConstructor).
 */
import type { Rule } from '../types';
import { body, calls, definitions, IDENT, rule } from './java-syntax';
import { capPerLine, isCommentLine, matchSegments, mentions } from './util';

const CHECKS_CHAIN = /throw|\.checkServerTrusted\(|checkValidity|\.verify\(|validat/;

const trustRule = rule({
  id: 'java.trust-all-certificates',
  severity: 'high',
  title: 'TrustManager that trusts every certificate',
  message: 'This TrustManager (or trust strategy) accepts any certificate chain, so TLS no longer authenticates the server.',
  fix: 'Use the default TrustManagerFactory; for a private CA, load it into a KeyStore and init the factory with it.',
  cwe: ['CWE-295'],
  example: 'public void checkServerTrusted(X509Certificate[] chain, String authType) {}',
  *check(file) {
    if (
      !mentions(
        file,
        'checkServerTrusted',
        'TrustAllStrategy',
        'TrustSelfSignedStrategy',
        'InsecureTrustManagerFactory',
        'loadTrustMaterial',
      )
    )
      return;
    if (file.isTest) return;
    const re =
      /\bvoid\s+checkServerTrusted\s*\(|\bTrustAllStrategy\b|\bTrustSelfSignedStrategy\b|InsecureTrustManagerFactory\.INSTANCE|loadTrustMaterial\(\s*(?:null|\w+)\s*,\s*\(\s*\w+\s*,\s*\w+\s*\)\s*->\s*true\b/g;
    for (const hit of capPerLine(matchSegments(file, re))) {
      if (isCommentLine('java', file.lines.get(hit.line) ?? '') || /^\s*import\s/.test(file.lines.get(hit.line) ?? '')) continue;
      if (hit.match[0].includes('checkServerTrusted')) {
        const b = body(hit.match.input, hit.match.index);
        if (b === null || CHECKS_CHAIN.test(b)) continue;
        yield { line: hit.line, endLine: hit.line + (b.match(/\n/g)?.length ?? 0) + 1, column: hit.column };
      } else yield { line: hit.line, endLine: hit.endLine, column: hit.column };
    }
  },
});

/** A method body that, apart from comments and log calls, is `return true;`. */
function onlyReturnsTrue(b: string): boolean {
  const statements = b
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '')
    .split(';')
    .map((st) => st.trim())
    .filter((st) => st !== '' && !/^[\w.]*(?:log|LOG|logger)\w*\.\w+\(/.test(st));
  return statements.length === 1 && /^return\s+true$/.test(statements[0] as string);
}

const hostnameRule = rule({
  id: 'java.hostname-verification-disabled',
  severity: 'high',
  title: 'Hostname verification disabled',
  message:
    'A HostnameVerifier that accepts every host (NoopHostnameVerifier, ALLOW_ALL, `return true`) lets any valid certificate impersonate this server.',
  fix: 'Remove the custom verifier and keep the default (DefaultHostnameVerifier / HttpsURLConnection default).',
  cwe: ['CWE-297'],
  example: 'HttpsURLConnection.setDefaultHostnameVerifier((hostname, session) -> true);',
  *check(file) {
    if (!mentions(file, 'ostnameVerifier', 'ALLOW_ALL_HOSTNAME_VERIFIER', 'SSLSession')) return;
    if (file.isTest) return;
    const re =
      /\bNoopHostnameVerifier\b(?!;)|\bALLOW_ALL_HOSTNAME_VERIFIER\b|\bnew\s+AllowAllHostnameVerifier\(|[hH]ostnameVerifier(?:\s+\w+)?\s*(?:\(|=)\s*\(\s*\w+\s*,\s*\w+\s*\)\s*->\s*true\b|\bboolean\s+verify\s*\(\s*(?:final\s+)?String\s+\w+\s*,\s*(?:final\s+)?SSLSession\s+\w+\s*\)/g;
    for (const hit of capPerLine(matchSegments(file, re))) {
      const text = file.lines.get(hit.line) ?? '';
      if (isCommentLine('java', text) || /^\s*import\s/.test(text)) continue;
      if (hit.match[0].includes('SSLSession')) {
        const b = body(hit.match.input, hit.match.index);
        if (b === null || !onlyReturnsTrue(b)) continue;
        yield { line: hit.line, endLine: hit.line + (b.match(/\n/g)?.length ?? 0) + 1, column: hit.column };
      } else yield { line: hit.line, endLine: hit.endLine, column: hit.column };
    }
  },
});

const NETWORK = /request|socket|getInputStream\(\)|exchange|getBody|http|conn|servlet|message|payload|cookie|header|param|base64|decode/i;

const deserializationRule = rule({
  id: 'java.object-deserialization',
  severity: 'high',
  title: 'Java deserialization of untrusted data',
  message:
    'This deserializer (ObjectInputStream, XMLDecoder, XStream, SerializationUtils) instantiates whatever classes the data names; crafted input runs code through gadget chains.',
  fix: 'Use a data format without types (JSON to DTOs); if you must, set an ObjectInputFilter allow-list or XStream allowTypes.',
  cwe: ['CWE-502'],
  example: 'ObjectInputStream in = new ObjectInputStream(request.getInputStream());',
  *check(file) {
    if (!mentions(file, 'ObjectInputStream', 'XMLDecoder', '.fromXML(', 'SerializationUtils')) return;
    const all = [...file.lines.values()].join('\n');
    const re = /\bnew\s+ObjectInputStream\(|\bnew\s+XMLDecoder\(|\.fromXML\(|\bSerializationUtils\.deserialize\(/g;
    for (const c of calls(file, re)) {
      const arg = c.args[0] ?? '';
      if (c.m[0].includes('ObjectInputStream')) {
        if (file.isTest || /ObjectInputFilter|setObjectInputFilter|resolveClass/.test(all)) continue;
        if (/toByteArray\(\)/.test(arg) && /ObjectOutputStream/.test(all)) continue; // deep copy of an object just written
        yield NETWORK.test(arg) ? c.at : { ...c.at, severity: 'medium' };
      } else if (c.m[0].includes('fromXML')) {
        if (!/XStream|xstream/.test(c.m.input.slice(Math.max(0, c.m.index - 60), c.m.index)) && !/XStream/.test(all)) continue;
        if (/allowTypes|addPermission|setupDefaultSecurity|denyTypes/.test(all)) continue;
        yield c.at;
      } else if (!file.isTest) yield NETWORK.test(arg) || c.m[0].includes('XMLDecoder') ? c.at : { ...c.at, severity: 'medium' };
    }
  },
});

const jacksonRule = rule({
  id: 'java.jackson-default-typing',
  severity: 'high',
  title: 'Jackson polymorphic typing by class name',
  message:
    'Default typing (or @JsonTypeInfo with Id.CLASS) lets the JSON name the class to instantiate, a known remote-code-execution path through gadget classes.',
  fix: 'Remove default typing; use @JsonTypeInfo with Id.NAME and @JsonSubTypes, or activateDefaultTyping with a BasicPolymorphicTypeValidator allow-list.',
  cwe: ['CWE-502'],
  example: 'mapper.enableDefaultTyping();',
  *check(file) {
    // @JsonTypeInfo(use = Id.CLASS): the JSON names the class of that field
    for (const hit of mentions(file, 'JsonTypeInfo')
      ? capPerLine(matchSegments(file, /@JsonTypeInfo\s*\(\s*use\s*=\s*(?:JsonTypeInfo\.)?Id\.(?:CLASS|MINIMAL_CLASS)\b/g))
      : [])
      if (!isCommentLine('java', file.lines.get(hit.line) ?? ''))
        yield { line: hit.line, endLine: hit.endLine, column: hit.column, severity: 'medium' };
    if (!mentions(file, 'DefaultTyping')) return;
    for (const c of calls(file, /\.(enableDefaultTyping|activateDefaultTyping|activateDefaultTypingAsProperty)\(/g)) {
      if (c.m[1] !== 'enableDefaultTyping') {
        const ptv = c.args[0] ?? '';
        if (
          !/LaissezFaire/.test(ptv) &&
          !(
            IDENT.test(ptv) &&
            /LaissezFaire/.test(
              definitions(file, c.at.line, ptv)
                .map((d) => d.rhs)
                .join(' '),
            )
          )
        )
          continue;
      }
      yield c.at;
    }
  },
});

const yamlRule = rule({
  id: 'java.snakeyaml-unsafe-load',
  severity: 'high',
  title: 'SnakeYAML load without SafeConstructor',
  message:
    'new Yaml() without SafeConstructor builds any Java class the document names (!!javax.script.ScriptEngineManager …), which runs code.',
  fix: 'Construct with `new Yaml(new SafeConstructor(new LoaderOptions()))`, or load into a specific class with a restricted TagInspector (SnakeYAML 2).',
  cwe: ['CWE-502'],
  example: 'Object config = new Yaml().load(request.getInputStream());',
  *check(file) {
    if (!mentions(file, 'Yaml(')) return;
    const unsafe = new Set<string>();
    for (const hit of capPerLine(matchSegments(file, /\bnew\s+Yaml\(([^;]*)/g))) {
      const name = /(\w+)\s*=\s*$/.exec(hit.match.input.slice(Math.max(0, hit.match.index - 60), hit.match.index))?.[1];
      if (name && !/SafeConstructor/.test(hit.match[1] ?? '')) unsafe.add(name);
    }
    for (const c of calls(file, /\b(?:new\s+Yaml\(\s*\)|(\w+))\.(?:load|loadAs|loadAll)\(/g)) {
      if (c.m[1] !== undefined && !unsafe.has(c.m[1])) continue;
      yield c.at;
    }
  },
});

export const JAVA_TRUST_RULES: readonly Rule[] = [trustRule, hostnameRule, deserializationRule, jacksonRule, yamlRule];
