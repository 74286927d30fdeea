/**
 * Operational metrics for Workers Analytics Engine: one data point per HTTP request, queue batch
 * and outbound call, written when the `METRICS` binding exists (staging, production) and a no-op
 * without it (locally, in tests). Writing never throws into the work it measures.
 *
 * A point's columns (query them with the Analytics Engine SQL API, docs/runbook.md):
 *   index1  the kind: `request` | `queue` | `outbound`
 *   blob1   the kind again (SQL reads blobs more easily than the index)
 *   blob2   what: the route pattern (`/v1/contexts/:id`), the queue name, or the outbound host
 *   blob3   how: the HTTP method, or the batch's outcome (`ok` | `error`)
 *   blob4   the status class (`2xx` … `5xx`; `err` when there was no answer)
 *   double1 duration in ms, double2 the status (0 without one), double3 how many (a batch's messages; 1 otherwise)
 */

export type MetricKind = 'request' | 'queue' | 'outbound';

/** The part of an Analytics Engine dataset binding used here. */
export interface MetricsSink {
  writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void;
}

export interface Metric {
  kind: MetricKind;
  what: string;
  how: string;
  /** HTTP status, or 0 when there was none (a network failure, a queue batch). */
  status: number;
  ms: number;
  count?: number;
}

export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'err';
}

export function recordMetric(sink: MetricsSink | undefined, m: Metric): void {
  if (!sink) return;
  try {
    sink.writeDataPoint({
      indexes: [m.kind],
      blobs: [m.kind, m.what.slice(0, 256), m.how.slice(0, 32), statusClass(m.status)],
      doubles: [Math.max(0, m.ms), m.status, m.count ?? 1],
    });
  } catch {
    // A metric lost is better than a request failed.
  }
}
