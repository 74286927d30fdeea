/**
 * Start-up initialisation against the emulator: complete when all is well, degraded with the
 * failing step named when a service is down, resumed without a second mint once it is back.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { initializeServiceContext, pendingState } from '../../src/ecosystem/init';
import worker from '../../src/index';
import { silentLogger } from '../../src/lib/log';
import { testClient } from '../helpers/client';
import { clearFaults, requestsTo, setFault } from '../helpers/emulator';
import { waitForInit } from '../helpers/worker';

afterEach(clearFaults);

function deps(client: ReturnType<typeof testClient>['client']) {
  return {
    db: env.DB,
    client,
    serviceName: `svc-${crypto.randomUUID().slice(0, 8)}`,
    serviceUrl: 'http://localhost:8787',
    version: '0.0.0-test',
    log: silentLogger,
  };
}

describe('initializeServiceContext', () => {
  it('runs every step in order and stores the identity', async () => {
    const { client } = testClient();
    const d = deps(client);
    const state = await initializeServiceContext(d, pendingState());
    expect(state.state).toBe('complete');
    const row = await env.DB.prepare('SELECT * FROM service_identity WHERE service_name = ?').bind(d.serviceName).first();
    expect(row).toMatchObject({ chitty_id: state.chittyId });
    expect(row?.dna_id).toBeTruthy();
    expect(row?.certificate_id).toBeTruthy();
    const timeline = await client.chronicle.timeline(state.chittyId ?? '');
    expect(timeline.events.map((e) => e.eventType)).toContain('chittyconnect.initialized');
  });

  it('with certify down: degraded, certify failed, the rest done; resumed later without a second mint', async () => {
    const { client, hosts } = testClient({ maxRetries: 0 });
    const d = deps(client);
    await setFault(hosts.certify, { mode: 'down' });
    const state = await initializeServiceContext(d, pendingState());
    expect(state.state).toBe('degraded');
    expect(state.steps.certify).toMatchObject({ status: 'failed', reason: expect.stringContaining('certify') });
    for (const s of ['mint', 'dna', 'keys', 'register', 'verify', 'store', 'log'] as const) expect(state.steps[s].status, s).toBe('done');

    await clearFaults();
    const resumed = await initializeServiceContext(d, pendingState());
    expect(resumed.state).toBe('complete');
    expect(resumed.chittyId).toBe(state.chittyId);
    expect(resumed.steps.mint).toMatchObject({ status: 'done', reason: 'already done' });
    expect(await requestsTo({ host: hosts.id, path: '/v1/mint' })).toHaveLength(1);
  });

  it('with the authority down: failed, nothing that needs an id is attempted', async () => {
    const { client, hosts } = testClient({ maxRetries: 0 });
    const d = deps(client);
    await setFault(hosts.id, { mode: 'error', status: 503 });
    const state = await initializeServiceContext(d, pendingState());
    expect(state.state).toBe('failed');
    expect(state.steps.mint.status).toBe('failed');
    for (const s of ['dna', 'keys', 'register', 'verify', 'certify', 'store', 'log'] as const) {
      expect(state.steps[s].status, s).toBe('skipped');
    }
    expect(await requestsTo({ host: hosts.dna })).toHaveLength(0);
    const row = await env.DB.prepare('SELECT chitty_id FROM service_identity WHERE service_name = ?').bind(d.serviceName).first();
    expect(row).toBeNull();
  });
});

describe('the worker’s own initialisation', () => {
  it('degrades with a service down, /health names the step, and the cron sweep completes it', async () => {
    // Start this isolate's init from scratch with certify unreachable.
    await env.DB.prepare('DELETE FROM service_identity WHERE service_name = ?').bind(env.SERVICE_NAME).run();
    await setFault('certify.chitty.cc', { mode: 'down' });
    const degraded = await waitForInit();
    expect(degraded.init.state).toBe('degraded');
    expect(degraded.status).toBe('degraded');
    expect(degraded.init.steps.certify).toMatchObject({ status: 'failed' });
    expect(degraded.init.steps.mint?.status).toBe('done');

    await clearFaults();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    const healed = await waitForInit();
    expect(healed.init.state).toBe('complete');
    expect(healed.init.chittyId).toBe(degraded.init.chittyId);
  });
});
