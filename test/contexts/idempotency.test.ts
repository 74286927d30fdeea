/** Idempotency-Key on writes: a retried create returns the first reply and creates nothing new. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { openReply } from '../../src/auth/idempotency';
import { parseCredentialKeyring } from '../../src/crypto/keyring';
import { sha256Hex } from '../../src/lib/crypto';
import { newKey } from '../connections/support';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { clearFaults, setFault } from '../helpers/emulator';
import { direct } from '../helpers/worker';

/** What a response was: the request that ran, a replay of it, or a refusal with its code. */
async function outcome(res: Response): Promise<string> {
  if (res.status >= 400) return `${res.status} ${((await res.clone().json()) as { code: string }).code}`;
  return `${res.headers.get('idempotent-replayed') === 'true' ? 'replayed' : 'ran'} ${res.status}`;
}

/**
 * Sends `n` copies of one request with one Idempotency-Key at once, while the ChittyOS service the
 * write calls (`slowHost`) answers its first request 1 s late — so the request that claimed the
 * key is still running when the duplicates arrive. Exactly one runs; the others are 409
 * `idempotency_in_flight` (at least one) or, if late, the very same reply replayed.
 */
async function race(slowHost: string, n: number, send: () => Promise<Response>): Promise<void> {
  await setFault(slowHost, { mode: 'slow', delayMs: 1000, times: 1 });
  let responses: Response[];
  try {
    responses = await Promise.all(Array.from({ length: n }, send));
  } finally {
    await clearFaults();
  }
  const texts = await Promise.all(responses.map((r) => r.clone().text()));
  const outcomes = await Promise.all(responses.map(outcome));
  expect(
    outcomes.filter((o) => o === 'ran 201'),
    outcomes.join(', '),
  ).toHaveLength(1);
  expect(outcomes.filter((o) => o === '409 idempotency_in_flight').length, outcomes.join(', ')).toBeGreaterThan(0);
  expect(
    outcomes.every((o) => ['ran 201', 'replayed 201', '409 idempotency_in_flight'].includes(o)),
    outcomes.join(', '),
  ).toBe(true);
  const ran = texts[outcomes.indexOf('ran 201')];
  expect(texts.filter((_, i) => outcomes[i] === 'replayed 201').every((t) => t === ran)).toBe(true);
}

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

  it('concurrent duplicates create once: one runs, the others are 409 idempotency_in_flight (or its replay)', async () => {
    const a = await registeredActor('human');
    const key = crypto.randomUUID();
    const body = { name: `idem-race-${key.slice(0, 8)}` };
    await race('id.chitty.cc', 5, () =>
      call('/v1/contexts/create', a.token, { method: 'POST', json: body, headers: { 'idempotency-key': key } }),
    );
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM contexts WHERE name = ?').bind(body.name).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it('concurrent duplicates on a route with no uniqueness of its own (POST /v1/keys) create exactly one key', async () => {
    const a = await registeredActor('service', ['reports:read']);
    const key = crypto.randomUUID();
    const body = { name: `race-${key.slice(0, 8)}`, scopes: ['reports:read'] };
    await call('/v1/keys', a.token); // the token is checked and cached now, so only the key's provisioning meets the slow fault
    await race('auth.chitty.cc', 6, () => call('/v1/keys', a.token, { method: 'POST', json: body, headers: { 'idempotency-key': key } }));
    const listed = (await (await call('/v1/keys', a.token)).json()) as { keys: { name: string }[] };
    expect(listed.keys.filter((k) => k.name === body.name)).toHaveLength(1);
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM api_keys WHERE name = ?').bind(body.name).first<{ n: number }>();
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

  it('the reply is kept 24 h in IDEMP_KV, under a hash, sealed under the credentials key', async () => {
    const a = await registeredActor('human');
    const key = crypto.randomUUID();
    const name = `ttl-${key.slice(0, 8)}`;
    await call('/v1/contexts/create', a.token, { method: 'POST', json: { name }, headers: { 'idempotency-key': key } });
    const { keys } = await env.IDEMP_KV.list({ prefix: 'idem:' });
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => /^idem:[0-9a-f]{64}$/.test(k.name))).toBe(true);
    const expiry = Math.max(...keys.map((k) => k.expiration ?? 0));
    expect(expiry).toBeLessThanOrEqual(Date.now() / 1000 + 86_400 + 5);
    expect(expiry).toBeGreaterThan(Date.now() / 1000 + 86_000);
    const values = await Promise.all(keys.map((k) => env.IDEMP_KV.get(k.name)));
    expect(values.some((v) => v?.includes(name))).toBe(false);
    for (const value of values) expect(JSON.parse(value ?? 'null')).toMatchObject({ v: 1, sealed: { alg: 'A256GCM', kid: 'dev-1' } });
  });

  it('a reply sealed under a key that is now "previous" still replays; once that key is gone, 503 naming it', async () => {
    const a = await registeredActor('service', ['reports:read']);
    const [k1, k2] = [newKey('idem-k1'), newKey('idem-k2')];
    const idem = crypto.randomUUID();
    const post = (keys: Partial<Cloudflare.Env>) =>
      direct(
        '/v1/keys',
        {
          method: 'POST',
          headers: { ...a.auth, 'content-type': 'application/json', 'idempotency-key': idem },
          body: JSON.stringify({ name: `rot-${idem.slice(0, 8)}`, scopes: ['reports:read'] }),
        },
        keys,
      );

    const first = await post({ CREDENTIALS_ENCRYPTION_KEY: k1, CREDENTIALS_PREVIOUS_KEYS: undefined });
    expect(first.status).toBe(201);
    const firstText = await first.text();
    const stored = await env.IDEMP_KV.get(await storeKeyOf(a, idem), 'json');
    expect(stored).toMatchObject({ v: 1, sealed: { kid: 'idem-k1' } });

    // Through the worker (the gate's copy) and straight from the KV record, under the rotated keyring.
    const replay = await post({ CREDENTIALS_ENCRYPTION_KEY: k2, CREDENTIALS_PREVIOUS_KEYS: `[${k1}]` });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe(firstText);
    const fromKv = await openReply(parseCredentialKeyring(k2, `[${k1}]`), await storeKeyOf(a, idem), stored);
    expect(fromKv.body).toBe(firstText);
    await expect(openReply(parseCredentialKeyring(k2, undefined), await storeKeyOf(a, idem), stored)).rejects.toMatchObject({
      status: 503,
      code: 'credentials_unavailable',
    });
    // Bound to its store key: the same record under another key does not open.
    await expect(openReply(parseCredentialKeyring(k1, undefined), await storeKeyOf(a, `${idem}-x`), stored)).rejects.toThrow();

    const retired = await post({ CREDENTIALS_ENCRYPTION_KEY: k2, CREDENTIALS_PREVIOUS_KEYS: undefined });
    expect(retired.status).toBe(503);
    const problem = (await retired.json()) as { code: string; detail: string };
    expect(problem.code).toBe('credentials_unavailable');
    expect(problem.detail).toContain('"idem-k1"');
    expect(problem.detail).not.toContain(JSON.parse(k1).key);
    const unset = await post({ CREDENTIALS_ENCRYPTION_KEY: undefined, CREDENTIALS_PREVIOUS_KEYS: undefined });
    expect(unset.status).toBe(503);
    expect(((await unset.json()) as { code: string }).code).toBe('credentials_unavailable');
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM api_keys WHERE name = ?')
      .bind(`rot-${idem.slice(0, 8)}`)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it('without a credentials key no reply is kept: a retry changes nothing and is told so (409); a broken key is 503 before anything runs', async () => {
    const a = await registeredActor('service', ['reports:read']);
    const idem = crypto.randomUUID();
    const name = `nokey-${idem.slice(0, 8)}`;
    const post = (json: unknown) =>
      direct(
        '/v1/keys',
        { method: 'POST', headers: { ...a.auth, 'content-type': 'application/json', 'idempotency-key': idem }, body: JSON.stringify(json) },
        { CREDENTIALS_ENCRYPTION_KEY: undefined },
      );

    const first = await post({ name, scopes: ['reports:read'] });
    expect(first.status).toBe(201);
    const { apiKey } = (await first.json()) as { apiKey: string };
    expect(await env.IDEMP_KV.get(await storeKeyOf(a, idem), 'json')).toEqual({ v: 1, sealed: null });
    for (const again of [await post({ name, scopes: ['reports:read'] }), await post({ name: `${name}-other`, scopes: ['reports:read'] })]) {
      expect(again.status).toBe(409);
      const text = await again.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'idempotency_reply_not_kept' });
      expect(text).not.toContain(apiKey);
    }
    // A key that is set but broken is an operator's error to fix: 503, and nothing runs.
    const broken = await direct(
      '/v1/keys',
      {
        method: 'POST',
        headers: { ...a.auth, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify({ name: `${name}-broken`, scopes: ['reports:read'] }),
      },
      { CREDENTIALS_ENCRYPTION_KEY: 'not json' },
    );
    expect(broken.status).toBe(503);
    expect(((await broken.json()) as { code: string }).code).toBe('credentials_unavailable');
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM api_keys WHERE name LIKE ?').bind(`${name}%`).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it('a reply an older version stored in clear is never replayed, and the write is not repeated', async () => {
    const a = await registeredActor('service', ['reports:read']);
    const idem = crypto.randomUUID();
    const name = `legacy-${idem.slice(0, 8)}`;
    const json = { name, scopes: ['reports:read'] };
    const fingerprint = await sha256Hex(`POST /v1/keys\n${JSON.stringify(json)}`);
    const legacy = { fingerprint, status: 201, headers: { 'content-type': 'application/json' }, body: '{"apiKey":"emk_old"}' };
    await env.IDEMP_KV.put(await storeKeyOf(a, idem), JSON.stringify(legacy));
    const res = await call('/v1/keys', a.token, { method: 'POST', json, headers: { 'idempotency-key': idem } });
    expect(res.status).toBe(409);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'idempotency_reply_not_kept' });
    expect(text).not.toContain('emk_old');
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM api_keys WHERE name = ?').bind(name).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});

/** The IDEMP_KV key of a principal's Idempotency-Key, as the middleware computes it. */
async function storeKeyOf(actor: TestActor, idempotencyKey: string): Promise<string> {
  return `idem:${await sha256Hex(`${actor.principalId}\n${idempotencyKey}`)}`;
}
