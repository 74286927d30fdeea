/**
 * Connection credentials at rest: AES-256-GCM (WebCrypto) under the current key of the keyring,
 * a fresh 96-bit IV per value, and additional authenticated data that binds the ciphertext to its
 * connection id, so a value copied onto another connection fails to decrypt. The value stored in
 * `API_KEYS` under `conncred:<connectionId>` is `{v, alg, kid, iv, ct}`: the kid says which key
 * decrypts it, which is what makes rotation possible without downtime. The D1 row keeps only the
 * KV key (and the kid, to find values to re-encrypt). Plaintext never leaves this module except
 * to the proxy that injects it.
 */
import type { Env } from '../env';
import { aesKey, type CredentialKeyring, credentialsUnavailable } from './keyring';
import type { Credentials } from './schema';

export const CREDENTIALS_KV_PREFIX = 'conncred:';

/** The encrypted value as stored in KV. */
export interface SealedCredentials {
  v: 1;
  alg: 'A256GCM';
  kid: string;
  iv: string;
  ct: string;
}

/** The KV key of a connection's credentials. */
export function credentialsRef(connectionId: string): string {
  return `${CREDENTIALS_KV_PREFIX}${connectionId}`;
}

function aad(connectionId: string): Uint8Array {
  return new TextEncoder().encode(`chittyconnect:connection-credentials:v1:${connectionId}`);
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/** Encrypts credentials for one connection under the keyring's current key. */
export async function sealCredentials(
  keyring: CredentialKeyring,
  connectionId: string,
  credentials: Credentials,
): Promise<SealedCredentials> {
  const key = await aesKey(keyring, keyring.currentKid);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = new TextEncoder().encode(JSON.stringify(credentials));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(connectionId) }, key, plaintext);
  return { v: 1, alg: 'A256GCM', kid: keyring.currentKid, iv: toBase64(iv), ct: toBase64(new Uint8Array(ct)) };
}

/** Decrypts a connection's credentials with the key its value names; 503 if that is impossible. */
export async function openCredentials(keyring: CredentialKeyring, connectionId: string, sealed: SealedCredentials): Promise<Credentials> {
  const key = await aesKey(keyring, sealed.kid);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(sealed.iv), additionalData: aad(connectionId) },
      key,
      fromBase64(sealed.ct),
    );
  } catch {
    throw credentialsUnavailable(
      `the stored credentials of ${connectionId} do not decrypt under key "${sealed.kid}" (wrong key material for that kid, or the value was altered)`,
    );
  }
  return JSON.parse(new TextDecoder().decode(plaintext)) as Credentials;
}

function isSealed(value: unknown): value is SealedCredentials {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.v === 1 && v.alg === 'A256GCM' && typeof v.kid === 'string' && typeof v.iv === 'string' && typeof v.ct === 'string';
}

/** Stores a sealed value in API_KEYS (its kid also in the key's metadata, for listings). */
export async function putSealed(env: Env, ref: string, sealed: SealedCredentials): Promise<void> {
  await env.API_KEYS.put(ref, JSON.stringify(sealed), { metadata: { kid: sealed.kid } });
}

/** The sealed value under `ref`, or null when there is none (never stored, destroyed, not yet replicated). */
export async function getSealed(env: Env, ref: string): Promise<SealedCredentials | null> {
  const value = await env.API_KEYS.get<unknown>(ref, 'json');
  if (value === null) return null;
  if (!isSealed(value)) throw credentialsUnavailable(`the value at ${ref} is not an encrypted credentials record`);
  return value;
}

/** Reads and decrypts a connection's credentials; 503 when they cannot be read or decrypted. */
export async function loadCredentials(env: Env, keyring: CredentialKeyring, connectionId: string, ref: string): Promise<Credentials> {
  const sealed = await getSealed(env, ref);
  if (!sealed) {
    throw credentialsUnavailable(
      `the stored credentials of ${connectionId} cannot be found (KV can take up to 60 s to show a new value everywhere); retry shortly`,
    );
  }
  return openCredentials(keyring, connectionId, sealed);
}

/** Destroys a connection's credentials. */
export async function destroyCredentials(env: Env, ref: string): Promise<void> {
  await env.API_KEYS.delete(ref);
}
