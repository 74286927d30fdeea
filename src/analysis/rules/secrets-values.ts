/**
 * What a secret's value looks like: random enough to be a credential, or a placeholder, a
 * reference to where the real one lives, a hash, a word. The secret rules share these so that
 * "is this fake?" is decided once, the same way for every provider and for the generic rule.
 */

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** How many of lower case, upper case, digits and other characters the value uses. */
export function charClasses(s: string): number {
  return (/[a-z]/.test(s) ? 1 : 0) + (/[A-Z]/.test(s) ? 1 : 0) + (/[0-9]/.test(s) ? 1 : 0) + (/[^A-Za-z0-9]/.test(s) ? 1 : 0);
}

/** A value safe to show: the first and last four characters of a long one, nothing of a short one. */
export function redact(value: string): string {
  return value.length >= 16 ? `${value.slice(0, 4)}…${value.slice(-4)}` : '…';
}

/** Words documentation and templates put where a real credential would go. */
const PLACEHOLDER_WORD =
  /example|sample|dummy|fake|placeholder|redacted|changeme|change[_-]me|your[_-]?(?:own[_-]?)?(?:api|secret|token|key|pass|access|client|app|account|private|auth)|insert[_-]?(?:your|here|key|token)|replace[_-]?(?:me|with|this)|(?:key|token|secret|password)[_-]?here|xxxx|\*\*\*|\.\.\.|…|<[^<>]*>|\{\{|\$\{|\$\(|#\{|%\(|%s\b|__[A-Z]+__/i;

/** A long run of one character, or an ascending run (`123456`, `abcdef`), written by a person. */
export function hasPatternRun(s: string): boolean {
  if (/(.)\1{5,}/.test(s)) return true;
  let run = 1;
  for (let i = 1; i < s.length; i++) {
    const step = s.charCodeAt(i) - s.charCodeAt(i - 1);
    run = step === 1 && /[0-9a-zA-Z]/.test(s[i] as string) ? run + 1 : 1;
    if (run >= 6) return true;
  }
  return false;
}

/**
 * A provider token that is obviously not real: documentation's EXAMPLE keys, `xxxx`, repeated or
 * sequential characters, too little randomness for its length; in tests also `test`/`mock`/`fake`.
 */
export function looksFake(token: string, isTest = false): boolean {
  if (PLACEHOLDER_WORD.test(token)) return true;
  if (hasPatternRun(token)) return true;
  if (isTest && /test|mock|fake|dummy|stub|fixture|invalid|bogus/i.test(token)) return true;
  const body = token.replace(/^[A-Za-z]{2,8}[_-]/, '');
  return body.length >= 16 && entropy(body) < 3;
}

/** A reference to where the value really lives (environment, vault, template), not the value. */
export function isReference(v: string): boolean {
  return (
    /^(\$|%|@|&|\*|\{|<|!|ENC\[|arn:aws:|vault:|op:\/\/|secret:\/\/|ssm:|secure:|projects\/[^/]+\/secrets\/|sm:\/\/)/i.test(v) ||
    /\$\{|\{\{|#\{|%\(|\$\(|process\.env|os\.environ|getenv|ENV\[|System\.getenv|config\.get|@Microsoft\.KeyVault|secretKeyRef/i.test(v)
  );
}

/** A hash, checksum or encoded blob that is not a credential. */
export function isHashOrBlob(v: string): boolean {
  return (
    /^(sha(1|224|256|384|512)|md5)[-:]/i.test(v) || // SRI integrity, `sha256:…` digests
    /^\$(2[abxy]?|argon2(id|i|d)?|pbkdf2[\w-]*|scrypt|[156])\$/.test(v) || // bcrypt, argon2, crypt(3)
    /^(pbkdf2_sha\d+|bcrypt_sha256|argon2)\$/.test(v) || // Django password hashes
    /^\{(SSHA|SHA|SMD5|MD5|CRYPT|bcrypt|noop)\}/i.test(v) || // LDAP / Spring password storage
    /^data:[\w.+-]+\/[\w.+-]+;base64,/.test(v)
  );
}

/** Common weak or default passwords and template words: a value equal to one of these (ignoring digits and symbols) is not a leak. */
const WEAK =
  /^(pass|passwd|password|passw|pwd|secret|secrets|supersecret|topsecret|mysecret|mypassword|yourpassword|newpassword|oldpassword|admin|administrator|root|toor|guest|user|username|demo|default|letmein|qwerty|asdf|welcome|test|testing|tester|token|mytoken|apikey|key|dev|development|local|localhost|postgres|mysql|redis|mongo|sa|foo|bar|foobar|baz|abc|hello|hunter|none|empty|blank|string|value|invalid|wrong|incorrect|bad|badpassword|correct|valid|s3cr3t|p4ssw0rd|passw0rd|pa55word|null|nil|undefined|todo|tbd|secretkey|secretpassword|tiger|scott|mysecretpassword|supersecretpassword|secretkeybase)$/i;

/** The value is one or more words or an identifier (`auth.token.expired`, `passwordReset`, `API_KEY`), not random. */
export function isWordy(v: string): boolean {
  if (/^[a-z]+([._:/-][a-z]+)*$/.test(v)) return true;
  if (/^[A-Z]+(_[A-Z]+)*$/.test(v)) return true;
  if (/^([A-Z]?[a-z]+)+$/.test(v) && !/[A-Z]{2}/.test(v)) return true; // camelCase / PascalCase words
  if (/^[a-z]+([._-][a-z0-9]+)*$/.test(v) && !/[0-9]{3}/.test(v)) return true; // kebab/snake ids like `auth-v2`
  return false;
}

/** A template placeholder or a bare word standing for a password (`<password>`, `xxx`, `password`), not merely a weak one. */
export function isPlaceholderWord(v: string): boolean {
  return PLACEHOLDER_WORD.test(v) || isReference(v) || /^(password|passwd|pass|pwd|pw|secret|changeme|p|x+|\*+)$/i.test(v);
}

/** A value that is a placeholder of any kind. */
export function isPlaceholder(v: string): boolean {
  if (PLACEHOLDER_WORD.test(v) || isReference(v)) return true;
  if (WEAK.test(v.replace(/[^A-Za-z]/g, ''))) return true;
  const leet = v
    .replace(/[^A-Za-z]+$/, '')
    .replace(/[4@]/g, 'a')
    .replace(/3/g, 'e')
    .replace(/0/g, 'o')
    .replace(/1/g, 'i')
    .replace(/[5$]/g, 's')
    .replace(/7/g, 't');
  if (WEAK.test(leet.replace(/[^A-Za-z]/g, ''))) return true;
  if (/^(.)\1+$/.test(v) || /^[0-]+$/.test(v)) return true;
  return hasPatternRun(v) && entropy(v) < 3.5;
}

/** Keys meant to ship to browsers: Stripe publishable, Mapbox public, PostHog project keys. */
const PUBLIC_KEY_PREFIX = /^(pk_(live|test)_|pk\.eyJ|phc_)/;
const JWT_LIKE = /^eyJ[\w-]{8,}\.eyJ/;

/**
 * Whether a literal assigned to a secret-like name is a credential. `kind` is `password` for
 * password-like names (people choose those: shorter, fewer classes) and `token` for keys and
 * tokens (machines generate those: long and random).
 */
export function isSecretValue(raw: string, kind: 'password' | 'token'): boolean {
  const basic = /^basic\s+([A-Za-z0-9+/]{8,}={0,2})$/i.exec(raw.trim());
  if (basic) return isBasicCredential(basic[1] as string);
  const v = raw.replace(/^(bearer|basic|token|bot)\s+/i, '').trim();
  if (v.length < 8 || v.length > 500 || /\s/.test(v)) return false;
  if (/[^\x20-\x7e]/.test(v)) return false; // non-ASCII: a translation ("Contraseña"), not a credential
  if (isPlaceholder(v) || isHashOrBlob(v) || isWordy(v)) return false;
  if (PUBLIC_KEY_PREFIX.test(v) || JWT_LIKE.test(v)) return false; // public by design; JWTs are the JWT rule's
  if (/^(https?|wss?|file):\/\//i.test(v) || /^[.~]?\//.test(v) || /\.(pem|key|crt|cer|p12|pfx|jks|json|ya?ml|txt|env|enc|gpg)$/i.test(v))
    return false;
  if (/^[A-Za-z_][\w]*\.[A-Za-z_][\w.]*\(?\)?$/.test(v) && !/[0-9]/.test(v)) return false; // a dotted path like `settings.SECRET_KEY`
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) && hasPatternRun(v.replace(/-/g, ''))) return false;
  const h = entropy(v);
  if (kind === 'password') return (charClasses(v) >= 2 && h >= 2.5) || (v.length >= 12 && h >= 3);
  if (v.length < 12) return false;
  if (/^[0-9a-f]+$/i.test(v)) return v.length >= 20 && h >= 3 && /[0-9]/.test(v) && /[a-f]/i.test(v);
  const threshold = Math.min(3.5, Math.log2(v.length) * 0.85);
  return h >= threshold && charClasses(v) >= 2 && /[0-9]/.test(v);
}

/** `Authorization: Basic …` is base64 of `user:password`: judge the password, so `user:password` itself is a placeholder. */
function isBasicCredential(b64: string): boolean {
  let text: string;
  try {
    text = atob(b64);
  } catch {
    return false;
  }
  const colon = text.indexOf(':');
  return colon > 0 && /^[\x20-\x7e]+$/.test(text) && isSecretValue(text.slice(colon + 1), 'password');
}
