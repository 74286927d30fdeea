/**
 * The generic secret rule: a secret-like name (password, token, api_key, client_secret…) given a
 * literal that looks like a credential. The name decides what "looks like" means (people choose
 * passwords, machines generate tokens — see `isSecretValue`); names that only mention a secret
 * (`password_hash`, `token_url`, `publicKey`, `PASSWORD_RESET_MESSAGE`) are not secret-like. It
 * reads assignments in code (`=`, `:=`, `=>`, `:`), JSON/YAML keys, `.env`/properties lines,
 * XML elements and `key=… value=…` attributes, Kubernetes `name:`/`value:` pairs and
 * `set("api_key", "…")`-style calls. Test paths are skipped: their credentials are fixtures.
 */
import type { SourceFile } from '../types';
import { isSecretValue } from './secrets-values';

/** Words that make a name about a secret without being one (`token_url`, `password_hash`). */
const DENY = new Set(
  (
    'hash hashed hashes digest checksum sha sha1 sha256 sha512 md5 integrity fingerprint id ids uuid guid url urls uri endpoint path file filename ' +
    'dir directory name names type types field fields label placeholder hint prompt message messages msg text title description desc error errors ' +
    'regex regexp pattern policy length len size min max count ttl expiry expires expiration expire expired timeout header headers prefix suffix format ' +
    'env var variable ref arn public publishable pub mode enabled enable disabled required visible show hidden input column param params button btn link ' +
    'route page next cursor continuation csrf xsrf algorithm alg version location region store storage cache provider class module icon status state ' +
    'strength rule rules validator validation validate reset confirm confirmation changed updated created date time timestamp lifetime duration age ' +
    'attempts retries limit issuer audience scope scopes grant response request method kind form dialog modal view screen component props test mock ' +
    'fake dummy example sample template translation i18n locale lang selector element elem selected index position offset generator strategy handler ' +
    'callback fn func function listener event events action actions rotation rotated last used usage exists missing valid invalid ' +
    'minimum maximum chars charset encoding encoder decoder parser schema table query commit revision rev sha1sum etag'
  ).split(' '),
);

/** Words before `key` that make it not a credential (`cacheKey`, `publicKey`, `sortKey`). */
const KEY_DENY = new Set(
  (
    'public pub publishable site primary foreign cache storage sort partition idempotency i18n translation route hot object file bucket item row ' +
    'column table unique lookup dedupe dedup redis kv local react list index shortcut keyboard registry config setting settings state query feature ' +
    'flag meta data env header field name entry prop attribute group label message error icon color order map s3 event job queue lock mutex channel ' +
    'topic stream page pagination next last first composite hash range cursor dict hotkey menu tab form step filter search sorting component ' +
    'storybook story translation trans locale cookie_name'
  ).split(' '),
);

const PASSWORD_WORDS = new Set(['password', 'passwd', 'passwort', 'pwd', 'pass', 'passphrase', 'pw', 'pword', 'passcode']);
const TOKEN_WORDS = new Set([
  'secret',
  'secrets',
  'token',
  'apikey',
  'credential',
  'credentials',
  'creds',
  'auth',
  'authorization',
  'bearer',
  'privatekey',
  'accesskey',
  'secretkey',
  'clientsecret',
  'authtoken',
  'accesstoken',
  'apitoken',
  'refreshtoken',
  'sessionsecret',
  'cookiesecret',
  'appsecret',
  'jwtsecret',
  'signingkey',
  'encryptionkey',
  'masterkey',
]);
const NOT_SECRET_WORD =
  /^(tokeni[sz]e[rd]?|tokenization|tokens?ize|detokeni[sz]e|secretary|secretariat|passwordless|passthrough|passenger|passive|password?reset)$/;

/** Splits `dbPassword`, `DB_PASSWORD`, `db.password`, `x-api-key` into lower-case words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Whether a name is secret-like, and which kind of value it should hold. */
export function secretKind(name: string): 'password' | 'token' | null {
  // `process.env.API_KEY`, `settings.SECRET_KEY`, `config.db.password`: the last part names the value.
  const parts = name.split('.').filter(Boolean);
  let last = parts.pop() ?? '';
  if (/^(value|val|data|raw)$/i.test(last) && parts.length > 0) last = parts.pop() as string;
  const words = nameWords(last);
  if (words.length === 0 || words.length > 8 || words.some((w) => DENY.has(w) || NOT_SECRET_WORD.test(w))) return null;
  if (words.some((w) => PASSWORD_WORDS.has(w) || /^(?:[a-z]+)?(password|passwd)$/.test(w))) return 'password';
  if (words.some((w) => TOKEN_WORDS.has(w) || /(secret|token|apikey|accesskey|secretkey|privatekey)$/.test(w))) return 'token';
  const k = words.lastIndexOf('key');
  if (k > 0 && !KEY_DENY.has(words[k - 1] as string)) return 'token';
  if (words.length === 2 && words[0] === 'api' && words[1] === 'key') return 'token';
  return null;
}

