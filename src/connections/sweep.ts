/**
 * The cron sweep of connection health: each run re-checks a bounded number of live connections
 * (active and failed), those checked longest ago first (never-checked ones before all others), a
 * few at a time, and records each outcome exactly as `GET /v1/connections/{id}/status` does — so
 * a target that went down is marked failed, and one that recovered becomes active again, within
 * a few runs. Connections to the same ChittyOS service share one probe per run. One check failing
 * to record does not stop the others.
 */
import type { Env } from '../env';
import { consoleLogger } from '../lib/log';
import { type ProbeMemo, runHealthCheck } from './health';
import { staleConnections } from './store';

/** Connections checked per run by default, and the most a caller may ask for. */
export const SWEEP_BATCH = 50;
export const SWEEP_MAX_BATCH = 200;
/** Checks in flight at once (each is bounded by its own timeout). */
export const SWEEP_CONCURRENCY = 8;

export interface SweepOptions {
  /** How many connections to check this run (default SWEEP_BATCH, at most SWEEP_MAX_BATCH). */
  limit?: number;
}

/** Re-checks the connections whose last check is oldest; returns how many were checked and how many failed. */
export async function sweepConnectionHealth(env: Env, options: SweepOptions = {}): Promise<{ checked: number; failed: number }> {
  const limit = Math.max(1, Math.min(SWEEP_MAX_BATCH, Math.floor(options.limit ?? SWEEP_BATCH)));
  const due = await staleConnections(env.DB, limit);
  const memo: ProbeMemo = new Map();
  let next = 0;
  let checked = 0;
  let failed = 0;
  const worker = async () => {
    for (let i = next++; i < due.length; i = next++) {
      const connection = due[i];
      if (!connection) continue;
      try {
        const { outcome } = await runHealthCheck(env, connection, memo);
        checked++;
        if (!outcome.reachable) failed++;
      } catch (err) {
        consoleLogger.log('error', 'connection.sweep_check_failed', {
          connectionId: connection.connectionId,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, due.length) }, worker));
  if (due.length) consoleLogger.log('info', 'connection.sweep', { due: due.length, checked, failed });
  return { checked, failed };
}
