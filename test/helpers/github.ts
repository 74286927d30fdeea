/** GitHub App test helpers: signed deliveries, queue runs, and the emulated GitHub's control routes. */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import type { GitHubDelivery } from '../../src/github/webhook/routes';
import worker from '../../src/index';
import prOpened from '../fixtures/github/pull_request.opened.json';
import { serviceAuth } from './emulator';
import { direct } from './worker';

const encoder = new TextEncoder();
const CONTROL = 'http://control.emulator';

export async function sign(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** POSTs a delivery signed with the configured secret into the worker, as GitHub does (`bindings` override the worker's). */
export async function sendWebhook(
  event: string,
  payload: unknown,
  deliveryId = crypto.randomUUID(),
  bindings: Partial<Cloudflare.Env> = {},
): Promise<Response> {
  const body = JSON.stringify(payload);
  return direct(
    '/integrations/github/webhook',
    {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': await sign(env.GITHUB_WEBHOOK_SECRET as string, body),
      },
    },
    bindings,
  );
}

export interface QueueResult {
  explicitAcks: string[];
  retryMessages: { msgId: string; delaySeconds?: number }[];
}

/** Runs the worker's queue handler on these deliveries as one EVENT_Q batch. */
export async function runEvents(deliveries: GitHubDelivery[], attempts = 1, bindings: Partial<Cloudflare.Env> = {}): Promise<QueueResult> {
  const batch = createMessageBatch<GitHubDelivery>(
    'chittyconnect-github-events',
    deliveries.map((body, i) => ({ id: `m-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, { ...env, ...bindings }, ctx);
  return (await getQueueResult(batch, ctx)) as QueueResult;
}

export function delivery(event: string, payload: Record<string, unknown>, deliveryId = crypto.randomUUID()): GitHubDelivery {
  return {
    deliveryId,
    event,
    action: typeof payload.action === 'string' ? payload.action : null,
    receivedAt: new Date().toISOString(),
    payload,
  };
}

/** A pull_request payload for a fresh PR number of chitty-labs/rocket (installation 41001). */
export function pullRequest(action: string, number: number, headSha = crypto.randomUUID().replace(/-/g, '')) {
  return {
    ...prOpened,
    action,
    number,
    pull_request: { ...prOpened.pull_request, id: 8_000_000 + number, number, head: { ...prOpened.pull_request.head, sha: headSha } },
  };
}

export const freshNumber = () => 1000 + Math.floor(Math.random() * 1e6);

export async function control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await env.ECOSYSTEM.fetch(`${CONTROL}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 400) throw new Error(`emulator control ${method} ${path} → ${res.status}: ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export interface Posted {
  comments: { id: number; repo: string; issueNumber: number; body: string; edits: number }[];
  labels: { repo: string; issueNumber: number; name: string }[];
  checkRuns: { id: number; repo: string; name: string; headSha: string; conclusion: string | null; title: string; summary: string }[];
}

/** What the App posted on one PR of chitty-labs/rocket. */
export async function postedOn(number: number, repo = 'chitty-labs/rocket'): Promise<Posted> {
  const all = await control<Posted>('GET', `/github/posted?repo=${encodeURIComponent(repo)}`);
  return {
    comments: all.comments.filter((c) => c.issueNumber === number),
    labels: all.labels.filter((l) => l.issueNumber === number),
    checkRuns: all.checkRuns,
  };
}

export async function deliveryRow(deliveryId: string) {
  return env.DB.prepare("SELECT status, attempts, last_error, delivery FROM processed_events WHERE source = 'github' AND event_id = ?")
    .bind(deliveryId)
    .first<{ status: string; attempts: number; last_error: string | null; delivery: string | null }>();
}

/** Polls until the delivery reaches `status` (the real EVENT_Q consumer runs in the background). */
export async function waitForStatus(deliveryId: string, status: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await deliveryRow(deliveryId))?.status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`delivery ${deliveryId} did not reach ${status}: ${JSON.stringify(await deliveryRow(deliveryId))}`);
}

/** Wraps a binding so every method call on it is recorded (the binding still works); fetches record method, host and path. */
export function counted<T extends object>(name: string, binding: T, calls: string[]): T {
  return new Proxy(binding, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const first = args[0];
        if (prop === 'fetch' && first instanceof Request) {
          const u = new URL(first.url);
          calls.push(`${name} ${first.method} ${u.hostname}${u.pathname}`);
        } else calls.push(`${name}.${String(prop)}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The ChittyID the authority gave for an idempotency key (asking again returns the same one). */
export async function idFor(key: string, type: string): Promise<string> {
  const res = await env.ECOSYSTEM.fetch('https://id.chitty.cc/v1/mint', {
    method: 'POST',
    headers: { ...serviceAuth('id'), 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ type }),
  });
  return ((await res.json()) as { chittyId: string }).chittyId;
}

/** An entity's Chronicle timeline (up to 100 entries). */
export async function timeline(entityId: string) {
  const res = await env.ECOSYSTEM.fetch(`https://chronicle.chitty.cc/v1/timeline/${entityId}?limit=100`, {
    headers: serviceAuth('chronicle'),
  });
  return ((await res.json()) as { events: { eventId: string; eventType: string; data?: Record<string, unknown> }[] }).events;
}

/** The stored `installations` row, its JSON columns parsed. */
export async function installationRow(installationId: number) {
  const row = await env.DB.prepare('SELECT * FROM installations WHERE installation_id = ?')
    .bind(installationId)
    .first<Record<string, string | number | null>>();
  if (!row) return null;
  return {
    ...row,
    repositories: JSON.parse(String(row.repositories)) as { id: number; fullName: string }[],
    permissions: JSON.parse(String(row.permissions)) as Record<string, string>,
  };
}

/** Runs the dead-letter consumer on these deliveries, as after the queue's last retry: they are `failed` and kept. */
export async function deadLetter(deliveries: GitHubDelivery[]): Promise<void> {
  const batch = createMessageBatch(
    'chittyconnect-github-events-dlq',
    deliveries.map((d) => ({ id: `dl-${d.deliveryId}`, timestamp: new Date(), attempts: 1, body: d })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  await getQueueResult(batch, ctx);
}
