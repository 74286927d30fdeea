/**
 * The App's webhook deliveries, as GitHub keeps them (`gh_hook_deliveries`): what "GitHub" sent,
 * when, and what our server answered. Deliveries are recorded by the control surface (to pretend
 * GitHub delivered something) and by redelivery (`POST /app/hook/deliveries/:id/attempts`), which
 * sends the stored body, signed with GITHUB_WEBHOOK_SECRET, to the main worker through the
 * WEBHOOK_TARGET binding when both exist, and otherwise leaves it `pending` (status code 0).
 * The request headers shown for a delivery are recomputed from the stored body, so the signature
 * always matches the exact bytes `JSON.stringify(payload)` (also returned raw as `body`).
 */
import { type EmulatorEnv, fromJsonColumn } from '../store';
import { appIdOf } from './github-auth';
import { ghTime } from './github-http';

/** The id of the App's webhook ("hook"), as in `X-GitHub-Hook-ID`. */
export const HOOK_ID = '500001';
const MAX_RESPONSE_BODY = 64 * 1024;

export interface DeliveryItem {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: null;
}

export interface DeliveryDetail extends DeliveryItem {
  request: { headers: Record<string, string>; payload: unknown };
  response: { headers: Record<string, string>; payload: string | null };
}

interface DeliveryRow {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: number;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  payload: string;
  response_headers: string;
  response_body: string | null;
}

export interface NewDelivery {
  guid: string;
  event: string;
  action: string | null;
  /** The exact body that is (or was) sent. */
  body: string;
  redelivery: boolean;
  deliveredAt: string;
  /** What the receiver answered; 0 = not sent (pending). */
  statusCode: number;
}

/** GitHub's `status` text for a status code. */
export function statusText(code: number): string {
  if (code === 0) return 'pending';
  return code >= 200 && code < 300 ? 'OK' : `Invalid HTTP Response: ${code}`;
}

function numberAt(payload: unknown, key: 'installation' | 'repository'): number | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const value = (payload as Record<string, unknown>)[key];
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as Record<string, unknown>).id;
  return typeof id === 'number' ? id : null;
}

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The headers GitHub sends with a delivery; signed when GITHUB_WEBHOOK_SECRET is known. */
export async function deliveryHeaders(env: EmulatorEnv, guid: string, event: string, body: string): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    Accept: '*/*',
    'Content-Type': 'application/json',
    'User-Agent': 'GitHub-Hookshot/emulator',
    'X-GitHub-Delivery': guid,
    'X-GitHub-Event': event,
    'X-GitHub-Hook-ID': HOOK_ID,
    'X-GitHub-Hook-Installation-Target-ID': appIdOf(env),
    'X-GitHub-Hook-Installation-Target-Type': 'integration',
  };
  const secret = env.GITHUB_WEBHOOK_SECRET;
  if (secret) headers['X-Hub-Signature-256'] = `sha256=${await hmacHex(secret, body)}`;
  return headers;
}

function toItem(row: DeliveryRow): DeliveryItem {
  return {
    id: row.id,
    guid: row.guid,
    delivered_at: ghTime(row.delivered_at),
    redelivery: row.redelivery === 1,
    duration: row.duration,
    status: row.status,
    status_code: row.status_code,
    event: row.event,
    action: row.action,
    installation_id: row.installation_id,
    repository_id: row.repository_id,
    throttled_at: null,
  };
}

async function toDetail(env: EmulatorEnv, row: DeliveryRow): Promise<DeliveryDetail & { rawBody: string }> {
  const headers = fromJsonColumn(row.response_headers, {});
  return {
    ...toItem(row),
    request: { headers: await deliveryHeaders(env, row.guid, row.event, row.payload), payload: fromJsonColumn(row.payload, null) },
    response: {
      headers: typeof headers === 'object' && headers !== null ? (headers as Record<string, string>) : {},
      payload: row.response_body,
    },
    rawBody: row.payload,
  };
}

