/**
 * The `secrets` class: credentials committed in any file. Provider formats (secrets-formats.ts),
 * structured ones (private keys, service-account files, JWTs, connection strings, AWS secret keys:
 * secrets-structured.ts) and the generic secret-name rule (secrets-generic.ts). A file is scanned
 * once for all of them (cached per SourceFile), so one line yields at most one kind of finding: a
 * provider match wins over a structured one, and both over the generic rule. Comments are scanned
 * too — a key pasted in a comment is leaked all the same. Messages never carry a secret's value
 * (at most its first and last four characters).
 */
import type { Match, Rule, Severity, SourceFile } from '../types';
import { PROVIDERS as FORMATS } from './secrets-formats';
import { genericContext, genericHits } from './secrets-generic';
import { providerHits } from './secrets-providers';
import { SAAS_TOKENS } from './secrets-saas';
import { awsSecretKey, connectionString, gcpServiceAccount, jwt, privateKey, type StructuredHit } from './secrets-structured';
import { redact } from './secrets-values';

const CWE = ['CWE-798'] as const;
const PROVIDERS = [...FORMATS, SAAS_TOKENS];

interface StructuredRule {
  id: string;
  title: string;
  severity: Severity;
  message: string;
  fix: string;
  example: string;
  detect: (file: SourceFile, line: number, text: string) => readonly StructuredHit[];
}

const rotate = (what: string, where = 'a secret store or environment variable') =>
  `Revoke or rotate the ${what} now (it stays in the repository's history), then load it from ${where}.`;

const STRUCTURED: readonly StructuredRule[] = [
  {
    id: 'secrets.gcp-service-account',
    title: 'Google Cloud service-account key',
    severity: 'critical',
    message: 'Google Cloud service-account key committed',
    fix: `${rotate('service-account key (IAM → Service accounts → Keys)', 'Workload Identity or a secret store')} Never commit the JSON key file.`,
    example:
      '  "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7kR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5n\\n-----END PRIVATE KEY-----\\n", "client_email": "ci@proj.iam.gserviceaccount.com",',
    detect: gcpServiceAccount,
  },
  {
    id: 'secrets.private-key',
    title: 'Private key',
    severity: 'critical',
    message: 'Private key committed',
    fix: rotate(
      'key pair (issue a new key and revoke the old one wherever it is trusted)',
      'a secret store or a mounted file outside the repository',
    ),
    example:
      "const key = '-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA7kR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq8rXz2mKc4TbLp9yQe3\\n-----END RSA PRIVATE KEY-----';",
    detect: privateKey,
  },
  {
    id: 'secrets.aws-secret-access-key',
    title: 'AWS secret access key',
    severity: 'critical',
    message: 'AWS secret access key committed',
    fix: rotate('AWS access key pair in IAM', 'an IAM role, SSO, or a secret store'),
    example: 'aws_secret_access_key = Rk8vQ2mX9pLw4TzN7bYc1HdJs6FeA3uGi0oV5nWq',
    detect: awsSecretKey,
  },
  {
    id: 'secrets.connection-string',
    title: 'Connection string with a password',
    severity: 'high',
    message: 'Connection string with a password committed',
    fix: rotate('database or service password', 'an environment variable holding the whole URL (DATABASE_URL) or a secret store'),
    example: "DATABASE_URL = 'postgres://app:Qk8vR3mX9pLw2TzN@db.prod.internal:5432/app'",
    detect: connectionString,
  },
  {
    id: 'secrets.jwt',
    title: 'JSON Web Token',
    severity: 'medium',
    message: 'JWT committed',
    fix: 'Remove the token and revoke it (or the signing key) if it has not expired; tests should mint their own tokens. Test paths are not reported.',
    example:
      "const token = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyXzQ4MjEiLCJyb2xlIjoiYWRtaW4ifQ.Xk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq8rX';",
    detect: jwt,
  },
];

