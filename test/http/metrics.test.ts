/**
 * Metrics for Analytics Engine: with a METRICS binding (a dataset that keeps what is written, as the
 * real one would send it on), each request, queue batch and outbound call writes one data point of
 * the documented shape; a dataset that throws does not fail the request.
 */
import { createExecutionContext, createMessageBatch, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { echoConnection } from '../connections/support';
import { registeredActor } from '../helpers/actors';

interface Point {
  indexes?: string[];
  blobs?: string[];
  doubles?: number[];
}

function dataset(): { points: Point[]; writeDataPoint(p: Point): void } {
  const points: Point[] = [];
  return { points, writeDataPoint: (p) => void points.push(p) };
}

async function fetchWith(metrics: unknown, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://localhost:8787${path}`, init),
    { ...env, METRICS: metrics as AnalyticsEngineDataset },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe('metrics', () => {
  it('a request writes its route pattern, method, status class, status and duration', async () => {
    const sink = dataset();
    const person = await registeredActor('human');
    await fetchWith(sink, '/health');
    await fetchWith(sink, '/v1/contexts/01-C-CTX-0000-T-2611-0-00', { headers: { authorization: `Bearer ${person.token}` } });
    const requests = sink.points.filter((p) => p.indexes?.[0] === 'request');
    expect(requests.map((p) => p.blobs)).toEqual([
      ['request', '/health', 'GET', '2xx'],
      ['request', '/v1/contexts/:id', 'GET', '4xx'],
    ]);
    for (const p of requests) {
      expect(p.doubles).toHaveLength(3);
      expect(p.doubles?.[0]).toBeGreaterThanOrEqual(0);
      expect(p.doubles?.[2]).toBe(1);
    }
    expect(requests.map((p) => p.doubles?.[1])).toEqual([200, 400]); // not a ChittyID: refused by the route
  });

  it('an outbound call writes the host, the method and the answer’s status', async () => {
    const person = await registeredActor('human');
    const connection = await echoConnection(person);
    const sink = dataset();
    const res = await fetchWith(sink, `/v1/connections/${connection.connectionId}/proxy/x`, {
      headers: { authorization: `Bearer ${person.token}` },
    });
    expect(res.status).toBe(200);
    const outbound = sink.points.filter((p) => p.indexes?.[0] === 'outbound');
    expect(outbound).toContainEqual(expect.objectContaining({ blobs: ['outbound', connection.host, 'GET', '2xx'] }));
  });

  it('a queue batch writes the queue, the outcome and how many messages it held', async () => {
    const sink = dataset();
    const batch = createMessageBatch('chittyconnect-context-ops', []);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, METRICS: sink as unknown as AnalyticsEngineDataset }, ctx);
    await waitOnExecutionContext(ctx);
    expect(sink.points).toEqual([
      { indexes: ['queue'], blobs: ['queue', 'chittyconnect-context-ops', 'ok', 'err'], doubles: [expect.any(Number), 0, 0] },
    ]);
  });

  it('a dataset that throws loses the metric, not the request', async () => {
    const broken = {
      writeDataPoint() {
        throw new Error('Analytics Engine unavailable');
      },
    };
    expect((await fetchWith(broken, '/health')).status).toBe(200);
  });
});
