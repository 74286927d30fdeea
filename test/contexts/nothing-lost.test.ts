/**
 * Nothing is lost: with DNA and Chronicle failing, or with the queue refusing sends, 200
 * mutations are made; once things recover and the sweep runs, every event is in Chronicle exactly
 * once per event id and every context has its DNA record.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { developmentClock, ecosystemFromEnv } from '../../src/ecosystem/from-env';
import worker from '../../src/index';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { clearFaults, setFault } from '../helpers/emulator';
import { waitForDelivery } from '../helpers/outbox';

afterEach(clearFaults);

/** Lets the open period of the worker's circuit breakers pass, on the clock its ecosystem client runs on. */
function passBreakerOpenPeriod(): void {
  developmentClock.advance(ecosystemFromEnv(env).transport.options.breakerOpenMs);
}

type Send = (path: string, init: RequestInit & { json?: unknown }) => Promise<Response>;

/** 100 creates and 100 patches (200 mutations), 10 at a time. Returns the context ids. */
async function makeMutations(send: Send): Promise<string[]> {
  const ids: string[] = [];
  const prefix = crypto.randomUUID().slice(0, 8);
  for (let round = 0; round < 10; round++) {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send('/v1/contexts/create', { method: 'POST', json: { name: `lost-${prefix}-${round}-${i}` } })),
    );
    for (const res of created) {
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { chittyId: string }).chittyId);
    }
  }
  for (let i = 0; i < ids.length; i += 10) {
    const patched = await Promise.all(
      ids
        .slice(i, i + 10)
        .map((id) => send(`/v1/contexts/${id}`, { method: 'PATCH', json: { data: ['changed'] }, headers: { 'if-match': '"1"' } })),
    );
    for (const res of patched) expect(res.status).toBe(200);
  }
  return ids;
}

async function sweep(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Every outbox event of these contexts is in Chronicle exactly once, and each context has DNA with its one change. */
async function expectAllDelivered(ids: string[]): Promise<void> {
  const { results } = await env.DB.prepare(
    'SELECT event_id, aggregate_id, delivered_at FROM outbox WHERE aggregate_id IN (SELECT value FROM json_each(?))',
  )
    .bind(JSON.stringify(ids))
    .all<{ event_id: string; aggregate_id: string; delivered_at: string | null }>();
  expect(results).toHaveLength(200);
  expect(results.filter((r) => r.delivered_at === null)).toHaveLength(0);
  // Each emulated service accepts only its own token, as the real ones do.
  const chronicle = { authorization: `Bearer ${env.CHITTY_CHRONICLE_TOKEN}` };
  const dnaAuth = { authorization: `Bearer ${env.CHITTY_DNA_TOKEN}` };
  for (const id of ids) {
    const timeline = (await (
      await env.ECOSYSTEM.fetch(`https://chronicle.chitty.cc/v1/timeline/${id}?limit=500`, { headers: chronicle })
    ).json()) as {
      events: { eventId: string }[];
    };
    const expected = results
      .filter((r) => r.aggregate_id === id)
      .map((r) => r.event_id)
      .sort();
    expect(timeline.events.map((e) => e.eventId).sort()).toEqual(expected); // each once, none missing
    const dna = await env.ECOSYSTEM.fetch(`https://dna.chitty.cc/v1/dna/${id}/history`, { headers: dnaAuth });
    expect(dna.status).toBe(200);
    expect(((await dna.json()) as { generation: number }).generation).toBe(1); // the one change, applied once
  }
  const { results: rows } = await env.DB.prepare('SELECT dna_id FROM contexts WHERE chitty_id IN (SELECT value FROM json_each(?))')
    .bind(JSON.stringify(ids))
    .all<{ dna_id: string | null }>();
  expect(rows.every((r) => r.dna_id !== null)).toBe(true);
}

describe('nothing lost', () => {
  it('DNA and Chronicle failing during 200 mutations: all delivered exactly once after recovery and the sweep', async () => {
    const actor: TestActor = await registeredActor('system');
    await setFault('dna.chitty.cc', { mode: 'error', status: 503 });
    await setFault('chronicle.chitty.cc', { mode: 'down' });
    const ids = await makeMutations((path, init) => call(path, actor.token, init));
    await new Promise((r) => setTimeout(r, 3_000)); // let the consumer fail, retry and dead-letter for a while
    const stuck = await env.DB.prepare(
      'SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL AND aggregate_id IN (SELECT value FROM json_each(?))',
    )
      .bind(JSON.stringify(ids))
      .first<{ n: number }>();
    expect(stuck?.n).toBe(200);

    await clearFaults();
    passBreakerOpenPeriod(); // the worker's breakers wait no longer: its clock moves, nobody sleeps
    await sweep();
    expect(await waitForDelivery(ids, 60_000)).toBe(0);
    await expectAllDelivered(ids);
  }, 120_000);

  it('the queue refusing sends during 200 mutations: events wait in the outbox, and the sweep delivers them', async () => {
    const actor: TestActor = await registeredActor('system');
    const refusing = {
      send: () => Promise.reject(new Error('queue unavailable')),
      sendBatch: () => Promise.reject(new Error('queue unavailable')),
    } as unknown as Queue<unknown>;
    const send: Send = async (path, init) => {
      const ctx = createExecutionContext();
      const headers = {
        authorization: `Bearer ${actor.token}`,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string>),
      };
      const res = await worker.fetch(
        new Request(`http://connect.test${path}`, { method: init.method, headers, body: JSON.stringify(init.json) }),
        { ...env, CONTEXT_OPS_QUEUE: refusing },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    const ids = await makeMutations(send);
    const waiting = await env.DB.prepare(
      'SELECT count(*) AS n, sum(sent_at IS NULL) AS unsent, sum(last_error IS NOT NULL) AS errored FROM outbox WHERE aggregate_id IN (SELECT value FROM json_each(?))',
    )
      .bind(JSON.stringify(ids))
      .first<{ n: number; unsent: number; errored: number }>();
    expect(waiting).toEqual({ n: 200, unsent: 200, errored: 200 });

    await sweep();
    expect(await waitForDelivery(ids, 60_000)).toBe(0);
    await expectAllDelivered(ids);
  }, 120_000);
});
