/**
 * `Idempotency-Key` for writes under /v1 (POST, PATCH, DELETE). The first request with a key runs
 * and its reply is kept for 24 h (IDEMP_KV, by a hash of principal + key); a retry with the same
 * key and the same request gets that reply again (`Idempotent-Replayed: true`) and changes
 * nothing; the same key with a different request is 422; a duplicate arriving while the first is
 * still running is 409. The principal's gate (a Durable Object) makes the claim exact under
 * concurrency and holds recent replies, so a retry never depends on KV having caught up.
 * Replies of 5xx are not kept: those requests may be retried for real.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import { sha256Hex } from '../lib/crypto';
import { AppError } from './errors';
import { gateFor, type IdempotentReply } from './principal-gate';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['content-type', 'etag', 'location'];

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
  const gate = gateFor(c.env, principal.principalId);

  const claim = await gate.claimIdempotency(storeKey);
  const stored = claim.state === 'done' ? claim.reply : await c.env.IDEMP_KV.get<IdempotentReply>(storeKey, 'json');
  if (stored) {
    if (claim.state === 'new') await gate.settleIdempotency(storeKey, stored);
    if (stored.fingerprint !== fingerprint) {
      throw new AppError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was used for a different request; use a new key for a new request.',
      );
    }
    return c.body(stored.body, stored.status as 200, { ...stored.headers, 'idempotent-replayed': 'true' });
  }
  if (claim.state === 'in_flight') {
    throw new AppError(409, 'idempotency_in_flight', 'A request with this Idempotency-Key is still being processed; retry in a moment.', {
      retryAfterSeconds: 1,
    });
  }

  let reply: IdempotentReply | null = null;
  try {
    await next();
    if (c.res.status < 500) {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = c.res.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      reply = { fingerprint, status: c.res.status, headers, body: await c.res.clone().text() };
      await c.env.IDEMP_KV.put(storeKey, JSON.stringify(reply), { expirationTtl: IDEMPOTENCY_TTL_SECONDS });
    }
  } finally {
    await gate.settleIdempotency(storeKey, reply);
  }
});
