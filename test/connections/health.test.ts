/**
 * Live health checks and the cron sweep: a target made unreachable in the emulator is marked
 * failed (error count up, one status_changed event), a recovered one active again (error count
 * reset), for http(s) targets (the echo host) and ChittyOS targets (a probe through the client).
 */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepConnectionHealth } from '../../src/connections/sweep';
import { call, registeredActor } from '../helpers/actors';
import { clearFaults, setFault } from '../helpers/emulator';
import { type ConnectionBody, createConnection, echoConnection, eventsOf } from './support';

afterEach(clearFaults);

interface StatusBody {
  connectionId: string;
  status: string;
  previousStatus: string;
  reachable: boolean;
  reason?: string;
  httpStatus?: number;
  errorCount: number;
  checkedAt: string;
}

async function check(token: string, id: string): Promise<StatusBody> {
  const res = await call(`/v1/connections/${id}/status`, token);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as StatusBody;
}

describe('GET /v1/connections/{id}/status', () => {
  it('http target: down → failed (error count grows, one event), recovered → active (count reset, one event)', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a);
    const healthy = await check(a.token, c.connectionId);
    expect(healthy).toMatchObject({ status: 'active', previousStatus: 'active', reachable: true, httpStatus: 200, errorCount: 0 });

    await setFault(c.host, { mode: 'down' });
    const down = await check(a.token, c.connectionId);
    expect(down).toMatchObject({ status: 'failed', previousStatus: 'active', reachable: false, reason: 'unreachable', errorCount: 1 });
    const stillDown = await check(a.token, c.connectionId);
    expect(stillDown).toMatchObject({ status: 'failed', previousStatus: 'failed', errorCount: 2 });

    await clearFaults();
    const back = await check(a.token, c.connectionId);
    expect(back).toMatchObject({ status: 'active', previousStatus: 'failed', reachable: true, errorCount: 0 });
    expect(await eventsOf(c.connectionId)).toEqual(['connection.created', 'connection.status_changed', 'connection.status_changed']);

    const view = (await (await call(`/v1/connections/${c.connectionId}`, a.token)).json()) as ConnectionBody;
    expect(view.health).toEqual({ lastCheckAt: back.checkedAt, errorCount: 0 });
    const payloads = await env.DB.prepare(
      "SELECT payload FROM outbox WHERE aggregate_id = ? AND event_type = 'connection.status_changed' ORDER BY created_at",
    )
      .bind(c.connectionId)
      .all<{ payload: string }>();
    expect(payloads.results.map((r) => JSON.parse(r.payload) as { from: string; to: string })).toMatchObject([
      { from: 'active', to: 'failed' },
      { from: 'failed', to: 'active' },
    ]);
  });

  it('http target answering 5xx is failed; 4xx (e.g. 401 without credentials) is reachable', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a);
    await setFault(c.host, { mode: 'error', status: 502, times: 1 });
    expect(await check(a.token, c.connectionId)).toMatchObject({ status: 'failed', reason: 'answered 502', httpStatus: 502 });
    await setFault(c.host, { mode: 'error', status: 401, times: 1 });
    expect(await check(a.token, c.connectionId)).toMatchObject({ status: 'active', reachable: true, httpStatus: 401 });
  });

  it('ChittyOS target: probed through the ecosystem client; down → failed, back → active', async () => {
    const a = await registeredActor('human');
    const c = await createConnection(a, { source: { type: 'actor', id: a.chittyId }, target: { service: 'certify' } });
    expect(await check(a.token, c.connectionId)).toMatchObject({ status: 'active', reachable: true });
    await setFault('certify.chitty.cc', { mode: 'down' });
    const down = await check(a.token, c.connectionId);
    expect(down).toMatchObject({ status: 'failed', reachable: false, errorCount: 1 });
    expect(down.reason).toBeTruthy();
    await clearFaults();
    expect(await check(a.token, c.connectionId)).toMatchObject({ status: 'active', reachable: true, errorCount: 0 });
  });

  it('a disconnected connection has nothing to check (409)', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a);
    await call(`/v1/connections/${c.connectionId}`, a.token, { method: 'DELETE' });
    const res = await call(`/v1/connections/${c.connectionId}/status`, a.token);
    expect(res.status).toBe(409);
  });
});

describe('sweepConnectionHealth', () => {
  it('re-checks the longest-unchecked live connections, marks failing ones, and recovers them later', async () => {
    const a = await registeredActor('system');
    const up = await echoConnection(a);
    const down = await echoConnection(a);
    await setFault(down.host, { mode: 'down' });
    const row = (id: string) =>
      env.DB.prepare('SELECT status, last_check_at, error_count FROM connections WHERE connection_id = ?')
        .bind(id)
        .first<{ status: string; last_check_at: string | null; error_count: number }>();

    // Sweep (a bounded batch each run) until both have been checked at least once.
    for (let run = 0; run < 50 && (!(await row(up.connectionId))?.last_check_at || !(await row(down.connectionId))?.last_check_at); run++) {
      const result = await sweepConnectionHealth(env, { limit: 100 });
      expect(result.checked).toBeGreaterThan(0);
    }
    expect(await row(up.connectionId)).toMatchObject({ status: 'active', error_count: 0 });
    expect(await row(down.connectionId)).toMatchObject({ status: 'failed', error_count: 1 });
    expect(await eventsOf(down.connectionId)).toEqual(['connection.created', 'connection.status_changed']);

    await clearFaults();
    const failedAt = (await row(down.connectionId))?.last_check_at ?? '';
    for (let run = 0; run < 50 && ((await row(down.connectionId))?.last_check_at ?? '') === failedAt; run++) {
      await sweepConnectionHealth(env, { limit: 100 });
    }
    expect(await row(down.connectionId)).toMatchObject({ status: 'active', error_count: 0 });
  });

  it('checks exactly the batch size per run, never-checked connections first, and nothing else', async () => {
    // Start from a state where every live connection in this file's storage has been checked.
    const neverChecked = async () =>
      (
        await env.DB.prepare("SELECT connection_id FROM connections WHERE status IN ('active', 'failed') AND last_check_at IS NULL").all<{
          connection_id: string;
        }>()
      ).results.map((r) => r.connection_id);
    for (let run = 0; run < 10 && (await neverChecked()).length; run++) await sweepConnectionHealth(env, { limit: 200 });
    expect(await neverChecked()).toEqual([]);

    const a = await registeredActor('system');
    const fresh: string[] = [];
    for (let i = 0; i < 3; i++) fresh.push((await echoConnection(a)).connectionId);
    const checks = async () =>
      new Map(
        (
          await env.DB.prepare("SELECT connection_id, last_check_at FROM connections WHERE status IN ('active', 'failed')").all<{
            connection_id: string;
            last_check_at: string | null;
          }>()
        ).results.map((r) => [r.connection_id, r.last_check_at]),
      );
    const changedSince = async (before: Map<string, string | null>) =>
      [...(await checks())].filter(([id, at]) => before.get(id) !== at).map(([id]) => id);

    const before = await checks();
    expect(await sweepConnectionHealth(env, { limit: 2 })).toEqual({ checked: 2, failed: 0 });
    const first = await changedSince(before);
    expect(first).toHaveLength(2);
    expect(fresh).toEqual(expect.arrayContaining(first));

    // The one left unchecked is now the stalest: the next run of one checks exactly it.
    const rest = fresh.filter((id) => !first.includes(id));
    const middle = await checks();
    expect(await sweepConnectionHealth(env, { limit: 1 })).toEqual({ checked: 1, failed: 0 });
    expect(await changedSince(middle)).toEqual(rest);
  });
});
