/**
 * Secrets recognised by structure rather than a prefix: PEM private key blocks (also escaped inside
 * JSON, as in a GCP service-account file), JWTs whose header decodes to JSON with `alg`, connection
 * strings that carry a password, and AWS secret access keys (40 characters, only next to AWS names).
 * Each detector looks at one added line and the lines the diff shows around it.
 */
import type { Severity, SourceFile } from '../types';
import { charClasses, entropy, hasPatternRun, isPlaceholder, isPlaceholderWord, isSecretValue, looksFake, redact } from './secrets-values';
import { around } from './util';

export interface StructuredHit {
  column: number;
  message: string;
  severity?: Severity;
  endLine?: number;
}

type Detector = (file: SourceFile, line: number, text: string) => readonly StructuredHit[];

/** Most lines hold nothing: one shared empty result, no allocation per line. */
const NONE: readonly StructuredHit[] = Object.freeze([]);

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]{0,30}?)PRIVATE KEY( BLOCK)?-----/;

/** The visible body of a PEM block starting at `line`: a random base64 run, and no placeholder. */
function pemBody(file: SourceFile, line: number, after: string): { ok: boolean; encrypted: boolean; endLine: number } {
  const parts = [after.replace(/\\r|\\n/g, '\n')];
  let endLine = line;
  for (let l = line + 1; l <= line + 8 && !/-----END /.test(parts.join('\n')); l++) {
    const t = file.lines.get(l);
    if (t === undefined) break;
    parts.push(t.replace(/\\r|\\n/g, '\n'));
    endLine = l;
  }
  const body = parts.join('\n').split('-----END ')[0] ?? '';
  const encrypted = /ENCRYPTED|Proc-Type: 4/.test(body);
  if (/\.\.\.|…|xxxx|<[^>]*>|\$\{|\{\{|redacted|example|placeholder/i.test(body)) return { ok: false, encrypted, endLine };
  const runs = body.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? [];
  return { ok: runs.some((r) => entropy(r) >= 4.2 && !hasPatternRun(r)), encrypted, endLine };
}

const isServiceAccount = (file: SourceFile, line: number) =>
  /service_account|gserviceaccount\.com|"client_email"/.test(around(file, line, 20, 20));

/** A PEM private key block with a real-looking body. */
export const privateKey: Detector = (file, line, text) => {
  if (!text.includes('PRIVATE KEY')) return NONE;
  const m = PEM_BEGIN.exec(text);
  if (!m) return NONE;
  if (/"private_key"\s*:/.test(text) && isServiceAccount(file, line)) return NONE; // reported as a GCP service-account key
  const body = pemBody(file, line, text.slice(m.index + m[0].length));
  if (!body.ok) return NONE;
  const kind = (m[1] ?? '').trim();
  const encrypted = body.encrypted || kind.includes('ENCRYPTED');
  return [
    {
      column: m.index + 1,
      endLine: body.endLine,
      message: `${kind ? `${kind} ` : ''}private key committed${encrypted ? ' (encrypted: its passphrase is the only protection left)' : ''}`,
      // In tests and fixtures a key is usually generated for the test: still reported, at medium.
      severity: file.isTest ? 'medium' : encrypted ? 'high' : 'critical',
    },
  ];
};

/** The `"private_key"` of a Google Cloud service-account JSON key file. */
export const gcpServiceAccount: Detector = (file, line, text) => {
  if (!text.includes('"private_key"')) return NONE;
  const m = /"private_key"\s*:\s*"(-----BEGIN [A-Z ]*PRIVATE KEY-----)/.exec(text);
  if (!m || !isServiceAccount(file, line)) return NONE;
  const body = pemBody(file, line, text.slice(m.index + m[0].length));
  return body.ok ? [{ column: m.index + 1, message: 'Google Cloud service-account key (JSON key file) committed' }] : [];
};

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const json: unknown = JSON.parse(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)));
    return json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const JWT = /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,4000})\.(eyJ[A-Za-z0-9_-]{10,8000})\.([A-Za-z0-9_-]{16,1000})(?![A-Za-z0-9_-])/g;

