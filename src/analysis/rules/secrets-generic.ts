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
  const words = nameWords(name);
  if (words.length === 0 || words.length > 8 || words.some((w) => DENY.has(w) || NOT_SECRET_WORD.test(w))) return null;
  if (words.some((w) => PASSWORD_WORDS.has(w) || /^(?:[a-z]+)?(password|passwd)$/.test(w))) return 'password';
  if (words.some((w) => TOKEN_WORDS.has(w) || /(secret|token|apikey|accesskey|secretkey|privatekey)$/.test(w))) return 'token';
  const k = words.lastIndexOf('key');
  if (k > 0 && !KEY_DENY.has(words[k - 1] as string)) return 'token';
  if (words.length === 2 && words[0] === 'api' && words[1] === 'key') return 'token';
  return null;
}

const CONFIG_PATH =
  /(^|\/)(\.env[^/]*|[^/]*\.(env|properties|ini|cfg|conf|toml|tfvars|ya?ml|sh|bash|zsh)|Dockerfile[^/]*|\.npmrc|\.pypirc|\.netrc|credentials)$/i;

const NAME = String.raw`(?:\[\s*)?["':]?([A-Za-z_$@][\w$.-]{0,80})["']?(?:\s*\])?`;
const TYPE = String.raw`(?:\s*:\s*[A-Za-z_][\w.<>\[\]|]{0,40}(?=\s*=))?`; // TypeScript / Python / Kotlin annotations
const QUOTED = String.raw`(?:"([^"\\\n]{1,500})"|'([^'\\\n]{1,500})'|\x60([^\x60\\\n$]{1,500})\x60)`;
const ASSIGN = new RegExp(String.raw`(?<![\w$.-])${NAME}${TYPE}\s*(?::=|=>|=(?!=)|:)\s*${QUOTED}`, 'g');
const UNQUOTED = /^\s*(?:export\s+|ENV\s+|ARG\s+|set\s+|-\s+)?["']?([A-Za-z_][\w.-]{0,80})["']?\s*[=:]\s*([^\s"'`]{8,500})(?:\s+#.*)?\s*$/;
const XML_ELEMENT = /<([\w.:-]{1,80})>([^<\s]{8,500})<\/\1>/g;
const KEY_VALUE_ATTRS = /(?:key|name)\s*=\s*"([^"]{1,80})"\s+value\s*=\s*"([^"]{1,500})"/gi;
const PAIR_CALL = new RegExp(String.raw`\(\s*["']([\w.-]{1,80})["']\s*,\s*${QUOTED}\s*\)`, 'g');
const SETTER = new RegExp(
  String.raw`\.((?:set|with)?[A-Za-z]*(?:Password|password|Secret|secret|Token|token|ApiKey|Key|Credentials?))\(\s*${QUOTED}\s*\)`,
  'g',
);
/** Calls whose last string argument is a password: `DriverManager.getConnection(url, "u", "p")`, `NetworkCredential("u", "p")`, `smtp.login("u", "p")`, `auth=("u", "p")`. */
const CREDENTIAL_CALL =
  /(?:getConnection\([^()"'\n]{1,200},|NetworkCredential\(|PasswordAuthentication\(|\.login\(|HTTP(?:Basic|Digest)Auth\(|[Bb]asic[Aa]uth\(|auth\s*=\s*\()\s*["'][^"'\n]{1,100}["']\s*,\s*["']([^"'\\\n]{1,200})["']/g;
const HINT = /pass|pwd|pw|secret|token|key|auth|cred|bearer|getConnection|login/i;

export interface GenericHit {
  column: number;
  name: string;
}

/** Generic secret assignments on one line (`prev` is the line above, for `name:`/`value:` pairs). */
export function genericHits(file: SourceFile, text: string, prev: string | undefined): GenericHit[] {
  if (file.isTest || !(HINT.test(text) || (prev !== undefined && HINT.test(prev)))) return [];
  const out: GenericHit[] = [];
  const consider = (name: string, value: string | undefined, column: number) => {
    const kind = secretKind(name);
    if (kind && value !== undefined && isSecretValue(value, kind)) out.push({ column, name });
  };
  for (const re of [ASSIGN, PAIR_CALL, SETTER]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) consider(m[1] as string, m[2] ?? m[3] ?? m[4], m.index + 1);
  }
  CREDENTIAL_CALL.lastIndex = 0;
  for (let m = CREDENTIAL_CALL.exec(text); m !== null; m = CREDENTIAL_CALL.exec(text)) consider('password', m[1], m.index + 1);
  XML_ELEMENT.lastIndex = 0;
  for (let m = XML_ELEMENT.exec(text); m !== null; m = XML_ELEMENT.exec(text)) consider(m[1] as string, m[2], m.index + 1);
  KEY_VALUE_ATTRS.lastIndex = 0;
  for (let m = KEY_VALUE_ATTRS.exec(text); m !== null; m = KEY_VALUE_ATTRS.exec(text)) consider(m[1] as string, m[2], m.index + 1);
  if (out.length === 0 && CONFIG_PATH.test(file.path)) {
    const m = UNQUOTED.exec(text);
    if (m) consider(m[1] as string, m[2], 1);
    const value = /^\s*value:\s*["']?([^\s"'#]{8,500})["']?\s*$/.exec(text);
    const name = prev === undefined ? null : /^\s*-?\s*name:\s*["']?([\w.-]{1,80})["']?\s*$/.exec(prev);
    if (value && name) consider(name[1] as string, value[1], 1);
  }
  return out;
}
