/**
 * The event context: every line a handler logs for a delivery carries that delivery's id, event
 * and action (the consumer's child logger), and lines outside a delivery do not inherit them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { child, consoleLogger, type LogFields } from '../../src/lib/log';
import { delivery, freshNumber, pullRequest, runEvents } from '../helpers/github';

afterEach(() => vi.restoreAllMocks());

function linesOf(spy: { mock: { calls: unknown[][] } }, event: string): LogFields[] {
  return spy.mock.calls.map((c) => JSON.parse(String(c[0])) as LogFields).filter((l) => l.event === event);
}

describe('event context', () => {
  it("a handler's own line carries the delivery id, event and action", async () => {
    const { installation: _none, ...payload } = pullRequest('opened', freshNumber());
    const d = delivery('pull_request', payload);
    const info = vi.spyOn(console, 'log');
    const result = await runEvents([d]);
    expect(result.explicitAcks).toHaveLength(1);
    // Logged by the handler (no installation to write the summary with), not by the consumer.
    expect(linesOf(info, 'github.summary_skipped')).toEqual([
      {
        level: 'info',
        event: 'github.summary_skipped',
        deliveryId: d.deliveryId,
        githubEvent: 'pull_request',
        action: 'opened',
        reason: 'the delivery names no installation',
      },
    ]);
    expect(linesOf(info, 'github.processed')).toMatchObject([{ deliveryId: d.deliveryId, githubEvent: 'pull_request', action: 'opened' }]);
  });

  it('two deliveries in one batch each log with their own id', async () => {
    const strip = (n: number) => {
      const { installation: _none, ...p } = pullRequest('opened', n);
      return p;
    };
    const [a, b] = [delivery('pull_request', strip(freshNumber())), delivery('pull_request', strip(freshNumber()))];
    const info = vi.spyOn(console, 'log');
    await runEvents([a, b]);
    const ids = linesOf(info, 'github.summary_skipped').map((l) => l.deliveryId);
    expect(ids.sort()).toEqual([a.deliveryId, b.deliveryId].sort());
  });
});

describe('child logger', () => {
  it("adds its fields to every line, a line's own fields win, and secrets are still redacted", () => {
    const info = vi.spyOn(console, 'log');
    const log = child(consoleLogger, { deliveryId: 'd-1', action: 'opened' });
    log.log('info', 'x.one', { action: 'closed', token: 'ghs_secret' });
    consoleLogger.log('info', 'x.two');
    expect(linesOf(info, 'x.one')).toEqual([{ level: 'info', event: 'x.one', deliveryId: 'd-1', action: 'closed', token: '[redacted]' }]);
    expect(linesOf(info, 'x.two')).toEqual([{ level: 'info', event: 'x.two' }]);
  });
});
