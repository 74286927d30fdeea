/**
 * The cron trigger (`scheduled` in src/index.ts): it re-sends what the outbox holds undelivered,
 * checks connections, and asks GitHub for missed deliveries — and a GitHub outage must not stop
 * the other sweeps: the outbox is still swept and the failure is logged.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { registeredActor } from '../helpers/actors';
import { clearFaults, setFault } from '../helpers/emulator';
import { stuckContexts, unsent, waitForDelivery } from '../helpers/outbox';

afterEach(async () => {
  vi.restoreAllMocks();
  await clearFaults();
});

async function runCron(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('the cron sweep', () => {
  it('sends undelivered outbox events even while GitHub is down, and logs the GitHub failure', async () => {
    const owner = await registeredActor('human');
    const ids = await stuckContexts(owner, 2);
    expect(await unsent(ids)).toBe(2);
    await setFault('api.github.com', { mode: 'error', status: 503 });
    const warn = vi.spyOn(console, 'warn');

    await runCron();

    expect(await unsent(ids)).toBe(0);
    expect(await waitForDelivery(ids, 30_000)).toBe(0);
    const lines = warn.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);
    expect(lines.filter((l) => l.event === 'github.recovery_failed')).toEqual([
      expect.objectContaining({ level: 'warn', error: expect.stringContaining('503') }),
    ]);
  }, 45_000);
});
