/**
 * Dangerous code in Java (after FindSecBugs and Semgrep's java rules): SQL and commands built by
 * concatenation or String.format, script engines, SpEL and reflection fed with data, trust-all
 * TrustManagers and hostname verifiers, and deserializers that instantiate any class
 * (ObjectInputStream, XMLDecoder, XStream, Jackson default typing, SnakeYAML without
 * SafeConstructor). A variable is followed back through the lines the diff shows; constants
 * (UPPER_CASE) and numbers (`int id`) count as safe.
 */
import type { Match, Rule, SourceFile } from '../types';
import { callArgs, inStringAt, isCommentLine, matchSegments, mentions, regexFor, splitArgs } from './util';

type Taint = 'literal' | 'dynamic' | 'unknown';

const STRING_LIT = /^(?:"(?:[^"\\\n]|\\.)*"|"""[\s\S]*?"""|'(?:[^'\\]|\\.)')$/;
const CONSTANT = /^(?:[A-Z]\w*\.)*[A-Z][A-Z0-9_]*$|^\d+L?$|^(?:true|false|null)$/;
const SAFE_CALL = /\.(?:length|size|ordinal|hashCode)\(\)$|^(?:Integer|Long|Math)\.\w+\(|^String\.valueOf\(\s*\d|\.getSimpleName\(\)$/;
const IDENT = /^[a-z_$][\w$]*$/;
const REQUEST =
  /getParameter|getHeader|getQueryString|getCookies|getInputStream|getReader|@RequestParam|@PathVariable|@RequestBody|@RequestHeader|@QueryParam|@PathParam|@FormParam|HttpServletRequest|\breq(?:uest)?\./;

/** `String sql = …;`, `sql += …;`: the right-hand sides of a name's assignments above `line`, nearest first. */
function definitions(file: SourceFile, line: number, name: string): { op: string; rhs: string }[] {
  const re = regexFor(`(?:^|[\\s(;])(?:final\\s+)?(?:[\\w.<>\\[\\]]+\\s+)?${name}\\s*(\\+?=)(?!=)\\s*(.*)$`);
  const out: { op: string; rhs: string }[] = [];
  for (let l = line - 1; l >= line - 40 && l > 0; l--) {
    const text = file.lines.get(l);
    const m = text?.includes(name) ? re.exec(text) : null;
    if (!m) continue;
    let rhs = m[2] as string;
    for (let k = l + 1; k < l + 12 && !rhs.includes(';'); k++) rhs += `\n${file.lines.get(k) ?? ''}`;
    const semi = rhs.indexOf(';');
    out.push({ op: m[1] as string, rhs: semi >= 0 ? rhs.slice(0, semi) : rhs });
    if (m[1] === '=') break;
  }
  return out;
}

/** A name declared as a number, boolean or UUID nearby (parameters included). */
function numeric(file: SourceFile, line: number, name: string): boolean {
  const re = regexFor(`\\b(?:int|long|short|byte|double|float|boolean|Integer|Long|Short|Double|Boolean|UUID)\\s+${name}\\b`);
  for (let l = line; l >= line - 60 && l > 0; l--)
    if (file.lines.get(l)?.includes(name) && re.test(file.lines.get(l) as string)) return true;
  return false;
}

/** Where a String expression's value comes from. */
export function javaTaint(file: SourceFile, line: number, expr: string, depth = 0): Taint {
  const e = expr.trim();
  if (e === '' || STRING_LIT.test(e) || CONSTANT.test(e)) return 'literal';
  const format = /^(?:String\.format|MessageFormat\.format)\(/.exec(e) ?? /^("(?:[^"\\\n]|\\.)*"|"""[\s\S]*?""")\s*\.formatted\(/.exec(e);
  if (format) {
    const args = splitArgs(callArgs(e, format[0].length - 1));
    const rest = format[0].includes('formatted') ? args : args.slice(1);
    return rest.every((a) => operand(file, line, a, depth) === 'literal') ? 'literal' : 'dynamic';
  }
  const builder = /^([a-z_$][\w$]*)\.toString\(\)$/.exec(e);
  if (builder) return appended(file, line, builder[1] as string);
  const pieces = splitArgs(e, '+');
  if (pieces.length > 1) {
    if (!pieces.some((p) => STRING_LIT.test(p))) return 'unknown';
    return pieces.every((p) => operand(file, line, p, depth) === 'literal') ? 'literal' : 'dynamic';
  }
  if (IDENT.test(e) && depth < 2) {
    if (numeric(file, line, e)) return 'literal';
    const defs = definitions(file, line, e);
    if (defs.length === 0) return 'unknown';
    const taints = defs.map((d) => javaTaint(file, line, d.rhs, depth + 1));
    if (taints.includes('dynamic')) return 'dynamic';
    return taints.every((t) => t === 'literal') ? 'literal' : 'unknown';
  }
  return 'unknown';
}

/** `cond ? " AND b = ?" : ""`: a choice between constants. */
const CONST_CHOICE = /^[^?"]+\?\s*("(?:[^"\\\n]|\\.)*"|[A-Z][\w.]*)\s*:\s*("(?:[^"\\\n]|\\.)*"|[A-Z][\w.]*)$/;
/** Bind-variable lists (`String.join(",", Collections.nCopies(n, "?"))`), not data. */
const PLACEHOLDERS = /placeholder|qmarks|bindVars|nCopies\(|"\?"|"\?,\s*"/i;

function operand(file: SourceFile, line: number, p: string, depth: number): Taint {
  const e = p.trim().replace(/^\((.*)\)$/s, '$1');
  if (STRING_LIT.test(e) || CONSTANT.test(e) || SAFE_CALL.test(e) || CONST_CHOICE.test(e) || PLACEHOLDERS.test(e)) return 'literal';
  if (IDENT.test(e)) {
    if (numeric(file, line, e)) return 'literal';
    if (depth < 2) {
      const defs = definitions(file, line, e);
      if (defs.length > 0 && defs.every((d) => javaTaint(file, line, d.rhs, depth + 1) === 'literal')) return 'literal';
    }
  }
  return 'dynamic';
}

/** A StringBuilder: dynamic when something not constant was appended to it. */
function appended(file: SourceFile, line: number, name: string): Taint {
  const re = regexFor(`\\b${name}\\s*(?:=\\s*new\\s+StringB\\w+\\(|\\.append\\()`);
  let seen = false;
  for (let l = line - 1; l >= line - 40 && l > 0; l--) {
    const text = file.lines.get(l);
    if (text === undefined || !text.includes(name)) continue;
    const m = re.exec(text);
    if (!m) continue;
    seen = true;
    if (!m[0].includes('append')) {
      if (javaTaint(file, l, callArgs(text, m.index + m[0].length - 1), 1) === 'dynamic') return 'dynamic';
      continue;
    }
    // sb.append(" ORDER BY ").append(column): every append of the chain
    for (let i = text.indexOf('.append(', m.index); i >= 0; i = text.indexOf('.append(', i + 8))
      if (operand(file, l, callArgs(text, i + 7), 1) !== 'literal') return 'dynamic';
  }
  return seen ? 'literal' : 'unknown';
}

/** Calls matched by `re` (ending at the `(`) on code lines, with their arguments. */
function* calls(file: SourceFile, re: RegExp): Generator<{ m: RegExpExecArray; args: string[]; at: Match }> {
  for (const hit of matchSegments(file, re)) {
    const lineText = file.lines.get(hit.line) ?? '';
    if (isCommentLine('java', lineText) || inStringAt(lineText, hit.column - 1)) continue;
    const text = callArgs(hit.match.input, hit.match.index + hit.match[0].length - 1);
    const endLine = hit.line + (hit.match[0] + text).split('\n').length - 1;
    yield { m: hit.match, args: splitArgs(text), at: { line: hit.line, endLine, column: hit.column } };
  }
}

const rule = (meta: Omit<Rule, 'class' | 'languages'>): Rule => ({ class: 'dangerous-code', languages: ['java'], ...meta });

const SQL_WORDS =
  /\b(?:select|insert|update|delete|from|where|values|join|order\s+by|group\s+by|limit|drop|create|alter|truncate|union|having|set)\b/i;
const SQL_ONLY =
  /^(?:executeQuery|executeUpdate|executeLargeUpdate|addBatch|prepareStatement|prepareCall|createQuery|createNativeQuery|createSQLQuery|queryFor\w+)$/;

/** The literal SQL text an expression carries (through one assignment). */
function sqlText(file: SourceFile, line: number, expr: string): string {
  const name = expr.trim().replace(/\.toString\(\)$/, '');
  if (!IDENT.test(name)) return expr;
  const appends = [...around(file, line, name)].join(' ');
  return `${definitions(file, line, name)
    .map((d) => d.rhs)
    .join(' ')} ${appends}`;
}

function* around(file: SourceFile, line: number, name: string): Generator<string> {
  for (let l = line - 1; l >= line - 40 && l > 0; l--)
    if (file.lines.get(l)?.includes(`${name}.append(`)) yield file.lines.get(l) as string;
}

const sqlRule = rule({
  id: 'java.sql-injection',
  severity: 'high',
  title: 'SQL built by concatenation or String.format',
  message: 'This SQL/JPQL text is built from a variable, so the value can change the query (SQL injection).',
  fix: 'Use a PreparedStatement with `?` and setString/setLong, or JPA named parameters (`:name` with setParameter).',
  cwe: ['CWE-89'],
  example: 'ResultSet rs = stmt.executeQuery("SELECT * FROM users WHERE name = \'" + name + "\'");',
  *check(file) {
    if (!mentions(file, '.execute', '.addBatch(', '.prepare', '.create', '.query', '.update(', '.batchUpdate(', '${')) return;
    const re =
      /\.(executeQuery|executeUpdate|executeLargeUpdate|execute|addBatch|prepareStatement|prepareCall|createQuery|createNativeQuery|createSQLQuery|query|queryFor\w+|update|batchUpdate)\(/g;
    for (const c of calls(file, re)) {
      const method = c.m[1] as string;
      const sql = c.args[0];
      if (sql === undefined || javaTaint(file, c.at.line, sql) !== 'dynamic') continue;
      if (!SQL_ONLY.test(method) && !SQL_WORDS.test(sqlText(file, c.at.line, sql))) continue;
      yield c.at;
    }
    // MyBatis annotations: ${…} is pasted into the SQL text, #{…} is bound.
    if (!mentions(file, '${')) return;
    for (const c of calls(file, /@(?:Select|Update|Delete|Insert)\s*\(/g)) if (/"[^"\n]*\$\{/.test(c.args.join(','))) yield c.at;
  },
});

const SHELL = /^"(?:\/usr)?(?:\/bin\/)?(?:sh|bash|zsh|cmd|cmd\.exe|powershell)"$/;
const SHELL_FLAG = /^"(?:-[a-z]*c|\/[cCkK]|-Command)"$/;

const ARRAY = /^(?:new\s+String\s*\[\s*\]\s*\{|Arrays\.asList\(|List\.of\()/;

const commandRule = rule({
  id: 'java.command-injection',
  severity: 'high',
  title: 'OS command built from a variable',
  message:
    'A command line is built from a variable (concatenation, String.format or `sh -c`), so the value can run other commands or options.',
  fix: 'Use ProcessBuilder with the program and each argument as separate fixed elements; never `sh -c` with data; validate values against a list.',
  cwe: ['CWE-78'],
  example: 'Process p = Runtime.getRuntime().exec("ping -c 1 " + host);',
  *check(file) {
    if (!mentions(file, '.exec(', 'ProcessBuilder', '.command(')) return;
    for (const c of calls(file, /(?:Runtime\.getRuntime\(\)|\b(?:rt|runtime|r))\.exec\(|\bnew\s+ProcessBuilder\(|\.command\(/g)) {
      let args = c.args;
      let array = ARRAY.exec(args[0] ?? '');
      if (array) args = splitArgs(callArgs(args[0] as string, array[0].length - 1));
      else if (args.length === 1 && IDENT.test((args[0] as string).trim())) {
        // String[] cmd = {"/bin/sh", "-c", "ls " + dir}; … exec(cmd)
        const rhs = definitions(file, c.at.line, (args[0] as string).trim())[0]?.rhs.trim() ?? '';
        array = /^\{/.exec(rhs) ?? ARRAY.exec(rhs);
        if (array) args = splitArgs(callArgs(rhs, array[0].length - 1));
      }
      if (c.m[0].includes('.command(') && !/ProcessBuilder|\bpb\b|builder/i.test(c.m.input.slice(Math.max(0, c.m.index - 120), c.m.index)))
        continue;
      if (args.length >= 3 && SHELL.test(args[0] as string) && SHELL_FLAG.test(args[1] as string)) {
        const t = javaTaint(file, c.at.line, args.slice(2).join(' + '));
        if (t !== 'literal') yield t === 'dynamic' ? c.at : { ...c.at, severity: 'medium' };
      } else if (c.m[0].includes('exec(') && !array && args.length === 1) {
        const t = javaTaint(file, c.at.line, args[0] as string);
        if (t === 'dynamic') yield c.at;
      }
    }
  },
});

const evalRule = rule({
  id: 'java.script-eval',
  severity: 'high',
  title: 'Script or expression evaluated from a variable',
  message:
    'A script engine or expression language (ScriptEngine, Groovy, MVEL, OGNL, JEXL) evaluates text that comes from a variable, which runs arbitrary code.',
  fix: 'Do not evaluate data as code; map inputs to fixed operations, or use a sandboxed, allow-listed evaluator.',
  cwe: ['CWE-94'],
  example: 'Object result = engine.eval(request.getParameter("expr"));',
  *check(file) {
    if (!mentions(file, '.eval', 'Eval.me', 'MVEL.', 'Ognl.', 'jexl.')) return;
    const scripting = mentions(file, 'ScriptEngine', 'javax.script', 'GroovyShell');
    const re =
      /\b(\w*(?:[eE]ngine|nashorn|[sS]hell|groovy))\.(eval|evaluate)\(|\bEval\.me\(|\bMVEL\.(?:eval|compileExpression)\(|\bOgnl\.(?:getValue|parseExpression)\(|\bjexl\.create(?:Expression|Script)\(/g;
    for (const c of calls(file, re)) {
      // engine.eval / shell.evaluate: only a script engine or a GroovyShell (rule engines have `evaluate` too)
      const receiver = c.m[1];
      if (
        receiver !== undefined &&
        !scripting &&
        !(c.m[2] === 'eval' ? /^(?:script|js|nashorn|graal|groovy)?engine$|^nashorn$/i : /^(?:groovy)?shell$/i).test(receiver)
      )
        continue;
      const code = c.m[0].startsWith('Eval.me') && c.args.length > 1 ? c.args[c.args.length - 1] : c.args[0];
      if (code === undefined || /^new\s+(?:File)?Reader\(\s*"|getResourceAsStream\(\s*"/.test(code)) continue;
      const t = javaTaint(file, c.at.line, code);
      if (t === 'dynamic' || (t === 'unknown' && !/^[A-Z]/.test(code))) yield c.at;
    }
  },
});

const spelRule = rule({
  id: 'java.spel-injection',
  severity: 'high',
  title: 'Spring expression parsed from a variable',
  message:
    'SpEL parses an expression that comes from a variable; with a StandardEvaluationContext that runs arbitrary code (T(java.lang.Runtime)…).',
  fix: 'Never parse user input as SpEL; if you must, evaluate with SimpleEvaluationContext.forReadOnlyDataBinding().',
  cwe: ['CWE-917'],
  example: 'Expression exp = parser.parseExpression(request.getParameter("filter"));',
  *check(file) {
    if (!mentions(file, '.parseExpression(', '.parseRaw(')) return;
    for (const c of calls(file, /\.parse(?:Expression|Raw)\(/g)) {
      const receiver = /(\w+|new\s+SpelExpressionParser\(\))\s*$/.exec(c.m.input.slice(Math.max(0, c.m.index - 60), c.m.index))?.[1] ?? '';
      const expr = c.args[0];
      if (expr === undefined || javaTaint(file, c.at.line, expr) === 'literal') continue;
      const all = [...file.lines.values()].join('\n');
      if (/SimpleEvaluationContext/.test(all)) continue;
      if (/[pP]arser$|PARSER$|^new/.test(receiver) || /\bExpressionParser\b|springframework\.expression/.test(all)) yield c.at;
    }
  },
});

const reflectionRule = rule({
  id: 'java.class-forname-untrusted',
  severity: 'medium',
  title: 'Class loaded by a name from the request',
  message: 'Class.forName/loadClass receives a name taken from request data, so a caller chooses which class is loaded and initialised.',
  fix: 'Map the request value to a class from a fixed allow-list instead of loading it by name.',
  cwe: ['CWE-470'],
  example: 'Class<?> handler = Class.forName(request.getParameter("handler"));',
  *check(file) {
    if (!mentions(file, 'Class.forName(', '.loadClass(')) return;
    for (const c of calls(file, /\bClass\.forName\(|\.loadClass\(/g)) {
      const name = c.args[0] ?? '';
      if (javaTaint(file, c.at.line, name) === 'literal' || /\.class\.getName\(\)|getClass\(\)/.test(name)) continue;
      const source = IDENT.test(name.trim())
        ? definitions(file, c.at.line, name.trim())
            .map((d) => d.rhs)
            .join(' ')
        : name;
      const sig = IDENT.test(name.trim()) ? paramLine(file, c.at.line, name.trim()) : '';
      if (REQUEST.test(source) || REQUEST.test(sig)) yield c.at;
    }
  },
});

/** The line above that declares `name` as an annotated parameter (`@RequestParam String name`). */
function paramLine(file: SourceFile, line: number, name: string): string {
  const re = regexFor(`@\\w+(?:\\([^)]*\\))?\\s+(?:final\\s+)?String\\s+${name}\\b`);
  for (let l = line; l >= line - 30 && l > 0; l--) if (re.test(file.lines.get(l) ?? '')) return file.lines.get(l) as string;
  return '';
}

/** The body of the block whose `{` is the first one at or after `from` in `text`. */
function body(text: string, from: number): string {
  const brace = text.indexOf('{', from);
  return brace < 0 ? '' : callArgs(text, brace, 1500);
}

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
    for (const hit of matchSegments(file, re)) {
      if (isCommentLine('java', file.lines.get(hit.line) ?? '') || /^\s*import\s/.test(file.lines.get(hit.line) ?? '')) continue;
      if (hit.match[0].includes('checkServerTrusted')) {
        const b = body(hit.match.input, hit.match.index);
        if (CHECKS_CHAIN.test(b)) continue;
        yield { line: hit.line, endLine: hit.line + (b.match(/\n/g)?.length ?? 0) + 1, column: hit.column };
      } else yield { line: hit.line, endLine: hit.endLine, column: hit.column };
    }
  },
});

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
      /\bNoopHostnameVerifier\b(?!;)|\bALLOW_ALL_HOSTNAME_VERIFIER\b|\bnew\s+AllowAllHostnameVerifier\(|[hH]ostnameVerifier\s*(?:\(|=)\s*\(\s*\w+\s*,\s*\w+\s*\)\s*->\s*true\b|\bboolean\s+verify\s*\(\s*(?:final\s+)?String\s+\w+\s*,\s*(?:final\s+)?SSLSession\s+\w+\s*\)/g;
    for (const hit of matchSegments(file, re)) {
      const text = file.lines.get(hit.line) ?? '';
      if (isCommentLine('java', text) || /^\s*import\s/.test(text)) continue;
      if (hit.match[0].includes('SSLSession')) {
        const b = body(hit.match.input, hit.match.index);
        if (!/^\s*(?:(?:\/\/[^\n]*|\/\*[\s\S]*?\*\/|[\w.]*(?:log|LOG|logger)\w*\.\w+\([^;]*\);)\s*)*return\s+true\s*;\s*$/.test(b))
          continue;
        yield { line: hit.line, endLine: hit.line + (b.match(/\n/g)?.length ?? 0) + 1, column: hit.column };
      } else yield { line: hit.line, endLine: hit.endLine, column: hit.column };
    }
  },
});

const NETWORK = /request|socket|getInputStream\(\)|exchange|getBody|http|conn|servlet|message|payload/i;

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
  title: 'Jackson polymorphic default typing',
  message: 'Default typing lets the JSON name the class to instantiate, a known remote-code-execution path through gadget classes.',
  fix: 'Remove default typing; use @JsonTypeInfo with Id.NAME and @JsonSubTypes, or activateDefaultTyping with a BasicPolymorphicTypeValidator allow-list.',
  cwe: ['CWE-502'],
  example: 'mapper.enableDefaultTyping();',
  *check(file) {
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
    for (const hit of matchSegments(file, /\bnew\s+Yaml\(([^;]*)/g)) {
      const name = /(\w+)\s*=\s*$/.exec(hit.match.input.slice(Math.max(0, hit.match.index - 60), hit.match.index))?.[1];
      if (name && !/SafeConstructor/.test(hit.match[1] ?? '')) unsafe.add(name);
    }
    for (const c of calls(file, /\b(?:new\s+Yaml\(\s*\)|(\w+))\.(?:load|loadAs|loadAll)\(/g)) {
      if (c.m[1] !== undefined && !unsafe.has(c.m[1])) continue;
      yield c.at;
    }
  },
});

export const JAVA_RULES: readonly Rule[] = [
  sqlRule,
  commandRule,
  evalRule,
  spelRule,
  reflectionRule,
  trustRule,
  hostnameRule,
  deserializationRule,
  jacksonRule,
  yamlRule,
];