export async function recordDelivery(db: D1Database, d: NewDelivery): Promise<DeliveryItem> {
  const payload = fromJsonColumn(d.body, null);
  const row = await db
    .prepare(
      `INSERT INTO gh_hook_deliveries (guid, delivered_at, redelivery, duration, status, status_code, event, action,
         installation_id, repository_id, payload, response_headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}') RETURNING *`,
    )
    .bind(
      d.guid,
      d.deliveredAt,
      d.redelivery ? 1 : 0,
      d.statusCode === 0 ? 0 : 0.05,
      statusText(d.statusCode),
      d.statusCode,
      d.event,
      d.action,
      numberAt(payload, 'installation'),
      numberAt(payload, 'repository'),
      d.body,
    )
    .first<DeliveryRow>();
  if (!row) throw new Error('delivery insert returned no row');
  return toItem(row);
}

/** Newest first, `limit` deliveries with ids below `beforeId` (all when null), plus whether more remain. */
export async function listDeliveries(
  db: D1Database,
  beforeId: number | null,
  limit: number,
): Promise<{ items: DeliveryItem[]; more: boolean }> {
  const { results } = await db
    .prepare('SELECT * FROM gh_hook_deliveries WHERE id < ? ORDER BY id DESC LIMIT ?')
    .bind(beforeId ?? Number.MAX_SAFE_INTEGER, limit + 1)
    .all<DeliveryRow>();
  return { items: results.slice(0, limit).map(toItem), more: results.length > limit };
}

export async function getDelivery(env: EmulatorEnv, id: number): Promise<(DeliveryDetail & { rawBody: string }) | null> {
  const row = await env.EMU_DB.prepare('SELECT * FROM gh_hook_deliveries WHERE id = ?').bind(id).first<DeliveryRow>();
  return row ? toDetail(env, row) : null;
}

/** Every delivery with that guid (all deliveries when null, at most 500), oldest first, with its request. */
export async function deliveriesByGuid(env: EmulatorEnv, guid: string | null): Promise<(DeliveryDetail & { rawBody: string })[]> {
  const stmt =
    guid === null
      ? env.EMU_DB.prepare('SELECT * FROM gh_hook_deliveries ORDER BY id LIMIT 500')
      : env.EMU_DB.prepare('SELECT * FROM gh_hook_deliveries WHERE guid = ? ORDER BY id LIMIT 500').bind(guid);
  const { results } = await stmt.all<DeliveryRow>();
  return Promise.all(results.map((row) => toDetail(env, row)));
}

/**
 * Redelivers: records a new attempt with the same guid and body, and sends it right away when the
 * main worker (WEBHOOK_TARGET) and the secret are both there; otherwise the attempt stays pending.
 */
export async function redeliver(env: EmulatorEnv, original: DeliveryDetail & { rawBody: string }): Promise<DeliveryItem> {
  const attempt = await recordDelivery(env.EMU_DB, {
    guid: original.guid,
    event: original.event,
    action: original.action,
    body: original.rawBody,
    redelivery: true,
    deliveredAt: new Date().toISOString(),
    statusCode: 0,
  });
  const target = env.WEBHOOK_TARGET;
  if (!target || !env.GITHUB_WEBHOOK_SECRET) return attempt;
  const headers = await deliveryHeaders(env, original.guid, original.event, original.rawBody);
  const started = Date.now();
  let statusCode = 0;
  let status = 'failed to connect to host';
  let responseHeaders: Record<string, string> = {};
  let responseBody: string | null = null;
  try {
    const res = await target.fetch('http://localhost/integrations/github/webhook', { method: 'POST', headers, body: original.rawBody });
    statusCode = res.status;
    status = statusText(res.status);
    responseHeaders = Object.fromEntries(res.headers);
    responseBody = (await res.text()).slice(0, MAX_RESPONSE_BODY);
  } catch {
    // The main worker is not reachable: GitHub records the attempt as failed with no status code.
  }
  const duration = (Date.now() - started) / 1000;
  await env.EMU_DB.prepare(
    'UPDATE gh_hook_deliveries SET status = ?, status_code = ?, duration = ?, response_headers = ?, response_body = ? WHERE id = ?',
  )
    .bind(status, statusCode, duration, JSON.stringify(responseHeaders), responseBody, attempt.id)
    .run();
  return { ...attempt, status, status_code: statusCode, duration };
}

/** An opaque pagination cursor for "deliveries older than `id`". */
export function encodeCursor(id: number): string {
  return btoa(`v1:${id}`).replace(/=+$/, '');
}

/** The id inside a cursor, or null when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  try {
    const match = /^v1:(\d+)$/.exec(atob(cursor));
    return match?.[1] ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