const CONFIG_PATH =
  /(^|\/)(\.env[^/]*|[^/]*\.(env|properties|ini|cfg|cnf|conf|toml|tfvars|ya?ml|sh|bash|zsh|ps1)|Dockerfile[^/]*|\.npmrc|\.pypirc|\.netrc|credentials)$/i;

// The name is matched atomically (a lookahead capture, then a backreference): no backtracking into it.
const NAME = String.raw`(?:\[\s*)?["':]?(?=([A-Za-z_$@][\w$.-]{0,80}))\1["']?(?:\s*\])?`;
const TYPE = String.raw`(?:\s*:\s*[&A-Za-z_'][\w.<>\[\]|&' ]{0,40}?(?=\s*=))?`; // TypeScript / Python / Kotlin / Rust annotations
const QUOTED = String.raw`(?:"([^"\\\n]{1,500})"|'([^'\\\n]{1,500})'|\x60([^\x60\\\n$]{1,500})\x60)`;
/** Go `[]byte("…")`, Python `b"…"`: the literal inside counts as the value. */
const WRAP = String.raw`(?:\[\]byte\(|\bb(?=["'])|@(?="))?`; // and Objective-C @"…"
const OP = String.raw`\s*(?::=|=>|\|\|=|\?\?=|=(?!=)|:)\s*`;
/** Sticky: tried only where a name containing a hint word starts (see `assignments`), not at every column. */
const ASSIGN = new RegExp(`${NAME}${TYPE}${OP}${WRAP}${QUOTED}`, 'y');
/** `apiKey = process.env.API_KEY || "…"`: the fallback literal is committed all the same. */
const FALLBACK = new RegExp(
  String.raw`${NAME}${TYPE}${OP}(?:process\.env|os\.environ|os\.getenv|getenv|ENV|env|System\.getenv|config)[^;\n]{0,120}?(?:\|\||\?\?|\bor\b|\?:)\s*${QUOTED}`,
  'y',
);
const FALLBACK_HINT = /(?:\|\||\?\?|\bor\b|\?:)\s*["'\x60]/;
/** A name whose value starts on the next line: `API_KEY =` / `apiKey:` then the literal. */
const NAME_ONLY = /([A-Za-z_$][\w$.-]{0,80})["']?\s*(?:=|:|=>)\s*\(?\s*$/;
const LITERAL_ONLY = /^\s*(?:"([^"\\\n]{8,500})"|'([^'\\\n]{8,500})'|\x60([^\x60\\\n$]{8,500})\x60)\s*[,;)]?\s*$/;
/** PowerShell: `ConvertTo-SecureString "…" -AsPlainText`. */
const SECURE_STRING = /ConvertTo-SecureString\s+(?:-String\s+)?["']([^"'\n]{1,200})["']\s+-AsPlainText/gi;
const UNQUOTED = /^\s*(?:export\s+|ENV\s+|ARG\s+|set\s+|-\s+)?["']?([A-Za-z_][\w.-]{0,80})["']?\s*[=:]\s*([^\s"'`]{8,500})(?:\s+#.*)?\s*$/;
/** A header written inside one string: `"X-Api-Key: 7f3a…"`, `'Authorization: Bearer …'` (curl -H, raw requests). */
const HEADER_IN_STRING = /["']\s*([A-Za-z][\w-]{1,60})\s*:\s*((?:Bearer\s+|Basic\s+|token\s+)?[^\s"']{8,500})\s*["']/g;
const PAIR_CALL = new RegExp(String.raw`\(\s*["']([\w.-]{1,80})["']\s*,\s*${QUOTED}\s*\)`, 'g');
const SETTER = new RegExp(
  String.raw`\.((?:set|with)?[A-Za-z]*(?:Password|password|Secret|secret|Token|token|ApiKey|Key|Credentials?))\(\s*${QUOTED}\s*\)`,
  'g',
);
/** Calls whose last string argument is a password: `DriverManager.getConnection(url, "u", "p")`, `NetworkCredential("u", "p")`, `smtp.login("u", "p")`, `auth=("u", "p")`. */
const CREDENTIAL_CALL =
  /(?:getConnection\((?:"[^"\n]{0,300}"|[^()"'\n]{1,200})\s*,|NetworkCredential\(|PasswordAuthentication\(|\.login\(|HTTP(?:Basic|Digest)Auth\(|[Bb]asic[Aa]uth\(|auth\s*=\s*\()\s*["'][^"'\n]{1,100}["']\s*,\s*["']([^"'\\\n]{1,200})["']/g;
const XML_ELEMENT = /<([\w.:-]{1,80})>([^<\s]{8,500})<\/\1>/g;
const KEY_VALUE_ATTRS = /(?:key|name)\s*=\s*"([^"]{1,80})"\s+value\s*=\s*"([^"]{1,500})"/gi;
const HINT = /pass|pwd|pw|secret|token|key|auth|cred|bearer|getConnection|login|curl|appid/i;

/** `--password=…`, `--api-key …` on a command line (scripts, docs, code building argv), and `curl -u user:password`. */
const CLI_FLAG = /(?:^|[\s"'[,])--([a-z][\w-]{1,40})[= ](["']?)([^\s"'$]{8,200})\2(?=[\s"',\]]|$)/g;
const CURL_USER = /\s(?:-u|--user)\s+["']?[\w.@+-]{1,64}:([^\s"'@]{6,200})["']?(?=\s|$)/g;
/** `?api_key=…&token=…` in a URL; a bare `key` or `appid` parameter is an API key there. */
const QUERY_PARAM = /[?&]([A-Za-z_][\w-]{1,40})=([^&\s"'`#<>{}$]{8,300})/g;
const CREDENTIAL_HINT = /getConnection|Credential|Authentication|login|[Aa]uth/;
const QUOTE = /["'`]/;
const VALUE_LINE = /^\s*value:\s*["']?([^\s"'#]{8,500})["']?\s*$/;
const NAME_LINE = /^\s*-?\s*name:\s*["']?([\w.-]{1,80})["']?\s*$/;
const NETRC_PASSWORD = /\bpassword\s+(\S{8,200})/;
const HEX32 = /^\s*[0-9a-f]{32}\s*$/;

/** The other line patterns: the name (a group number, or a fixed name), and a cheap test that must pass first. The value is the first defined group after the name. */
const PATTERNS: readonly { re: RegExp; name: number | string; when: (text: string) => boolean }[] = [
  { re: PAIR_CALL, name: 1, when: (t) => t.includes(',') && t.includes('(') },
  { re: SETTER, name: 1, when: (t) => t.includes('.') && t.includes('(') },
  { re: HEADER_IN_STRING, name: 1, when: (t) => t.includes(':') },
  { re: CREDENTIAL_CALL, name: 'password', when: (t) => t.includes(',') && CREDENTIAL_HINT.test(t) },
  { re: KEY_VALUE_ATTRS, name: 1, when: (t) => t.includes('value') },
  { re: XML_ELEMENT, name: 1, when: (t) => t.includes('</') },
];
/** Patterns that need no quotes. */
const BARE_PATTERNS: readonly { re: RegExp; name: number | string; when: (text: string) => boolean }[] = [
  { re: XML_ELEMENT, name: 1, when: (t) => t.includes('</') },
  { re: CLI_FLAG, name: 1, when: (t) => t.includes('--') },
  { re: CURL_USER, name: 'password', when: (t) => t.includes('-u') },
  { re: QUERY_PARAM, name: 1, when: (t) => t.includes('=') && (t.includes('?') || t.includes('&')) },
];

const NO_HITS: readonly GenericHit[] = Object.freeze([]);

export interface GenericHit {
  column: number;
  name: string;
}

/** What the generic rule needs to know about a file, worked out once per file. */
export interface GenericContext {
  isTest: boolean;
  /** `.env`, properties, YAML, shell…: unquoted values count. */
  isConfig: boolean;
  isNetrc: boolean;
  /** Markdown, reStructuredText, plain text: sample passwords there are illustrations; only random tokens count. */
  isDocs: boolean;
  isRailsKey: boolean;
  /** A Kubernetes Secret manifest: `data:` values are base64. */
  isK8sSecret: boolean;
}

export function genericContext(file: SourceFile): GenericContext {
  return {
    isTest: file.isTest,
    isConfig: CONFIG_PATH.test(file.path),
    isNetrc: /(^|\/)[._]?netrc$/.test(file.path),
    isDocs: /\.(md|mdx|markdown|rst|adoc|txt)$/i.test(file.path),
    isRailsKey: RAILS_KEY.test(file.path),
    isK8sSecret: /\.ya?ml$/i.test(file.path) && [...file.lines.values()].some((l) => /^kind:\s*Secret\s*$/.test(l)),
  };
}

/** A Kubernetes Secret's `data:` values are base64: judge what they decode to. */
function decoded(ctx: GenericContext, value: string): string {
  if (!ctx.isK8sSecret || !/^[A-Za-z0-9+/]{8,}={0,2}$/.test(value) || value.length % 4 !== 0) return value;
  try {
    const text = atob(value);
    return /^[\x20-\x7e]+$/.test(text) ? text : value;
  } catch {
    return value;
  }
}

/** Generic secret assignments on one line (`prev` is the line above, for `name:`/`value:` pairs). */
export function genericHits(ctx: GenericContext, text: string, prev: string | undefined): readonly GenericHit[] {
  if (ctx.isTest) return NO_HITS;
  if (ctx.isRailsKey && HEX32.test(text)) return [{ column: 1, name: 'the Rails master key' }];
  HINTS.lastIndex = 0;
  const hint = HINTS.exec(text);
  if (hint === null && !text.includes('SecureString') && (prev === undefined || !HINT.test(prev))) return NO_HITS;
  const out: GenericHit[] = [];
  const consider = (name: string, value: string | undefined, column: number) => {
    const kind = secretKind(name);
    if (kind === 'password' && ctx.isDocs) return;
    if (kind && value !== undefined && (isSecretValue(value, kind) || isAppPassword(value, kind))) out.push({ column, name });
  };
  if (prev !== undefined && QUOTE.test(text)) {
    const literal = LITERAL_ONLY.exec(text);
    const name = literal ? NAME_ONLY.exec(prev) : null;
    if (literal && name) consider(name[1] as string, literal[1] ?? literal[2] ?? literal[3], 1);
  }
  if (text.includes('SecureString')) {
    SECURE_STRING.lastIndex = 0;
    for (let m = SECURE_STRING.exec(text); m !== null; m = SECURE_STRING.exec(text)) consider('password', m[1], m.index + 1);
  }
  if (ctx.isConfig && prev !== undefined && text.includes('value:')) {
    const value = VALUE_LINE.exec(text);
    const name = value ? NAME_LINE.exec(prev) : null;
    if (value && name) consider(name[1] as string, value[1], 1);
  }
  if (hint === null) return out;
  const quoted = QUOTE.test(text);
  if (quoted) for (const a of assignments(text, hint)) consider(a.name, a.value, a.column);
  for (const { re, name, when } of quoted ? [...PATTERNS, ...BARE_PATTERNS.slice(1)] : BARE_PATTERNS) {
    if (!when(text)) continue;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const first = typeof name === 'number' ? name + 1 : 1;
      // CLI_FLAG's group 2 is the quote: its value is group 3.
      const value = re === CLI_FLAG ? m[3] : (m[first] ?? m[first + 1] ?? m[first + 2]);
      const named = typeof name === 'number' ? (m[name] as string) : name;
      consider(re === QUERY_PARAM && /^(key|appid)$/i.test(named) ? 'api_key' : named, value, m.index + 1);
    }
  }
  if (out.length > 0) return out;
  if (ctx.isConfig) {
    const m = UNQUOTED.exec(text);
    if (m) consider(m[1] as string, decoded(ctx, m[2] as string), 1);
  }
  const netrc = ctx.isNetrc ? NETRC_PASSWORD.exec(text) : null;
  if (netrc) consider('password', netrc[1], netrc.index + 1);
  return out;
}

const HINTS = new RegExp(HINT.source, 'gi');
const IDENT = /[\w$.-]/;
const NAME_OPENER = /["'[:]/;

/** `name = "value"` (and `:`, `:=`, `=>`) where the name holds a hint word: the sticky ASSIGN runs from the start of each such name. */
function assignments(text: string, firstHint: RegExpExecArray): { name: string; value: string | undefined; column: number }[] {
  const out: { name: string; value: string | undefined; column: number }[] = [];
  let after = 0;
  for (let h: RegExpExecArray | null = firstHint; h !== null; h = HINTS.exec(text)) {
    let start = h.index;
    while (start > after && IDENT.test(text[start - 1] as string)) start--;
    if (start > 0 && NAME_OPENER.test(text[start - 1] as string)) start--;
    ASSIGN.lastIndex = start;
    let m = ASSIGN.exec(text);
    if (!m && FALLBACK_HINT.test(text)) {
      FALLBACK.lastIndex = start;
      m = FALLBACK.exec(text);
    }
    if (m) {
      out.push({ name: m[1] as string, value: m[2] ?? m[3] ?? m[4], column: start + 1 });
      after = m.index + m[0].length;
      HINTS.lastIndex = after;
    }
  }
  return out;
}

const RAILS_KEY = /(^|\/)config\/(master|credentials\/[\w-]+)\.key$/;

/** A Google app password is four groups of four lower-case letters. */
const isAppPassword = (value: string, kind: 'password' | 'token') => kind === 'password' && /^[a-z]{4}( [a-z]{4}){3}$/.test(value);