const GENERIC = {
  id: 'secrets.generic-secret',
  title: 'Hardcoded secret',
  severity: 'high' as Severity,
  message: 'Hardcoded secret committed',
  fix: 'Move the value to an environment variable or secret store and rotate it. Placeholders, references (`process.env.X`, template variables), hashes and test paths are not reported.',
  example: 'client_secret: "Xk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uG"',
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
const ALL_NEEDLES = [...new Set(PROVIDERS.flatMap((p) => p.needles))];
/**
 * Every needle as one regex shaped like a trie (`A(?:KIA|SIA…)|g(?:h(?:p_|o_…)|l…)`): at each column
 * the engine tests one character class and follows one branch, instead of trying ~90 literals.
 */
function trieRegex(words: readonly string[]): string {
  interface Node {
    end: boolean;
    next: Map<string, Node>;
  }
  const root: Node = { end: false, next: new Map() };
  for (const w of words) {
    let node = root;
    for (const ch of w) {
      let child = node.next.get(ch);
      if (!child) {
        child = { end: false, next: new Map() };
        node.next.set(ch, child);
      }
      node = child;
    }
    node.end = true;
  }
  const emit = (node: Node): string => {
    const branches = [...node.next].map(([ch, child]) => escapeRegExp(ch) + emit(child));
    if (branches.length === 0) return '';
    // A word ending here wins as soon as it is reached: one hit per line is all the scan needs.
    if (node.end) return '';
    return branches.length === 1 ? (branches[0] as string) : `(?:${branches.join('|')})`;
  };
  return emit(root);
}
const FIRST = [...new Set(ALL_NEEDLES.map((n) => escapeRegExp(n[0] as string)))].join('');
const NEEDLES = new RegExp(`(?=[${FIRST}])${trieRegex(ALL_NEEDLES)}`, 'g');
const UNNEEDLED = PROVIDERS.filter((p) => p.needles.length === 0);

/** Indexes of the lines holding any provider's needle: one regex pass over the segment, not one per line and format. */
function linesWithNeedles(lines: readonly string[]): Set<number> {
  const found = new Set<number>();
  const text = lines.join('\n');
  NEEDLES.lastIndex = 0;
  let index = 0;
  let lineEnd = (lines[0]?.length ?? 0) + 1;
  for (let m = NEEDLES.exec(text); m !== null; m = NEEDLES.exec(text)) {
    while (m.index >= lineEnd && index < lines.length - 1) lineEnd += (lines[++index]?.length ?? 0) + 1;
    found.add(index);
    NEEDLES.lastIndex = lineEnd; // the next line: one hit per line is enough
  }
  return found;
}

const cache = new WeakMap<SourceFile, Map<string, Match[]>>();

/** Every secret finding of the file, by rule id, computed once. */
function scan(file: SourceFile): Map<string, Match[]> {
  const cached = cache.get(file);
  if (cached) return cached;
  const found = new Map<string, Match[]>();
  const push = (id: string, m: Match) => {
    const list = found.get(id);
    if (list) list.push(m);
    else found.set(id, [m]);
  };
  const context = genericContext(file);
  const always = UNNEEDLED.filter(
    (p) => !p.fileNeedle || p.fileNeedle.test(file.path) || [...file.lines.values()].some((l) => p.fileNeedle?.test(l)),
  );
  for (const segment of file.segments) {
    const needled = linesWithNeedles(segment.lines);
    for (let i = 0; i < segment.lines.length; i++) {
      if (!segment.added[i]) continue;
      const line = segment.start + i;
      const text = segment.lines[i] as string;
      let hit = false;
      let claimed = false; // a provider format matched, even if only a documentation key: not the generic rule's
      for (const p of needled.has(i) ? PROVIDERS : always)
        for (const h of providerHits(p, file, line, text)) {
          claimed = true;
          if (h.rejected) continue;
          hit = true;
          push(p.id, { line, column: h.column, severity: h.severity, message: `${h.label} \`${redact(h.value)}\` committed` });
        }
      if (hit) continue;
      for (const r of STRUCTURED) {
        const hits = r.detect(file, line, text);
        for (const h of hits)
          push(r.id, { line, endLine: h.endLine ?? line, column: h.column, message: h.message, severity: h.severity ?? r.severity });
        if (hits.length > 0) {
          hit = true;
          break;
        }
      }
      if (hit || claimed) continue;
      for (const h of genericHits(context, text, i > 0 ? segment.lines[i - 1] : undefined))
        push(GENERIC.id, { line, column: h.column, message: `Hardcoded secret assigned to \`${h.name}\`` });
    }
  }
  cache.set(file, found);
  return found;
}

const ruleOf = (meta: { id: string; title: string; severity: Severity; message?: string; fix: string; example: string }): Rule => ({
  id: meta.id,
  class: 'secrets',
  severity: meta.severity,
  title: meta.title,
  message: meta.message ?? `${meta.title} committed`,
  fix: meta.fix,
  cwe: CWE,
  example: meta.example,
  languages: 'any',
  check: (file) => scan(file).get(meta.id) ?? [],
});

export const SECRET_RULES: readonly Rule[] = [...PROVIDERS.map(ruleOf), ...STRUCTURED.map(ruleOf), ruleOf(GENERIC)];
