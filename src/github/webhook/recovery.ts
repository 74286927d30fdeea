/**
 * Recovery from GitHub's side: GitHub keeps a log of every delivery it attempted for the App
 * (`GET /app/hook/deliveries`). A delivery whose every attempt failed — we were down, or the
 * enqueue failed and we answered 503 — is asked for again (`POST …/attempts`), so it is not lost.
 * The cron runs this every five minutes over the last GITHUB_RECOVERY_HOURS (default 6); an admin
 * replay uses the same request for deliveries whose message we do not hold.
 * A guid is re-requested at most hourly and at most three times (github_redeliveries).
 */
import { config } from '../../config';
import type { Env } from '../../env';
import { consoleLogger } from '../../lib/log';
import { describeGitHubError, type GitHubClient, githubClient } from '../client/api';
import { deliveryStatus } from '../store/deliveries';
import { claimRedelivery } from '../store/redeliveries';

export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  event: string;
  action?: string | null;
}

const MAX_REQUESTS_PER_RUN = 50;
/** Pages of 100 read per walk: bounds one run's cost against the App's own rate limit. */
const MAX_PAGES = 20;
const MAX_REQUESTS_PER_GUID = 3;
const REREQUEST_AFTER_MS = 60 * 60_000;

const delivered = (d: HookDelivery) => d.status_code >= 200 && d.status_code < 300;

/** GitHub's delivery log, newest first, back to `since`; `stop` ends the walk early. */
async function walkLog(gh: GitHubClient, since: number, stop?: (page: HookDelivery[]) => boolean): Promise<HookDelivery[]> {
  const seen: HookDelivery[] = [];
  let pages = 0;
  for await (const page of gh.paginate.iterator('GET /app/hook/deliveries', { per_page: 100 })) {
    const items = page.data as HookDelivery[];
    seen.push(...items.filter((d) => Date.parse(d.delivered_at) >= since));
    if (items.length === 0 || Date.parse(items[items.length - 1]?.delivered_at ?? '') < since || stop?.(items)) break;
    if (++pages >= MAX_PAGES) {
      consoleLogger.log('warn', 'github.recovery_truncated', { pages, oldestSeen: items[items.length - 1]?.delivered_at });
      break;
    }
  }
  return seen;
}

/**
 * Records an ask for this guid. The cron's asks are claims: granted the first time, then at most
 * hourly and three times in all; an admin's explicit ask is always granted.
 */
async function claimRequest(db: D1Database, d: HookDelivery, now: Date, explicit = false): Promise<boolean> {
  const staleBefore = new Date(now.getTime() - REREQUEST_AFTER_MS).toISOString();
  return claimRedelivery(db, d, now.toISOString(), staleBefore, MAX_REQUESTS_PER_GUID, explicit);
}

async function requestRedelivery(gh: GitHubClient, d: HookDelivery): Promise<void> {
  await gh.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: d.id });
}

export interface RecoveryReport {
  scanned: number;
  failed: number;
  requested: string[];
}

/** Asks GitHub to redeliver every delivery of the window that never got a 2xx from us. */
export async function recoverMissedDeliveries(env: Env, now = new Date()): Promise<RecoveryReport | null> {
  if (!env.GITHUB_APP_ID || !env.GITHUB_APP_PRIVATE_KEY) return null;
  const hours = config(env).githubRecoveryHours;
  const gh = githubClient(env);
  const log = await walkLog(gh, now.getTime() - hours * 3_600_000);
  const byGuid = new Map<string, HookDelivery[]>();
  for (const d of log) byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  const failed = [...byGuid.values()].filter((attempts) => !attempts.some(delivered));
  const requested: string[] = [];
  for (const attempts of failed) {
    if (requested.length >= MAX_REQUESTS_PER_RUN) break;
    const latest = attempts.reduce((a, b) => (b.id > a.id ? b : a));
    // Already processed through another path (an admin replay of our own copy): nothing to ask for.
    if ((await deliveryStatus(env.DB, latest.guid)) === 'processed') continue;
    if (!(await claimRequest(env.DB, latest, now))) continue;
    try {
      await requestRedelivery(gh, latest);
      requested.push(latest.guid);
    } catch (err) {
      // One refused ask (e.g. a delivery too old to redeliver) must not stop the others; it counts as an ask.
      consoleLogger.log('warn', 'github.redelivery_refused', { guid: latest.guid, error: describeGitHubError(err) });
    }
  }
  const report = { scanned: log.length, failed: failed.length, requested };
  if (failed.length > 0) consoleLogger.log('info', 'github.recovery', { ...report, requested: requested.length });
  return report;
}

/**
 * Asks GitHub to redeliver these guids (deliveries we hold no copy of), looking back `hours` in
 * its log; returns the guids it found and asked for.
 */
export async function redeliverFromGitHub(env: Env, guids: readonly string[], hours = 72, now = new Date()): Promise<string[]> {
  const wanted = new Set(guids);
  const latest = new Map<string, HookDelivery>();
  const gh = githubClient(env);
  await walkLog(gh, now.getTime() - hours * 3_600_000, (page) => {
    for (const d of page) {
      const known = latest.get(d.guid);
      if (wanted.has(d.guid) && (!known || d.id > known.id)) latest.set(d.guid, d);
    }
    return latest.size === wanted.size;
  });
  for (const d of latest.values()) {
    await claimRequest(env.DB, d, now, true);
    await requestRedelivery(gh, d);
  }
  return [...latest.keys()];
}
