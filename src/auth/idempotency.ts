/**
 * `Idempotency-Key` for writes under /v1 (POST, PATCH, DELETE). The first request with a key runs
 * and its reply is kept for 24 h (IDEMP_KV, by a hash of principal + key); a retry with the same
 * key and the same request gets that reply again (`Idempotent-Replayed: true`) and changes
 * nothing; the same key with a different request is 422; a duplicate arriving while the first is
 * still running is 409. The principal's gate (a Durable Object) makes the claim exact under
 * concurrency and holds recent records, so a retry never depends on KV having caught up.
 * Replies of 5xx are not kept: those requests may be retried for real.
 *
 * A reply may carry a secret shown once (a new API key, a delegation token), so no reply is ever
 * kept in clear: every one is sealed (AES-256-GCM, bound to its store key) under the same keyring
 * as connection credentials, and a reply sealed under a key that has since moved to
 * `CREDENTIALS_PREVIOUS_KEYS` still replays. Without a keyring only the fact that the key was used
 * is kept: a retry then changes nothing and is told the reply was not kept (409).
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
// The keyring lives with connections for now (issue 10 moves shared crypto down a layer).
import { type CredentialKeyring, credentialKeyringFromEnv, credentialsUnavailable, isSealed, seal, unseal } from '../crypto/keyring';
import type { Env } from '../env';
import { AppError } from '../http/errors';
import { sha256Hex } from '../lib/crypto';
import { gateFor, type IdempotentRecord } from './principal-gate';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['content-type', 'etag', 'location'];

/** The reply to a write as it is replayed; it exists in clear only inside a request. */
export interface IdempotentReply {
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const aad = (storeKey: string) => `idempotent-reply\n${storeKey}`;

/**
 * The environment's keyring, or null when none is configured (replies are then not kept). A key
 * that is set but broken is the keyring's 503 naming the fix, before the write runs: an operator
 * error is loud, and no write runs without the replay its caller asked for.
 */
function keyringOrNull(env: Env): CredentialKeyring | null {
  return env.CREDENTIALS_ENCRYPTION_KEY?.trim() ? credentialKeyringFromEnv(env) : null;
}

/** What is stored for `reply` under `storeKey`: sealed with `keyring`, or without it only the key's use. */
export async function sealReply(keyring: CredentialKeyring | null, storeKey: string, reply: IdempotentReply): Promise<IdempotentRecord> {
  return { v: 1, sealed: keyring ? await seal(keyring, aad(storeKey), JSON.stringify(reply)) : null };
}

/**
 * The reply kept under `storeKey`. A record without a reply (no keyring when it was stored, or an
 * older unsealed format) is a 409 `idempotency_reply_not_kept`; a record sealed under a key the
 * keyring no longer has is the keyring's 503 `credentials_unavailable`, naming that key.
 */
export async function openReply(keyring: CredentialKeyring | null, storeKey: string, record: unknown): Promise<IdempotentReply> {
  const sealed = (record as Partial<IdempotentRecord> | null)?.sealed;
  if (!isSealed(sealed)) {
    throw new AppError(
      409,
      'idempotency_reply_not_kept',
      'A request with this Idempotency-Key was already processed, but its reply was not kept (no credentials encryption key was configured); read the result with a GET, or use a new key for a new request.',
    );
  }
  if (!keyring)
    throw credentialsUnavailable('the reply kept for this Idempotency-Key is encrypted, but CREDENTIALS_ENCRYPTION_KEY is not set');
  return JSON.parse(await unseal(keyring, aad(storeKey), sealed)) as IdempotentReply;
}

export const idempotency = createMiddleware<AppEnv>(async function idempotency(c, next) {
  const key = c.req.header('idempotency-key');
  // Proxied calls pass the header on to the target: it is the target's to honour, not ours.
  if (key === undefined || !['POST', 'PATCH', 'DELETE'].includes(c.req.method) || c.req.path.includes('/proxy/')) return next();
  if (!KEY_SHAPE.test(key)) {
    throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters (a UUID is ideal).');
  }
  const principal = c.get('principal');
  const storeKey = `idem:${await sha256Hex(`${principal.principalId}\n${key}`)}`;
  const fingerprint = await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
  const keyring = keyringOrNull(c.env);
  const gate = gateFor(c.env, principal.principalId);

  const claim = await gate.claimIdempotency(storeKey);
  const stored = claim.state === 'done' ? claim.record : await c.env.IDEMP_KV.get<IdempotentRecord>(storeKey, 'json');
  if (stored) {
    if (claim.state === 'new') await gate.settleIdempotency(storeKey, stored);
    const reply = await openReply(keyring, storeKey, stored);
    if (reply.fingerprint !== fingerprint) {
      throw new AppError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was used for a different request; use a new key for a new request.',
      );
    }
    return c.body(reply.body, reply.status as 200, { ...reply.headers, 'idempotent-replayed': 'true' });
  }
  if (claim.state === 'in_flight') {
    throw new AppError(409, 'idempotency_in_flight', 'A request with this Idempotency-Key is still being processed; retry in a moment.', {
      retryAfterSeconds: 1,
    });
  }

  let record: IdempotentRecord | null = null;
  try {
    await next();
    if (c.res.status < 500) {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = c.res.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      record = await sealReply(keyring, storeKey, { fingerprint, status: c.res.status, headers, body: await c.res.clone().text() });
      await c.env.IDEMP_KV.put(storeKey, JSON.stringify(record), { expirationTtl: IDEMPOTENCY_TTL_SECONDS });
    }
  } finally {
    await gate.settleIdempotency(storeKey, record);
  }
});
