/**
 * The ecosystem client against the emulator over its service binding: every service reachable,
 * and the resilience rules (retries only where safe, breaker, discovery fallback, timeouts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hasValidChecksum } from '../../src/ecosystem/chitty-id';
import { EcosystemError, EcosystemRejectedError } from '../../src/ecosystem/errors';
import { testClient } from '../helpers/client';
import { clearFaults, requestsTo, setFault } from '../helpers/emulator';

afterEach(clearFaults);

describe('every ChittyOS service is reachable through the client', () => {
  it('ID: mint, validate and info', async () => {
    const { client } = testClient();
    const minted = await client.id.mint('CONTEXT', { purpose: 'test' });
    expect(hasValidChecksum(minted.chittyId)).toBe(true);
    expect(minted.did).toBe(`did:chitty:${minted.chittyId}`);
    expect(await client.id.validate(minted.chittyId)).toMatchObject({ valid: true });
    expect(await client.id.info(minted.chittyId)).toMatchObject({ chittyId: minted.chittyId, type: 'CONTEXT' });
  });

  it('Auth: provision a key; an unknown token is not valid', async () => {
    const { client } = testClient();
    const { chittyId } = await client.id.mint('ACTOR');
    const key = await client.auth.provisionKey(chittyId, ['read']);
    expect(key.keyId).toBeTruthy();
    expect(key.scopes).toEqual(['read']);
    expect(await client.auth.validateToken('not-a-real-token')).toMatchObject({ valid: false });
  });

  it('Auth: a token created in the emulator resolves to its actor', async () => {
    const { client } = testClient();
    const res = await (await import('../helpers/emulator')).createActor('ai', ['contexts:read']);
    const answer = await client.auth.validateToken(res.token);
    expect(answer).toMatchObject({ valid: true, actor: { chittyId: res.chittyId, type: 'ai', capabilities: ['contexts:read'] } });
  });

  it('Registry: register, then discovery lists it', async () => {
    const { client } = testClient();
    const name = `svc-${crypto.randomUUID().slice(0, 8)}`;
    const reg = await client.registry.register({ name, url: `https://${name}.example` });
    expect(reg.serviceId).toBeTruthy();
    const sources = client.discovery.sources();
    expect(sources.registry).toBe('pinned');
  });

  it('DNA: initialize, evolve (once per event id), history', async () => {
    const { client } = testClient();
    const { chittyId } = await client.id.mint('CONTEXT');
    const init = await client.dna.initialize(chittyId, 'context', { name: 'x' });
    expect(init.generation).toBe(0);
    const eventId = crypto.randomUUID();
    expect((await client.dna.evolve(chittyId, { type: 'updated' }, eventId)).generation).toBe(1);
    expect((await client.dna.evolve(chittyId, { type: 'updated' }, eventId)).generation).toBe(1);
    const history = await client.dna.history(chittyId);
    expect(history.dnaId).toBe(init.dnaId);
    expect(history.history).toHaveLength(1);
  });

  it('Verify and Certify', async () => {
    const { client } = testClient();
    const { chittyId } = await client.id.mint('CONTEXT');
    const { dnaId } = await client.dna.initialize(chittyId, 'context');
    expect(await client.verify.context(chittyId, dnaId)).toMatchObject({ verified: true });
    const cert = await client.certify.certify(chittyId);
    expect(cert.certificateId).toBeTruthy();
  });

  it('Chronicle: log (once per event id), batch, timeline newest first', async () => {
    const { client } = testClient();
    const { chittyId } = await client.id.mint('CONTEXT');
    const first = crypto.randomUUID();
    await client.chronicle.log({ eventType: 'context.created', entityId: chittyId, eventId: first });
    expect(await client.chronicle.log({ eventType: 'context.created', entityId: chittyId, eventId: first })).toMatchObject({
      duplicate: true,
    });
    const batch = await client.chronicle.batch([
      { eventType: 'context.updated', entityId: chittyId, eventId: crypto.randomUUID(), timestamp: '2026-01-01T00:00:01Z' },
      { eventType: 'context.deleted', entityId: chittyId, eventId: crypto.randomUUID(), timestamp: '2026-01-01T00:00:02Z' },
    ]);
    expect(batch.logged).toBe(2);
    const timeline = await client.chronicle.timeline(chittyId);
    expect(timeline.events.map((e) => e.eventType)).toHaveLength(3);
    expect(timeline.events.filter((e) => e.eventId === first)).toHaveLength(1);
  });

  it('a 4xx answer is a rejection, not an outage, and is not retried', async () => {
    const { client, hosts } = testClient();
    await expect(client.certify.certify('01-C-ACT-0001-CONTEXT-Q5-0-0', ['not-a-standard'])).rejects.toBeInstanceOf(EcosystemRejectedError);
    expect(await requestsTo({ host: hosts.certify, path: '/v1/certify' })).toHaveLength(1);
  });
});

describe('retries', () => {
  it('retries an idempotent call after a 5xx, with growing backoff', async () => {
    const { client, hosts, sleeps } = testClient();
    await setFault(hosts.id, { mode: 'error', status: 503, times: 2 });
    const result = await client.id.validate('01-C-ACT-0001-CONTEXT-Q5-0-0');
    expect(result.valid).toBe(false);
    expect(await requestsTo({ host: hosts.id, path: '/v1/validate' })).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]); // random() = 0.5 of 200 and 400 ms ceilings
  });

  it('never repeats a mint: one failure, one request, the error surfaces', async () => {
    const { client, hosts } = testClient();
    await setFault(hosts.id, { mode: 'error', status: 503, times: 1 });
    const error = await client.id.mint('CONTEXT').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EcosystemError);
    expect(error).toMatchObject({ service: 'id', reason: 'server_error', status: 503 });
    expect(await requestsTo({ host: hosts.id, path: '/v1/mint' })).toHaveLength(1);
  });

  it('never repeats a mint that timed out either', async () => {
    const { client, hosts } = testClient({ timeoutMs: 50 });
    await setFault(hosts.id, { mode: 'slow', delayMs: 300, times: 1 });
    await expect(client.id.mint('CONTEXT')).rejects.toMatchObject({ reason: 'timeout' });
    expect(await requestsTo({ host: hosts.id, path: '/v1/mint' })).toHaveLength(1);
  });

  it('a malformed answer is a bad response', async () => {
    const { client, hosts } = testClient({ maxRetries: 0 });
    await setFault(hosts.dna, { mode: 'malformed' });
    await expect(client.dna.history('anything')).rejects.toMatchObject({ reason: 'bad_response' });
  });

  it('an unreachable service is reported as such', async () => {
    const { client, hosts } = testClient({ maxRetries: 0 });
    await setFault(hosts.chronicle, { mode: 'down' });
    const error = await client.chronicle.timeline('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EcosystemError);
    expect(['unreachable', 'server_error']).toContain((error as EcosystemError).reason);
  });
});

describe('circuit breaker', () => {
  it('opens after five failures, fails fast while open, and recovers through a half-open trial', async () => {
    const { client, hosts, clock } = testClient({ maxRetries: 0, breakerFailureThreshold: 5, breakerOpenMs: 30_000 });
    await setFault(hosts.verify, { mode: 'down' });
    for (let i = 0; i < 5; i++) await expect(client.verify.context('x')).rejects.toBeInstanceOf(EcosystemError);
    expect(client.transport.breaker('verify').state).toBe('open');

    const before = (await requestsTo({ host: hosts.verify })).length;
    const fast = await client.verify.context('x').catch((e: unknown) => e);
    expect(fast).toMatchObject({ reason: 'circuit_open', retryAfterSeconds: 30 });
    expect((await requestsTo({ host: hosts.verify })).length).toBe(before); // nothing went out

    clock.advance(30_000);
    expect(client.transport.breaker('verify').state).toBe('half-open');
    await expect(client.verify.context('x')).rejects.toBeInstanceOf(EcosystemError); // trial fails
    expect(client.transport.breaker('verify').state).toBe('open');

    await clearFaults();
    clock.advance(30_000);
    const { chittyId } = await client.id.mint('CONTEXT');
    expect(await client.verify.context(chittyId)).toMatchObject({ verified: true });
    expect(client.transport.breaker('verify').state).toBe('closed');
  });

  it('is per service: one service down does not stop another', async () => {
    const { client, hosts } = testClient({ maxRetries: 0, breakerFailureThreshold: 2 });
    await setFault(hosts.certify, { mode: 'error', status: 500 });
    for (let i = 0; i < 2; i++) await expect(client.certify.certify('x')).rejects.toBeInstanceOf(EcosystemError);
    expect(client.transport.breaker('certify').state).toBe('open');
    expect(client.transport.breaker('id').state).toBe('closed');
    await expect(client.id.mint('CONTEXT')).resolves.toMatchObject({ chittyId: expect.any(String) });
  });
});

describe('discovery', () => {
  it('uses the registry answer, cached for five minutes', async () => {
    const { client, hosts, clock } = testClient({ pinAll: false });
    await client.id.mint('CONTEXT');
    await client.dna.history('nothing').catch(() => undefined);
    expect(client.discovery.sources().id).toBe('registry');
    expect(await requestsTo({ host: hosts.registry, path: '/v1/services/discover' })).toHaveLength(1);
    clock.advance(5 * 60_000);
    await client.id.mint('CONTEXT');
    expect(await requestsTo({ host: hosts.registry, path: '/v1/services/discover' })).toHaveLength(2);
  });

  it('falls back to the default hosts when the registry is down', async () => {
    const { client, hosts } = testClient({ pinAll: false, maxRetries: 0 });
    await setFault(hosts.registry, { mode: 'down' });
    const minted = await client.id.mint('CONTEXT');
    expect(hasValidChecksum(minted.chittyId)).toBe(true);
    expect(client.discovery.sources().id).toBe('default');
    const mints = await requestsTo({ host: 'id.chitty.cc', path: '/v1/mint' });
    expect(mints.length).toBeGreaterThan(0);
  });
});

describe('health view', () => {
  it('reports each service, and a down one as unhealthy', async () => {
    const { client, hosts } = testClient({ maxRetries: 0 });
    await setFault(hosts.dna, { mode: 'down' });
    const health = await client.health({ fresh: true });
    expect(health.id.status).toBe('healthy');
    expect(health.dna.status).toBe('unhealthy');
    expect(health.dna.url).toBe(`https://${hosts.dna}`);
  });

  it('breakers are read live, never from the cached probe', async () => {
    const { client, hosts, clock } = testClient({ maxRetries: 0, breakerFailureThreshold: 2, breakerOpenMs: 10_000 });
    expect((await client.health({ fresh: true })).verify).toMatchObject({ status: 'healthy', breaker: 'closed' });
    await setFault(hosts.verify, { mode: 'error', status: 503 });
    for (let i = 0; i < 2; i++) await expect(client.verify.context('x')).rejects.toBeInstanceOf(EcosystemError);
    // The cached probe still says healthy (that is what it saw), but the breaker is what the client does now.
    expect((await client.health()).verify).toMatchObject({ status: 'healthy', breaker: 'open' });
    clock.advance(10_000);
    expect((await client.health()).verify?.breaker).toBe('half-open');
  });

  it('a fresh probe is shared by concurrent callers and made at most once per interval', async () => {
    const { client, hosts, clock } = testClient({ probeMinIntervalMs: 1_000 });
    const probes = async () => (await requestsTo({ host: hosts.certify, path: '/health' })).length;
    const [a, b, c] = await Promise.all([client.health({ fresh: true }), client.health({ fresh: true }), client.health({ fresh: true })]);
    expect(await probes()).toBe(1);
    expect(new Set([a.certify.checkedAt, b.certify.checkedAt, c.certify.checkedAt]).size).toBe(1);
    clock.advance(999);
    await client.health({ fresh: true });
    expect(await probes()).toBe(1); // under the interval: the probe just made is fresh enough
    clock.advance(1);
    await client.health({ fresh: true });
    expect(await probes()).toBe(2);
  });

  it('without `fresh`, a stale view is refreshed in the background and the cached one answered at once', async () => {
    const { client, hosts, clock } = testClient({ healthTtlMs: 30_000 });
    const background: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => background.push(p);
    expect((await client.health({ waitUntil })).certify.status).toBe('unknown'); // nothing probed yet
    await Promise.all(background.splice(0));
    expect((await client.health({ waitUntil })).certify.status).toBe('healthy');
    expect(background).toHaveLength(0); // fresh enough: no refresh
    await setFault(hosts.certify, { mode: 'error', status: 500 });
    clock.advance(30_000);
    expect((await client.health({ waitUntil })).certify.status).toBe('healthy'); // the cached view, at once…
    await Promise.all(background.splice(0));
    expect((await client.health({ waitUntil })).certify).toMatchObject({ status: 'unhealthy', reason: 'server_error' }); // …then the refresh
  });
});