/** A signed JWT: header decodes to JSON with a real `alg`, signature random; jwt.io's sample and Supabase anon keys excepted. */
export const jwt: Detector = (file, _line, text) => {
  if (file.isTest || !text.includes('eyJ')) return NONE;
  const out: StructuredHit[] = [];
  JWT.lastIndex = 0;
  for (let m = JWT.exec(text); m !== null; m = JWT.exec(text)) {
    const header = decodeJson(m[1] as string);
    const payload = decodeJson(m[2] as string);
    const signature = m[3] as string;
    const alg = header?.alg;
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none' || payload === null) continue;
    if (payload.sub === '1234567890' || payload.name === 'John Doe' || payload.role === 'anon') continue; // jwt.io sample; public Supabase anon key
    if (entropy(signature) < 3.5 || looksFake(signature)) continue;
    out.push({ column: m.index + 1, message: `JWT (${alg}) committed: whoever holds it is authenticated until it expires` });
  }
  return out;
};

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|::1|\[::1\]|host\.docker\.internal|[a-z0-9_-]+)$/i;
const PLACEHOLDER_HOST =
  /(^|\.)(example\.(com|org|net)|example|test|invalid|local|localdomain|your[\w-]*|host(name)?|server|domain\.com|mydomain\.com)$|^(host|hostname|server|cluster|your[\w-]*)(\.|$)|^(<|\$|\{|%)/i;

/** A password in a connection string: reported unless it is a placeholder or a local development default. */
function connectionPasswordOk(user: string, password: string, host: string): boolean {
  let pw = password;
  try {
    pw = decodeURIComponent(password);
  } catch {}
  if (pw.length < 3 || pw === user || isPlaceholderWord(pw) || PLACEHOLDER_HOST.test(host)) return false;
  // A local or single-label host (docker-compose service) with a word for a password is a development default.
  if (LOCAL_HOST.test(host)) return isSecretValue(pw, 'token');
  return true;
}

const URL_CREDENTIALS =
  /\b((?:jdbc:)?(?:postgres(?:ql)?|mysql2?|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse|neo4j(?:\+s)?|bolt|couchdbs?|ldaps?|ftps?|sftp|smtps?|nats|https?)):\/\/([^\s:@/'"`<>]{0,100}):([^\s@/'"`<>]{1,200})@([A-Za-z0-9._-]{1,253}|\[[0-9a-fA-F:]+\])/gi;

const ORACLE_THIN = /jdbc:oracle:thin:([\w$#]{1,64})\/([^@\s"'/]{3,200})@\/?\/?([A-Za-z0-9._-]{1,253})/;
const PASSWORD_PARAM = /(?:password|pwd)\s*=/i;
const SERVER_PARAM = /(?:server|data source|host)\s*=/i;

/** `scheme://user:password@host`, `…?password=…` and ADO.NET `Server=…;Password=…`. */
export const connectionString: Detector = (_file, _line, text) => {
  const url = text.includes('://');
  if (!url && !text.includes('=') && !text.includes('@')) return NONE;
  const out: StructuredHit[] = [];
  if (url) {
    URL_CREDENTIALS.lastIndex = 0;
    for (let m = URL_CREDENTIALS.exec(text); m !== null; m = URL_CREDENTIALS.exec(text)) {
      const scheme = (m[1] as string).toLowerCase();
      const [user, password, host] = [m[2] as string, m[3] as string, m[4] as string];
      if (!connectionPasswordOk(user, password, host)) continue;
      if (scheme.startsWith('http') && !isSecretValue(password, 'token')) continue; // basic auth in a URL: only a random password
      out.push({ column: m.index + 1, message: `${scheme} connection string with a password committed (${host})` });
    }
    const q = /[?&;](?:password|pwd)=([^&;\s'"`]{3,200})/i.exec(text);

    if (out.length === 0 && q && /jdbc:|[a-z]+:\/\/[^\s'"]*[?&;](?:password|pwd)=/i.test(text) && !isPlaceholder(q[1] as string))
      out.push({ column: q.index + 1, message: 'Connection string with a password parameter committed' });
  } else if (text.includes('jdbc:oracle:thin:') && ORACLE_THIN.test(text)) {
    // Oracle thin URL: jdbc:oracle:thin:user/password@host:port/service
    const m = ORACLE_THIN.exec(text) as RegExpExecArray;
    if (connectionPasswordOk(m[1] as string, m[2] as string, m[3] as string))
      out.push({ column: m.index + 1, message: `Oracle JDBC URL with a password committed (${m[3]})` });
  } else if (text.includes('@tcp(') || text.includes('@unix(')) {
    // Go's MySQL driver DSN: user:password@tcp(host:port)/db
    const m = /["'`]([\w.-]{1,64}):([^\s@"'`:/]{3,200})@(?:tcp|unix)\(([^):]{1,200})/.exec(text);
    if (m && connectionPasswordOk(m[1] as string, m[2] as string, m[3] as string))
      out.push({ column: m.index + 2, message: `MySQL DSN with a password committed (${m[3]})` });
  } else if (text.includes('=') && PASSWORD_PARAM.test(text) && SERVER_PARAM.test(text)) {
    const m = /(?:^|[;"'\s])(?:password|pwd)\s*=\s*([^;"'\s]{3,200})/i.exec(text);
    const host = /(?:server|data source|host)\s*=\s*(?:tcp:)?([^;,"'\s]+)/i.exec(text)?.[1] ?? '';
    if (m && connectionPasswordOk('', m[1] as string, host.replace(/^\(localdb\).*|^\.$/i, 'localhost')))
      out.push({ column: m.index + 1, message: 'Database connection string with a password committed' });
  }
  return out;
};

const SECRET_WORD = /secret/i;
const AWS_NAMED = /aws.{0,20}secret|secret.?access.?key/i;
const AWS_SECRET = /(?<![A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g;

/** A 40-character secret access key on a line naming an AWS secret, or a `secret` name near an AWS key id. */
export const awsSecretKey: Detector = (file, line, text) => {
  if (!SECRET_WORD.test(text)) return NONE;
  if (!AWS_NAMED.test(text) && !/aws|AKIA|ASIA/i.test(around(file, line, 5, 5))) return NONE;
  const out: StructuredHit[] = [];
  AWS_SECRET.lastIndex = 0;
  for (let m = AWS_SECRET.exec(text); m !== null; m = AWS_SECRET.exec(text)) {
    const v = m[1] as string;
    if (charClasses(v) < 3 || entropy(v) < 4 || looksFake(v, file.isTest)) continue;
    out.push({ column: m.index + 1, message: `AWS secret access key \`${redact(v)}\` committed` });
  }
  return out;
};
