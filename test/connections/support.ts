/**
 * Helpers for the connections tests: per-test echo hosts (so faults stay local), creating
 * connections and contexts through the worker, calling the worker with an overridden environment
 * (for key rotation), and dumping all local D1 and KV state to search it for secrets.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { expect } from 'vitest';
import worker from '../../src/index';
import { bearer, call, type TestActor } from '../helpers/actors';
import { testHost } from '../helpers/emulator';

export interface ConnectionBody {
  connectionId: string;
  owner: string;
  source: { type: string; id: string };
  target: { service: string; endpoint: string | null };
  status: string;
  hasCredentials: boolean;
  credentialsKeyId: string | null;
  health: { lastCheckAt: string | null; errorCount: number };
  usage: { requestCount: number; lastUsedAt: string | null };
  tags: string[];
  metadata: Record<string, unknown>;
  config: Record<string, unknown>;
  disconnectedAt: string | null;
}

/** What the echo service answers: the request as it arrived. */
export interface Echo {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string | null;
}

/** A host that reaches the emulator's echo service and is unique to this test. */
export function echoHost(): string {
  return testHost('echo');
}

/** POST /v1/connections; returns the response (status not checked). */
export function postConnection(actor: TestActor, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call('/v1/connections', actor.token, { method: 'POST', json: body, headers });
}

/** Creates a connection and expects 201. */
export async function createConnection(actor: TestActor, body: Record<string, unknown>): Promise<ConnectionBody> {
  const res = await postConnection(actor, body);
  if (res.status !== 201) throw new Error(`create connection → ${res.status}: ${await res.text()}`);
  return (await res.json()) as ConnectionBody;
}

/** An http connection from the actor itself to `https://<host>/base` (a fresh echo host unless given). */
export async function echoConnection(
  actor: TestActor,
  extra: Record<string, unknown> = {},
  host = echoHost(),
): Promise<ConnectionBody & { host: string }> {
  const connection = await createConnection(actor, {
    source: { type: 'actor', id: actor.chittyId },
    target: { service: 'http', endpoint: `https://${host}/base` },
    ...extra,
  });
  return { ...connection, host };
}

/** Creates a context for the actor through the contexts API and returns its id. */
export async function createContext(actor: TestActor): Promise<string> {
  const res = await call('/v1/contexts/create', actor.token, { method: 'POST', json: { name: `conn-ctx-${crypto.randomUUID()}` } });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { chittyId: string }).chittyId;
}

/** Calls the worker with some bindings overridden (e.g. a rotated key), as a deploy would. */
export async function callWithEnv(
  overrides: Partial<Cloudflare.Env>,
  path: string,
  token: string,
  init: { method?: string; json?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...bearer(token) };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const request = new Request(`http://connect.test${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A fresh credentials key in the secret's shape. */
export function newKey(kid: string): string {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  return JSON.stringify({ kid, key: btoa(String.fromCharCode(...raw)) });
}

/** Every row of every table of a D1 database, as text. */
export async function dumpD1(db: D1Database): Promise<string> {
  const { results: tables } = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
    .all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables) parts.push(JSON.stringify((await db.prepare(`SELECT * FROM "${name}"`).all()).results));
  return parts.join('\n');
}

/** Every key, value and metadata of a KV namespace, as text. */
export async function dumpKv(ns: KVNamespace): Promise<string> {
  const parts: string[] = [];
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown> = await ns.list(cursor ? { cursor } : {});
    for (const key of page.keys) parts.push(key.name, JSON.stringify(key.metadata ?? null), (await ns.get(key.name)) ?? '');
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return parts.join('\n');
}

/** All local state of the worker: D1 and every KV namespace. */
export async function dumpAllState(): Promise<string> {
  const namespaces = [env.CHITTYCONNECT_KV, env.TOKEN_KV, env.API_KEYS, env.RATE_LIMIT, env.IDEMP_KV];
  return [await dumpD1(env.DB), ...(await Promise.all(namespaces.map(dumpKv)))].join('\n');
}

/** The outbox event types written for a connection, oldest first. */
export async function eventsOf(connectionId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT event_type FROM outbox WHERE aggregate = 'connection' AND aggregate_id = ? ORDER BY created_at, rowid",
  )
    .bind(connectionId)
    .all<{ event_type: string }>();
  return results.map((r) => r.event_type);
}
