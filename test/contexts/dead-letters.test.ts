/**
 * After the last retry a message lands in the dead-letter queue, whose consumer keeps it in D1;
 * admins list it and replay it onto the live queue, and it is then delivered.
 */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { developmentClock, ecosystemFromEnv } from '../../src/ecosystem/from-env';
import { call, registeredActor } from '../helpers/actors';
import { clearFaults, setFault } from '../helpers/emulator';
import { waitForDelivery } from '../helpers/outbox';

afterEach(clearFaults);

/** Lets the open period of the worker's circuit breakers pass, on the clock its ecosystem client runs on. */
function passBreakerOpenPeriod(): void {
  developmentClock.advance(ecosystemFromEnv(env).transport.options.breakerOpenMs);
}

interface DeadLetter {
  id: string;
  queue: string;
  body: { eventId: string; aggregateId: string };
  replayedAt: string | null;
}

async function deadLettersFor(admin: string, contextId: string, pending = true): Promise<DeadLetter[]> {
  const res = await call(`/v1/admin/dead-letters?limit=500&pending=${pending}`, admin);
  expect(res.status).toBe(200);
  return ((await res.json()) as { deadLetters: DeadLetter[] }).deadLetters.filter((d) => d.body.aggregateId === contextId);
}

describe('dead letters', () => {
  it('are kept, listed and replayed by an admin; others may not see them', async () => {
    const admin = await registeredActor('system', ['admin']);
    const owner = await registeredActor('human');
    await setFault('chronicle.chitty.cc', { mode: 'error', status: 500 });
    const ctx = (await (
      await call('/v1/contexts/create', owner.token, { method: 'POST', json: { name: `dlq-${crypto.randomUUID().slice(0, 8)}` } })
    ).json()) as {
      chittyId: string;
    };

    let letters: DeadLetter[] = [];
    const deadline = Date.now() + 45_000;
    while (letters.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      letters = await deadLettersFor(admin.token, ctx.chittyId);
    }
    expect(letters).toHaveLength(1);
    expect(letters[0]?.queue).toBe('chittyconnect-context-ops-dlq');
    expect(letters[0]?.replayedAt).toBeNull();

    expect((await call('/v1/admin/dead-letters', owner.token)).status).toBe(403);
    const stats = (await (await call('/v1/admin/outbox', admin.token)).json()) as { undelivered: number };
    expect(stats.undelivered).toBeGreaterThan(0);

    await clearFaults();
    passBreakerOpenPeriod(); // the worker's breakers wait no longer: its clock moves, nobody sleeps
    const replay = await call('/v1/admin/dead-letters/replay', admin.token, { method: 'POST', json: { ids: letters.map((l) => l.id) } });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ replayed: 1, skipped: [] });
    expect(await waitForDelivery([ctx.chittyId], 30_000)).toBe(0);
    expect(await deadLettersFor(admin.token, ctx.chittyId)).toHaveLength(0); // no longer pending
    expect((await deadLettersFor(admin.token, ctx.chittyId, false))[0]?.replayedAt).toBeTruthy();
    const row = await env.DB.prepare('SELECT dna_id FROM contexts WHERE chitty_id = ?').bind(ctx.chittyId).first<{ dna_id: string }>();
    expect(row?.dna_id).toBeTruthy();
  }, 90_000);
});
