/**
 * Re-encryption after a key rotation: moves a bounded batch of connection credentials from older
 * keys to the current `CREDENTIALS_ENCRYPTION_KEY`. Candidates are found in D1 (credentials whose
 * recorded kid is not the current one), walked in connection-id order from a cursor, so a value
 * that cannot be moved (its key is gone, it was altered) is reported and skipped instead of
 * blocking every later batch. Each value is decrypted with the key its own record names and
 * sealed again under the current key; if the connection was disconnected meanwhile, the fresh
 * value is destroyed again. Safe to run repeatedly and concurrently with traffic.
 */

import { credentialKeyringFromEnv } from '../crypto/keyring';
import type { Env } from '../env';
import { destroyCredentials, getSealed, openCredentials, putSealed, sealCredentials } from './credentials';
import type { Connection } from './schema';
import { connectionsToReencrypt, setCredentialsKid } from './store';

export interface ReencryptResult {
  currentKeyId: string;
  reencrypted: number;
  alreadyCurrent: number;
  failed: { connectionId: string; reason: string }[];
  /** True when this batch was full: call again with `cursor` to continue. */
  remaining: boolean;
  cursor: string | null;
}

type Moved = 'reencrypted' | 'alreadyCurrent' | 'gone';

async function moveOne(env: Env, connection: Connection): Promise<Moved> {
  const keyring = credentialKeyringFromEnv(env);
  const ref = connection.credentialsRef;
  if (!ref) return 'gone';
  const sealed = await getSealed(env, ref);
  if (!sealed) throw new Error('no stored value under its reference (destroyed, or not yet visible in this location)');
  if (sealed.kid === keyring.currentKid) {
    await setCredentialsKid(env.DB, connection.connectionId, sealed.kid);
    return 'alreadyCurrent';
  }
  const plaintext = await openCredentials(keyring, connection.connectionId, sealed);
  await putSealed(env, ref, await sealCredentials(keyring, connection.connectionId, plaintext));
  if (await setCredentialsKid(env.DB, connection.connectionId, keyring.currentKid)) return 'reencrypted';
  // Disconnected while we worked: its credentials must not come back.
  await destroyCredentials(env, ref);
  return 'gone';
}

/** Re-encrypts up to `limit` connections' credentials after `cursor` (a connection id). */
export async function reencryptBatch(env: Env, limit: number, cursor = ''): Promise<ReencryptResult> {
  const keyring = credentialKeyringFromEnv(env);
  const due = await connectionsToReencrypt(env.DB, keyring.currentKid, cursor, limit);
  const result: ReencryptResult = {
    currentKeyId: keyring.currentKid,
    reencrypted: 0,
    alreadyCurrent: 0,
    failed: [],
    remaining: due.length === limit,
    cursor: due.at(-1)?.connectionId ?? null,
  };
  for (const connection of due) {
    try {
      const moved = await moveOne(env, connection);
      if (moved === 'reencrypted') result.reencrypted++;
      else if (moved === 'alreadyCurrent') result.alreadyCurrent++;
    } catch (err) {
      const reason = err instanceof Error ? err.message : 'failed';
      result.failed.push({ connectionId: connection.connectionId, reason });
    }
  }
  return result;
}
