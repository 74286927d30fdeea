/** /health, the API description and docs, through the worker. */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { hasValidChecksum } from '../../src/ecosystem/chitty-id';
import { developmentClock, ecosystemFromEnv } from '../../src/ecosystem/from-env';
import { bearer } from '../helpers/actors';
import { clearFaults, requestsTo, setFault } from '../helpers/emulator';
import { direct, get, waitForInit } from '../helpers/worker';

afterEach(clearFaults);

interface ServiceView {
  status: string;
  breaker: string;
  url: string;
  reason?: string;
  checkedAt?: string;
}

async function ecosystem(query = ''): Promise<Record<string, ServiceView>> {
  const res = await get(`/health${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { ecosystem: Record<string, ServiceView> }).ecosystem;
}

/** A ChittyAuth token nobody issued: each use costs the worker a validation call to ChittyAuth. */
function unknownToken(): Record<string, string> {
  return bearer(`emu_unknown-${crypto.randomUUID()}`);
}

describe('GET /health', () => {
  it('answers 200, and initialisation completes against the emulator', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await waitForInit(10_000, '?probe=true');
    expect(body.init.state).toBe('complete');
    expect(body.status).toBe('ok');
    expect(body.database.status).toBe('ready');
    for (const step of ['mint', 'dna', 'keys', 'register', 'verify', 'certify', 'store', 'log']) {
      expect(body.init.steps[step]?.status, step).toBe('done');
    }
    expect(hasValidChecksum(body.init.chittyId ?? '')).toBe(true);
    for (const service of ['id', 'auth', 'registry', 'dna', 'verify', 'certify', 'chronicle']) {
      expect(body.ecosystem[service]?.status, service).toBe('healthy');
    }
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('names this instance when INSTANCE_ID is set (npm start waits for its own), and leaves it out otherwise', async () => {
    const named = await direct('/health', {}, { INSTANCE_ID: 'run-7f3a' });
    expect(named.status).toBe(200);
    expect(((await named.json()) as { instance?: string }).instance).toBe('run-7f3a');
    const unnamed = (await (await get('/health')).json()) as Record<string, unknown>;
    expect(unnamed).not.toHaveProperty('instance');
  });

  it('gives every response a request id, and keeps a well-formed incoming one', async () => {
    const a = await get('/health');
    const b = await get('/health');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    const kept = await get('/health', { headers: { 'x-request-id': 'caller-supplied-123' } });
    expect(kept.headers.get('x-request-id')).toBe('caller-supplied-123');
    const replaced = await get('/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });
});

describe('GET /health reports the breakers the client acts on', () => {
  it('a breaker opened by real traffic shows open at once, half-open when its period has passed, closed after a good trial', async () => {
    // Start-up initialisation calls ChittyAuth too: let it settle first, so only this test's calls count.
    expect(['pending', 'running']).not.toContain((await waitForInit(10_000)).init.state);
    expect((await ecosystem('?probe=true')).auth?.breaker).toBe('closed'); // a cached probe that says all is well
    const authHost = new URL((await ecosystem()).auth?.url ?? '').host;
    await setFault(authHost, { mode: 'error', status: 503 });

    // Each unknown token is validated with ChittyAuth (3 attempts): two requests make the 5 failures that open it.
    for (let i = 0; i < 2; i++) {
      const res = await get('/v1/actors/me', { headers: unknownToken() });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe('auth_unavailable');
    }
    const sent = (await requestsTo({ host: authHost, path: '/v1/auth/validate' })).length;
    expect((await get('/v1/actors/me', { headers: unknownToken() })).status).toBe(503);
    expect((await requestsTo({ host: authHost, path: '/v1/auth/validate' })).length).toBe(sent); // refused without a call: open

    // No probe needed: /health says what the client does, right now.
    expect((await ecosystem()).auth?.breaker).toBe('open');
    await clearFaults();
    expect((await ecosystem()).auth?.breaker).toBe('open'); // recovered, but the client still waits out the open period

    developmentClock.advance(ecosystemFromEnv(env).transport.options.breakerOpenMs);
    expect((await ecosystem()).auth?.breaker).toBe('half-open');
    const probed = await ecosystem('?probe=true'); // the probe is the trial call: it succeeds and closes the breaker
    expect(probed.auth).toMatchObject({ status: 'healthy', breaker: 'closed' });
    expect((await ecosystem()).auth?.breaker).toBe('closed');
    expect((await get('/v1/actors/me', { headers: unknownToken() })).status).toBe(401); // ChittyAuth answers again
  });

  it('?probe=true probes now; concurrent callers share one probe, and one under a second old is reused', async () => {
    const certify = new URL((await ecosystem('?probe=true')).certify?.url ?? '').host;
    const probes = async () => (await requestsTo({ host: certify, path: '/health' })).length;
    developmentClock.advance(1_000);
    const before = await probes();
    const views = await Promise.all(Array.from({ length: 5 }, () => ecosystem('?probe=true')));
    expect(await probes()).toBe(before + 1);
    const checkedAt = views[0]?.certify?.checkedAt;
    for (const view of views) expect(view.certify?.checkedAt).toBe(checkedAt);

    expect((await ecosystem('?probe=true')).certify?.checkedAt).toBe(checkedAt); // just probed: reused, nothing sent
    expect(await probes()).toBe(before + 1);

    await setFault(certify, { mode: 'error', status: 500, times: 1 });
    developmentClock.advance(1_000);
    expect((await ecosystem('?probe=true')).certify).toMatchObject({ status: 'unhealthy', reason: 'server_error', breaker: 'closed' });
    expect(await probes()).toBe(before + 2);
    expect((await ecosystem()).certify?.status).toBe('unhealthy'); // the cached probe, until the next one
  });
});

describe('API description', () => {
  it('GET /openapi.json is an OpenAPI 3.1 document generated from the routes', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: object } };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/health']).toBeDefined();
    for (const path of ['/v1/actors/register', '/v1/contexts/create', '/v1/connections', '/v1/delegate', '/integrations/github/webhook']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas).toHaveProperty('Health');
  });

  it('GET /docs answers the reference page, its scripts from this origin only (the rest: test/docs/reference.test.ts)', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const sources = [...(await res.text()).matchAll(/<script[^>]+src="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((src) => !src.startsWith('/') || src.startsWith('//'))).toEqual([]);
  });

  it('GET / points to docs and health', async () => {
    expect(await (await get('/')).json()).toMatchObject({ docs: '/docs', health: '/health' });
  });
});
