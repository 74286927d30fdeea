/**
 * Connection credentials at rest: AES-256-GCM (WebCrypto) under the current key of the keyring,
 * a fresh 96-bit IV per value, and additional authenticated data that binds the ciphertext to its
 * connection id, so a value copied onto another connection fails to decrypt. The value stored in
 * `API_KEYS` under `conncred:<connectionId>` is `{v, alg, kid, iv, ct}`: the kid says which key
 * decrypts it, which is what makes rotation possible without downtime. The D1 row keeps only the
 * KV key (and the kid, to find values to re-encrypt). Plaintext never leaves this module except
 * to the proxy that injects it.
 */

import { type CredentialKeyring, credentialsUnavailable, isSealed, type Sealed, seal, unseal } from '../crypto/keyring';
import type { Env } from '../env';
import { AppError } from '../http/errors';
import type { Credentials } from './schema';

export const CREDENTIALS_KV_PREFIX = 'conncred:';

/** The encrypted value as stored in KV. */
export type SealedCredentials = Sealed;

/** The KV key of a connection's credentials. */
export function credentialsRef(connectionId: string): string {
  return `${CREDENTIALS_KV_PREFIX}${connectionId}`;
}

function aad(connectionId: string): string {
  return `chittyconnect:connection-credentials:v1:${connectionId}`;
}

/** Encrypts credentials for one connection under the keyring's current key. */
export async function sealCredentials(
  keyring: CredentialKeyring,
  connectionId: string,
  credentials: Credentials,
): Promise<SealedCredentials> {
  return seal(keyring, aad(connectionId), JSON.stringify(credentials));
}

/** Decrypts a connection's credentials with the key its value names; 503 if that is impossible. */
export async function openCredentials(keyring: CredentialKeyring, connectionId: string, sealed: SealedCredentials): Promise<Credentials> {
  let plaintext: string;
  try {
    plaintext = await unseal(keyring, aad(connectionId), sealed);
  } catch (err) {
    if (err instanceof AppError) throw err; // an unknown kid: already a clear 503
    throw credentialsUnavailable(
      `the stored credentials of ${connectionId} do not decrypt under key "${sealed.kid}" (wrong key material for that kid, or the value was altered)`,
    );
  }
  return JSON.parse(plaintext) as Credentials;
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
