/**
 * The emulator as the real ChittyOS services behave: each accepts only its own bearer token, and
 * its request log says (by hash) which credential every request carried — unknown hosts included.
 * The last test runs a realistic flow through the worker and checks that every ChittyOS call it
 * made carried exactly that service's token.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ecosystemFromEnv } from '../../src/ecosystem/from-env';
import { initializeServiceContext, pendingState } from '../../src/ecosystem/init';
import { SERVICE_NAMES, type ServiceName } from '../../src/ecosystem/services';
import { silentLogger } from '../../src/lib/log';
import { call, registeredActor } from '../helpers/actors';
import { clearRequests, createActor, requestsTo, serviceToken, testHost, tokenHash } from '../helpers/emulator';
import { waitForDelivery } from '../helpers/outbox';
import { get } from '../helpers/worker';

/** One protected route per service; with the right token none of them answers 401. */
const PROBES: Record<ServiceName, { method: string; path: string; body?: unknown }> = {
  id: { method: 'POST', path: '/v1/validate', body: { chittyId: '01-C-ACT-4829-PEO-Q5-3-0' } },
  auth: { method: 'POST', path: '/v1/auth/validate', body: { token: 'emu_nobody' } },
  registry: { method: 'GET', path: '/v1/services/discover' },
  dna: { method: 'GET', path: '/v1/dna/nobody/history' },
  verify: { method: 'POST', path: '/v1/verify/context', body: { chittyId: 'nobody' } },
  certify: { method: 'POST', path: '/v1/certify', body: { chittyId: 'nobody', compliance: ['chittyos-v1'] } },
  chronicle: { method: 'GET', path: '/v1/timeline/nobody' },
};

function send(host: string, service: ServiceName, authorization?: string): Promise<Response> {
  const probe = PROBES[service];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  return env.ECOSYSTEM.fetch(`https://${host}${probe.path}`, {
    method: probe.method,
    headers,
    body: probe.body === undefined ? undefined : JSON.stringify(probe.body),
  });
}

