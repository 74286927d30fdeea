/**
 * The keys that encrypt connection credentials. `CREDENTIALS_ENCRYPTION_KEY` is the current key,
 * `{"kid":"…","key":"<base64 of 32 bytes>"}`; the optional `CREDENTIALS_PREVIOUS_KEYS` is a JSON
 * array of keys of the same shape, kept during a rotation so values written under an older key
 * still decrypt until the re-encryption command has moved them to the current one. The parsed
 * keyring and the imported AES keys are cached per isolate by the secrets' text. A missing or
 * broken secret is a 503 `credentials_unavailable` that says what to fix — never the key itself.
 */
import type { Env } from '../env';
import { AppError } from '../http/errors';
import { remember } from '../lib/bounded';
import type { Sealed } from './sealed';

export interface CredentialKeyring {
  currentKid: string;
  /** Raw 32-byte AES keys by kid: the current one and every previous one. */
  keys: ReadonlyMap<string, Uint8Array>;
}

const KID = /^[A-Za-z0-9._-]{1,64}$/;
const DOCS = 'see docs/connections.md, "Credentials"';

/** The 503 every credentials failure becomes: it names the problem and the fix, never key material. */
export function credentialsUnavailable(detail: string): AppError {
  return new AppError(503, 'credentials_unavailable', `Connection credentials are unavailable: ${detail} (${DOCS}).`);
}

function decodeBase64(text: string): Uint8Array | null {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

function parseKey(value: unknown, name: string): { kid: string; key: Uint8Array } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw credentialsUnavailable(`${name} is not a JSON object`);
  const { kid, key } = value as { kid?: unknown; key?: unknown };
  if (typeof kid !== 'string' || !KID.test(kid)) throw credentialsUnavailable(`${name} has no valid "kid" (1–64 of A-Z a-z 0-9 . _ -)`);
  const raw = typeof key === 'string' ? decodeBase64(key) : null;
  if (raw?.length !== 32) throw credentialsUnavailable(`${name} "key" must be the base64 of exactly 32 random bytes`);
  return { kid, key: raw };
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw credentialsUnavailable(`${name} is not valid JSON`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Parses the two secrets; throws 503 `credentials_unavailable` naming what is wrong. */
export function parseCredentialKeyring(current: string | undefined, previous: string | undefined): CredentialKeyring {
  if (!current?.trim()) {
    throw credentialsUnavailable('the CREDENTIALS_ENCRYPTION_KEY secret is not set; set it to {"kid":"…","key":"<base64 of 32 bytes>"}');
  }
  const main = parseKey(parseJson(current, 'CREDENTIALS_ENCRYPTION_KEY'), 'CREDENTIALS_ENCRYPTION_KEY');
  const keys = new Map<string, Uint8Array>([[main.kid, main.key]]);
  if (previous?.trim()) {
    const list = parseJson(previous, 'CREDENTIALS_PREVIOUS_KEYS');
    if (!Array.isArray(list)) throw credentialsUnavailable('CREDENTIALS_PREVIOUS_KEYS must be a JSON array of {"kid","key"} objects');
    list.forEach((entry: unknown, i) => {
      const old = parseKey(entry, `CREDENTIALS_PREVIOUS_KEYS entry ${i}`);
      const known = keys.get(old.kid);
      if (known && !sameBytes(known, old.key)) {
        throw credentialsUnavailable(
          `CREDENTIALS_PREVIOUS_KEYS entry ${i} reuses kid "${old.kid}" for a different key; every key needs its own kid`,
        );
      }
      keys.set(old.kid, old.key);
    });
  }
  return { currentKid: main.kid, keys };
}

const keyrings = new Map<string, CredentialKeyring>();
const imported = new Map<string, Promise<CryptoKey>>();

/** This environment's keyring (cached per isolate by the secrets' text, so a changed secret applies at once). */
export function credentialKeyringFromEnv(env: Env): CredentialKeyring {
  const cacheKey = `${env.CREDENTIALS_ENCRYPTION_KEY ?? ''}\u0000${env.CREDENTIALS_PREVIOUS_KEYS ?? ''}`;
  return (
    keyrings.get(cacheKey) ??
    remember(keyrings, cacheKey, parseCredentialKeyring(env.CREDENTIALS_ENCRYPTION_KEY, env.CREDENTIALS_PREVIOUS_KEYS))
  );
}

/** The AES-GCM key for `kid`, imported once per isolate; unknown kids are a 503 naming the kid. */
export function aesKey(keyring: CredentialKeyring, kid: string): Promise<CryptoKey> {
  const raw = keyring.keys.get(kid);
  if (!raw) {
    throw credentialsUnavailable(
      `a value is encrypted under key "${kid}", which is neither CREDENTIALS_ENCRYPTION_KEY nor in CREDENTIALS_PREVIOUS_KEYS; put that key back in CREDENTIALS_PREVIOUS_KEYS`,
    );
  }
  const cacheKey = `${kid}\u0000${[...raw].join(',')}`;
  const hit = imported.get(cacheKey);
  if (hit) return hit;
  const made = crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  made.catch(() => imported.delete(cacheKey));
  return remember(imported, cacheKey, made);
}

export type { Sealed } from './sealed';

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/** Encrypts `plaintext` under the keyring's current key, bound to `aad` (decrypting needs the same). */
export async function seal(keyring: CredentialKeyring, aad: string, plaintext: string): Promise<Sealed> {
  const key = await aesKey(keyring, keyring.currentKid);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const additionalData = new TextEncoder().encode(aad);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, new TextEncoder().encode(plaintext));
  return { v: 1, alg: 'A256GCM', kid: keyring.currentKid, iv: toBase64(iv), ct: toBase64(new Uint8Array(ct)) };
}

/** Decrypts a sealed value; rejects when the key, the AAD or the value do not match. */
export async function unseal(keyring: CredentialKeyring, aad: string, sealed: Sealed): Promise<string> {
  const key = await aesKey(keyring, sealed.kid);
  const additionalData = new TextEncoder().encode(aad);
  const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(sealed.iv), additionalData }, key, fromBase64(sealed.ct));
  return new TextDecoder().decode(plaintext);
}

export function isSealed(value: unknown): value is Sealed {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.v === 1 && v.alg === 'A256GCM' && typeof v.kid === 'string' && typeof v.iv === 'string' && typeof v.ct === 'string';
}
