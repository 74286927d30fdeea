/** Idempotency-Key on writes: a retried create returns the first reply and creates nothing new. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, registeredActor } from '../helpers/actors';

describe('Idempotency-Key', () => {
  it('a retried create returns the first response and creates nothing new', async () => {
    const a = await registeredActor('human');
    const key = crypto.randomUUID();
    const body = { name: `idem-${key.slice(0, 8)}` };
    const first = await call('/v1/contexts/create', a.token, { method: 'POST', json: body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    const again = await call('/v1/contexts/create', a.token, { method: 'POST', json: body, headers: { 'idempotency-key': key } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await again.text()).toBe(firstBody);
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM contexts WHERE name = ?').bind(body.name).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it('concurrent duplicates create once: one runs, the others get its reply or 409 in flight', async () => {
    const a = await registeredActor('human');
    const key = crypto.randomUUID();
    const body = { name: `idem-race-${key.slice(0, 8)}` };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        call('/v1/contexts/create', a.token, { method: 'POST', json: body, headers: { 'idempotency-key': key } }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM contexts WHERE name = ?').bind(body.name).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it('the same key with a different body → 422; keys are per principal; a bad key → 400', async () => {
    const a = await registeredActor('human');
    const b = await registeredActor('human');
    const key = crypto.randomUUID();
    await call('/v1/contexts/create', a.token, {
      method: 'POST',
      json: { name: `k1-${key.slice(0, 8)}` },
      headers: { 'idempotency-key': key },
    });
    const other = await call('/v1/contexts/create', a.token, {
      method: 'POST',
      json: { name: `k2-${key.slice(0, 8)}` },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe('idempotency_key_reused');
    const bsOwn = await call('/v1/contexts/create', b.token, {
      method: 'POST',
      json: { name: `k3-${key.slice(0, 8)}` },
      headers: { 'idempotency-key': key },
    });
    expect(bsOwn.status).toBe(201);
    const bad = await call('/v1/contexts/create', a.token, {
      method: 'POST',
      json: { name: 'x' },
      headers: { 'idempotency-key': 'has spaces' },
    });
    expect(bad.status).toBe(400);
  });

  it('the reply is kept 24 h in IDEMP_KV, under a hash', async () => {
    const a = await registeredActor('human');
    const key = crypto.randomUUID();
    await call('/v1/contexts/create', a.token, {
      method: 'POST',
      json: { name: `ttl-${key.slice(0, 8)}` },
      headers: { 'idempotency-key': key },
    });
    const { keys } = await env.IDEMP_KV.list({ prefix: 'idem:' });
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => /^idem:[0-9a-f]{64}$/.test(k.name))).toBe(true);
    const expiry = Math.max(...keys.map((k) => k.expiration ?? 0));
    expect(expiry).toBeLessThanOrEqual(Date.now() / 1000 + 86_400 + 5);
    expect(expiry).toBeGreaterThan(Date.now() / 1000 + 86_000);
  });
});