describe('per-service tokens', () => {
  it('each service accepts its own token and refuses every other service’s, none, and a user’s', async () => {
    const user = await createActor('human');
    for (const service of SERVICE_NAMES) {
      const host = testHost(service);
      const own = await send(host, service, `Bearer ${serviceToken(service)}`);
      expect([200, 201, 404], `${service} with its own token`).toContain(own.status);
      for (const other of SERVICE_NAMES.filter((s) => s !== service)) {
        const res = await send(host, service, `Bearer ${serviceToken(other)}`);
        expect(res.status, `${service} with ${other}'s token`).toBe(401);
        expect(await res.json()).toMatchObject({ error: 'unauthorized', detail: expect.stringContaining('not this service') });
      }
      for (const wrong of [undefined, 'Bearer', `Bearer ${user.token}`, `Basic ${serviceToken(service)}`, serviceToken(service)]) {
        expect((await send(host, service, wrong)).status, `${service} with ${wrong ?? 'no header'}`).toBe(401);
      }
      const health = await env.ECOSYSTEM.fetch(`https://${host}/health`);
      expect(health.status, `${service} /health needs no token`).toBe(200);
    }
  });

  it('auth/validate: our service token in the header, the user’s token in the body — not the other way round', async () => {
    const user = await createActor('ai', ['contexts:read']);
    const validate = (authorization: string, token: string) =>
      env.ECOSYSTEM.fetch('https://auth.chitty.cc/v1/auth/validate', {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    const right = await validate(`Bearer ${serviceToken('auth')}`, user.token);
    expect(right.status).toBe(200);
    expect(await right.json()).toMatchObject({ valid: true, actor: { chittyId: user.chittyId, type: 'ai' } });
    expect((await validate(`Bearer ${user.token}`, serviceToken('auth'))).status).toBe(401);
    // Our own service token is not a user's credential.
    expect(await (await validate(`Bearer ${serviceToken('auth')}`, serviceToken('auth'))).json()).toEqual({
      valid: false,
      reason: 'unknown_token',
    });
  });
});

describe('the request log', () => {
  it('records a hash of the credential each request carried, never the credential', async () => {
    const host = testHost('dna');
    await send(host, 'dna', `Bearer ${serviceToken('dna')}`);
    await send(host, 'dna', `Bearer ${serviceToken('chronicle')}`);
    await send(host, 'dna');
    const echo = testHost('echo');
    await env.ECOSYSTEM.fetch(`https://${echo}/x`, { headers: { authorization: 'token ghs_not-really' } });
    const logged = await requestsTo({ host });
    expect(logged.map((r) => [r.status, r.tokenHash])).toEqual([
      [404, await tokenHash(serviceToken('dna'))],
      [401, await tokenHash(serviceToken('chronicle'))],
      [401, null],
    ]);
    expect(logged[0]?.tokenHash).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(logged)).not.toContain(serviceToken('dna'));
    expect((await requestsTo({ host: echo })).map((r) => r.tokenHash)).toEqual([await tokenHash('ghs_not-really')]);
  });

  it('logs requests to unknown hosts, answered 404 unknown_host', async () => {
    const host = `evil-${crypto.randomUUID().slice(0, 8)}.example`;
    const res = await env.ECOSYSTEM.fetch(`https://${host}/steal?x=1`, { method: 'POST', headers: { authorization: 'Bearer loot' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'unknown_host', host });
    expect(await requestsTo({ host })).toEqual([
      { host, method: 'POST', path: '/steal', status: 404, at: expect.any(String), tokenHash: await tokenHash('loot') },
    ]);
  });
});

describe('the worker’s ChittyOS calls', () => {
  it('register an actor, create a context (outbox → DNA, Chronicle), initialise, probe: every call carries its service’s token', async () => {
    await clearRequests();
    const expected = Object.fromEntries(
      await Promise.all(SERVICE_NAMES.map(async (s) => [s, await tokenHash(serviceToken(s))] as const)),
    ) as Record<ServiceName, string>;
    expect(new Set(Object.values(expected)).size).toBe(SERVICE_NAMES.length); // seven different tokens

    const actor = await registeredActor('human');
    const created = await call('/v1/contexts/create', actor.token, {
      method: 'POST',
      json: { name: `tokens-${crypto.randomUUID().slice(0, 8)}`, data: [], systems: [], tools: [] },
    });
    expect(created.status).toBe(201);
    const { chittyId } = (await created.json()) as { chittyId: string };
    expect(await waitForDelivery([chittyId])).toBe(0);
    const init = await initializeServiceContext(
      {
        db: env.DB,
        client: ecosystemFromEnv(env),
        serviceName: `tokens-${crypto.randomUUID().slice(0, 8)}`,
        serviceUrl: 'http://localhost:8787',
        version: '0.0.0-test',
        log: silentLogger,
      },
      pendingState(),
    );
    expect(init.state).toBe('complete');
    expect((await get('/health?probe=true')).status).toBe(200);

    const calls = (await requestsTo({})).filter((r) => (SERVICE_NAMES as readonly string[]).includes(r.host.split('.')[0] ?? ''));
    const serviceOf = (host: string) => host.split('.')[0] as ServiceName;
    expect(new Set(calls.map((r) => serviceOf(r.host)))).toEqual(new Set(SERVICE_NAMES)); // all seven were called
    const mismatched = calls.filter((r) => r.tokenHash !== expected[serviceOf(r.host)]);
    expect(mismatched).toEqual([]);
    expect(calls.filter((r) => r.status === 401)).toEqual([]);
    // The user's token went to ChittyAuth only in the body: no logged request carried it.
    const userHash = await tokenHash(actor.token);
    expect((await requestsTo({})).filter((r) => r.tokenHash === userHash)).toEqual([]);
  });
});
