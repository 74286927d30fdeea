/**
 * SSRF by name, through the worker: endpoints whose host is internal by its spelling (trailing
 * dot, case, full-width, special-use and wildcard-DNS names, IP literals) are refused at create
 * with a 400 naming the field and nothing stored; stored endpoints use the canonical host; the
 * resolve check (on in tests, over the emulator's DoH stand-in) refuses names that resolve or
 * alias inside, or do not resolve, fails closed (503 + Retry-After) when the resolver is silent,
 * and turns a health check failed with the reason — before the target is ever called. A row
 * stored before the rules tightened is neither proxied nor reported healthy.
 */
import { env } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RESOLVE_TIMEOUT_MS } from '../../src/connections/resolve';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { clearFaults, requestsTo, setFault } from '../helpers/emulator';
import { clearDns, DOH_HOST, steerDns } from './dns';
import { type ConnectionBody, callWithEnv, echoConnection, echoHost, postConnection } from './support';

let actor: TestActor;
beforeAll(async () => {
  actor = await registeredActor('system');
});
afterEach(async () => {
  await clearFaults();
  await clearDns();
});

interface Problem {
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

const create = (endpoint: string) =>
  postConnection(actor, { source: { type: 'actor', id: actor.chittyId }, target: { service: 'http', endpoint } });

async function connectionRows(endpointLike: string): Promise<number> {
  const row = await env.DB.prepare('SELECT COUNT(*) AS n FROM connections WHERE target_endpoint LIKE ?')
    .bind(endpointLike)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function expectRefused(res: Response, message: RegExp): Promise<Problem> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as Problem;
  expect(body.code).toBe('validation_failed');
  expect(body.errors?.[0]?.field).toBe('json.target.endpoint');
  expect(body.errors?.[0]?.message).toMatch(message);
  return body;
}

describe('create: names that point inside are refused, whatever their spelling', () => {
  const cases: [string, RegExp][] = [
    ['http://localhost./', /loopback/],
    ['http://LocalHost./x', /loopback/],
    ['http://ｌｏｃａｌｈｏｓｔ/', /loopback/],
    ['http://api.localhost/', /loopback/],
    ['http://localhost.localdomain/', /local name/],
    ['http://metadata.google.internal/computeMetadata/v1', /private networks/],
    ['http://METADATA.GOOGLE.INTERNAL./', /private networks/],
    ['http://router.home.arpa/', /infrastructure/],
    ['http://printer.local/', /multicast DNS/],
    ['http://nas.lan/', /private-network/],
    ['http://127.0.0.1.nip.io/', /wildcard DNS/],
    ['http://10-0-0-1.sslip.io/', /wildcard DNS/],
    ['http://127.0.0.1.example.com/', /127\.0\.0\.1/],
    ['http://intranet-host/', /single label/],
    ['http://0x7f.1/', /not an IP address/],
    ['http://2130706433/', /not an IP address/],
    ['http://[::ffff:127.0.0.1]/', /not an IP address/],
  ];
  it.each(cases)('%s → 400 naming json.target.endpoint', async (endpoint, reason) => {
    const before = (await requestsTo({ host: DOH_HOST })).length;
    await expectRefused(await create(endpoint), reason);
    // Refused on the name alone: nothing stored, the resolver not even asked.
    expect(await connectionRows('%localhost%')).toBe(0);
    expect(await connectionRows('%internal%')).toBe(0);
    expect((await requestsTo({ host: DOH_HOST })).length).toBe(before);
  });

  it('.test and .example hosts stay allowed', async () => {
    for (const endpoint of [`https://${echoHost()}/v1`, `https://api.${crypto.randomUUID().slice(0, 8)}.example/v1`]) {
      expect((await create(endpoint)).status).toBe(201);
    }
  });
});

describe('create: the stored endpoint uses the canonical host', () => {
  it('trailing dots, case and full-width dots are one host: stored canonical, and a second spelling is a duplicate', async () => {
    const label = `echo.n-${crypto.randomUUID().slice(0, 8)}`;
    const res = await create(`https://${label.toUpperCase()}.TEST../v1/`);
    expect(res.status).toBe(201);
    const made = (await res.json()) as ConnectionBody;
    expect(made.target.endpoint).toBe(`https://${label}.test/v1`);
    const row = await env.DB.prepare('SELECT target_endpoint FROM connections WHERE connection_id = ?')
      .bind(made.connectionId)
      .first<{ target_endpoint: string }>();
    expect(row?.target_endpoint).toBe(`https://${label}.test/v1`);

    const again = await create(`https://${label.replace('.', '．')}．test./v1`);
    expect(again.status).toBe(409);
    expect(((await again.json()) as Problem).code).toBe('connection_exists');
  });
});

describe('create: resolve-then-check', () => {
  const refusals: [string, Parameters<typeof steerDns>[1], RegExp][] = [
    ['an A record in 10/8', { A: ['10.1.2.3'] }, /10\.1\.2\.3, a private address/],
    ['the metadata address', { A: ['169.254.169.254'] }, /link-local/],
    ['CGNAT', { A: ['100.64.0.9'] }, /shared/],
    ['one public and one loopback A record', { A: ['93.184.215.14', '127.0.0.1'] }, /127\.0\.0\.1, a loopback address/],
    ['AAAA ::1', { AAAA: ['::1'] }, /::1, a loopback address/],
    ['AAAA unique-local', { AAAA: ['fd00::5'] }, /unique-local/],
    ['AAAA IPv4-mapped', { AAAA: ['::ffff:10.0.0.1'] }, /ipv4-mapped/],
    ['a CNAME to an internal name', { CNAME: 'metadata.google.internal' }, /alias of metadata\.google\.internal/],
    ['NXDOMAIN', { status: 3 }, /does not exist in DNS.*create its DNS record first/],
  ];
  it.each(refusals)('%s → 400, nothing stored', async (_name, steering, reason) => {
    const host = echoHost();
    await steerDns(host, steering);
    await expectRefused(await create(`https://${host}/v1`), reason);
    expect(await connectionRows(`%${host}%`)).toBe(0);
  });

  it('a public answer passes, and both A and AAAA were asked', async () => {
    const host = echoHost();
    await steerDns(host, { A: ['8.8.8.8'], AAAA: ['2606:4700:4700::1111'] });
    const before = (await requestsTo({ host: DOH_HOST, path: '/dns-query' })).length;
    expect((await create(`https://${host}/v1`)).status).toBe(201);
    expect((await requestsTo({ host: DOH_HOST, path: '/dns-query' })).length).toBe(before + 2);
  });

  it('resolver down, erroring or SERVFAIL → 503 resolver_unavailable with Retry-After; nothing stored', async () => {
    const host = echoHost();
    const attempts: (() => Promise<void>)[] = [
      () => setFault(DOH_HOST, { mode: 'down' }),
      () => setFault(DOH_HOST, { mode: 'error', status: 502 }),
      () => setFault(DOH_HOST, { mode: 'malformed' }),
      async () => {
        await clearFaults();
        await steerDns(host, { status: 2 });
      },
    ];
    for (const fail of attempts) {
      await fail();
      const res = await create(`https://${host}/v1`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as Problem).code).toBe('resolver_unavailable');
    }
    expect(await connectionRows(`%${host}%`)).toBe(0);
  });

  it('a resolver slower than the deadline → 503 at the deadline, not a hung request', async () => {
    await setFault(DOH_HOST, { mode: 'slow', delayMs: 4_500, times: 2 });
    const started = Date.now();
    const res = await create(`https://${echoHost()}/v1`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as Problem).code).toBe('resolver_unavailable');
    expect(Date.now() - started).toBeGreaterThanOrEqual(RESOLVE_TIMEOUT_MS - 100);
    // Gave up before the resolver would have answered (its answer would have been public: a 201).
    expect(Date.now() - started).toBeLessThan(4_500);
  });

