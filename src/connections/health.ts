/**
 * Live health checks of a connection's target. ChittyOS targets are probed through the ecosystem
 * client (`GET /health` on the discovered URL, one shot); http(s) targets get a bounded `HEAD` on
 * the endpoint (a `GET` if HEAD is refused with 405/501), without credentials, where any answer
 * below 500 means reachable — after the host passes the name rules and, when on, the resolve
 * check (resolve.ts); a refused host or a silent resolver is a failed check, with the reason. The result is recorded on the row — last check, error count (reset
 * on success), status active/failed — and a `connection.status_changed` event is written in the
 * same batch only when the status actually changes.
 */
import { ecosystemFromEnv, outboundFetch } from '../ecosystem/from-env';
import type { Env } from '../env';
import { canonicalHost, hostProblem } from './host-policy';
import { checkEndpointHost } from './resolve';
import type { Connection, ConnectionStatus } from './schema';
import { appendCheck, connectionById, outboxIfChanged, recordCheck } from './store';
import { Deadline, sendWithin } from './upstream';

/** How long an http(s) health check may take. */
export const HEALTH_TIMEOUT_MS = 5_000;

export interface CheckOutcome {
  reachable: boolean;
  /** Why not, when unreachable: timeout, unreachable, `answered 503`, or the probe's reason. */
  reason?: string;
  httpStatus?: number;
  latencyMs: number;
  checkedAt: string;
}

/** Probes shared within one sweep: one probe per ChittyOS service, however many connections use it. */
export type ProbeMemo = Map<string, Promise<CheckOutcome>>;

/**
 * Why the endpoint's host may not be called now, or null: its name (rows made before the name
 * rules tightened), then — when the resolve check is on — what it resolves to. A resolver that
 * cannot answer makes the check fail: an unverified target is not reported healthy.
 */
async function hostRefusal(env: Env, endpoint: string): Promise<string | null> {
  const named = hostProblem(canonicalHost(new URL(endpoint).hostname));
  if (named) return `refused: ${named}`;
  const resolution = await checkEndpointHost(env, endpoint);
  if (!resolution || resolution.kind === 'public') return null;
  const label = { refused: 'refused', unresolvable: 'unresolvable', unavailable: 'resolver unavailable' }[resolution.kind];
  return `${label}: ${resolution.detail}`;
}

async function checkHttp(env: Env, endpoint: string): Promise<CheckOutcome> {
  const started = Date.now();
  const checkedAt = new Date(started).toISOString();
  const refusal = await hostRefusal(env, endpoint);
  if (refusal) return { reachable: false, reason: refusal, latencyMs: Date.now() - started, checkedAt };
  const deadline = new Deadline(HEALTH_TIMEOUT_MS);
  try {
    const fetch = outboundFetch(env);
    let sent = await sendWithin(fetch, new URL(endpoint), { method: 'HEAD' }, deadline);
    if (sent.kind === 'response' && (sent.response.status === 405 || sent.response.status === 501)) {
      sent.response.body?.cancel().catch(() => undefined);
      sent = await sendWithin(fetch, new URL(endpoint), { method: 'GET' }, deadline);
    }
    const latencyMs = Date.now() - started;
    if (sent.kind !== 'response') return { reachable: false, reason: sent.kind, latencyMs, checkedAt };
    const { status } = sent.response;
    sent.response.body?.cancel().catch(() => undefined);
    return status < 500
      ? { reachable: true, httpStatus: status, latencyMs, checkedAt }
      : { reachable: false, reason: `answered ${status}`, httpStatus: status, latencyMs, checkedAt };
  } finally {
    deadline.clear();
  }
}

async function checkService(env: Env, service: Exclude<Connection['targetService'], 'http'>): Promise<CheckOutcome> {
  const health = await ecosystemFromEnv(env).probe(service);
  const checkedAt = health.checkedAt ?? new Date().toISOString();
  const latencyMs = health.latencyMs ?? 0;
  return health.status === 'healthy'
    ? { reachable: true, latencyMs, checkedAt }
    : { reachable: false, reason: health.reason ?? 'unhealthy', latencyMs, checkedAt };
}

/** Checks the target now (a ChittyOS probe is shared through `memo` when one is given). */
export function checkTarget(env: Env, connection: Connection, memo?: ProbeMemo): Promise<CheckOutcome> {
  const service = connection.targetService;
  if (service === 'http') return checkHttp(env, connection.targetEndpoint);
  const known = memo?.get(service);
  if (known) return known;
  const probe = checkService(env, service);
  memo?.set(service, probe);
  return probe;
}

export interface CheckResult {
  connection: Connection;
  previousStatus: ConnectionStatus;
  outcome: CheckOutcome;
}

/** Checks a connection's target and records the outcome (and a status change event if there is one). */
export async function runHealthCheck(env: Env, connection: Connection, memo?: ProbeMemo): Promise<CheckResult> {
  const outcome = await checkTarget(env, connection, memo);
  const from = connection.status;
  const to: ConnectionStatus = outcome.reachable ? 'active' : 'failed';
  const at = new Date().toISOString();
  const statements = [recordCheck(env.DB, connection.connectionId, from, outcome.reachable, at)];
  if (to !== from) {
    const payload = {
      connectionId: connection.connectionId,
      owner: connection.owner,
      from,
      to,
      reason: outcome.reason ?? null,
      checkedAt: at,
    };
    statements.push(
      outboxIfChanged(
        env.DB,
        { aggregate: 'connection', aggregateId: connection.connectionId, eventType: 'connection.status_changed', payload },
        at,
      ),
    );
  }
  // Last in the batch: the status-change event reads the row update's changes().
  statements.push(
    ...appendCheck(env.DB, connection.connectionId, {
      checkedAt: at,
      reachable: outcome.reachable,
      latencyMs: outcome.latencyMs,
      httpStatus: outcome.httpStatus ?? null,
      reason: outcome.reason ?? null,
    }),
  );
  await env.DB.batch(statements);
  const after = (await connectionById(env.DB, connection.connectionId)) ?? connection;
  return { connection: after, previousStatus: from, outcome };
}
