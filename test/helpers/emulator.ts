/** Drives the emulator's control surface (faults, request log, actors) over its service binding. */
import { env } from 'cloudflare:test';

const CONTROL = 'http://control.emulator';

export interface Fault {
  mode: 'down' | 'slow' | 'error' | 'malformed';
  status?: number;
  delayMs?: number;
  times?: number;
  /** `error` mode: headers and body to answer with (e.g. GitHub's rate-limit answers). */
  headers?: Record<string, string>;
  body?: string;
}

export interface LoggedRequest {
  host: string;
  method: string;
  path: string;
  status: number;
  at: string;
  idempotencyKey?: string;
}

async function control(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await env.ECOSYSTEM.fetch(`${CONTROL}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 400) throw new Error(`emulator control ${method} ${path} → ${res.status}: ${await res.text()}`);
  return res;
}

export async function setFault(host: string, fault: Fault): Promise<void> {
  await control('PUT', `/faults/${host}`, fault);
}

export async function clearFaults(): Promise<void> {
  await control('DELETE', '/faults');
}

export async function requestsTo(filter: { host?: string; path?: string; method?: string }): Promise<LoggedRequest[]> {
  const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await control('GET', `/requests?${query}`);
  return ((await res.json()) as { requests: LoggedRequest[] }).requests;
}

export async function createActor(
  type: 'human' | 'ai' | 'service' | 'system' = 'human',
  capabilities: string[] = [],
): Promise<{ chittyId: string; token: string }> {
  const res = await control('POST', '/actors', { type, capabilities, displayName: `Test ${type}` });
  return (await res.json()) as { chittyId: string; token: string };
}

/** A host that routes to `service` but is unique to one test, so its faults touch nothing else. */
export function testHost(service: string): string {
  return `${service}.t-${crypto.randomUUID().slice(0, 8)}.test`;
}