  it('CONNECTIONS_RESOLVE_HOSTS=off skips the check (development default); the name rules still apply', async () => {
    const host = echoHost();
    await steerDns(host, { A: ['10.0.0.1'] });
    const body = { source: { type: 'actor', id: actor.chittyId }, target: { service: 'http', endpoint: `https://${host}/v1` } };
    const off = { CONNECTIONS_RESOLVE_HOSTS: 'off' };
    expect((await callWithEnv(off, '/v1/connections', actor.token, { method: 'POST', json: body })).status).toBe(201);
    const named = { ...body, target: { service: 'http', endpoint: 'http://localhost./' } };
    expect((await callWithEnv(off, '/v1/connections', actor.token, { method: 'POST', json: named })).status).toBe(400);
    // Unset, the default follows ENVIRONMENT: on outside development.
    const production = { CONNECTIONS_RESOLVE_HOSTS: '', ENVIRONMENT: 'production' };
    const other = { ...body, target: { service: 'http', endpoint: `https://${host}/v2` } };
    expect((await callWithEnv(production, '/v1/connections', actor.token, { method: 'POST', json: other })).status).toBe(400);
  });
});

describe('health checks resolve first', () => {
  async function status(id: string): Promise<{ status: string; reachable: boolean; reason?: string }> {
    const res = await call(`/v1/connections/${id}/status`, actor.token);
    expect(res.status).toBe(200);
    return (await res.json()) as { status: string; reachable: boolean; reason?: string };
  }

  it('a name that now resolves inside → failed with the reason, and the target is not called', async () => {
    const c = await echoConnection(actor);
    await steerDns(c.host, { A: ['192.168.0.10'] });
    const checked = await status(c.connectionId);
    expect(checked).toMatchObject({ status: 'failed', reachable: false });
    expect(checked.reason).toMatch(/^refused: .*192\.168\.0\.10, a private address/);
    expect(await requestsTo({ host: c.host })).toEqual([]);
  });

  it('a name that no longer resolves → failed, reason unresolvable', async () => {
    const c = await echoConnection(actor);
    await steerDns(c.host, { status: 3 });
    const checked = await status(c.connectionId);
    expect(checked).toMatchObject({ status: 'failed', reachable: false });
    expect(checked.reason).toMatch(/^unresolvable: .*NXDOMAIN/);
    expect(await requestsTo({ host: c.host })).toEqual([]);
  });

  it('resolver unreachable → failed with that reason (an unverified target is not healthy)', async () => {
    const c = await echoConnection(actor);
    await setFault(DOH_HOST, { mode: 'down' });
    const checked = await status(c.connectionId);
    expect(checked).toMatchObject({ status: 'failed', reachable: false });
    expect(checked.reason).toMatch(/^resolver unavailable/);
    expect(await requestsTo({ host: c.host })).toEqual([]);
  });
});

describe('rows stored before the rules tightened', () => {
  it('are not proxied (409 connection_target_refused) and never reported healthy', async () => {
    const c = await echoConnection(actor, { credentials: 'sk_legacy' });
    await env.DB.prepare('UPDATE connections SET target_endpoint = ? WHERE connection_id = ?')
      .bind('http://localhost./base', c.connectionId)
      .run();
    const proxied = await call(`/v1/connections/${c.connectionId}/proxy/x`, actor.token);
    expect(proxied.status).toBe(409);
    const body = (await proxied.json()) as Problem;
    expect(body.code).toBe('connection_target_refused');
    expect(body.detail).toMatch(/loopback.*disconnect it/);
    const res = await call(`/v1/connections/${c.connectionId}/status`, actor.token);
    expect(await res.json()).toMatchObject({ status: 'failed', reachable: false, reason: expect.stringMatching(/^refused: .*loopback/) });
    expect(await requestsTo({ host: 'localhost' })).toEqual([]);
    expect(await requestsTo({ host: c.host })).toEqual([]);
  });
});
