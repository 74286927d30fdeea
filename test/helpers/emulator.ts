/**
 * Drives the emulator's control surface (faults, request log, actors) over its service binding,
 * and speaks to its ChittyOS services the way the worker does: each accepts only its own token.
 */
import { env } from 'cloudflare:test';
import { type ServiceName, TOKEN_SECRETS } from '../../src/ecosystem/services';

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
  /** First 16 hex chars of the SHA-256 of the credential the request carried (see `tokenHash`), or null. */
  tokenHash: string | null;
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

/** Empties the emulator's request log (test files run one at a time, so only this file's entries go). */
export async function clearRequests(): Promise<void> {
  await control('DELETE', '/requests');
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

/** The worker's bearer token for `service` (a binding of the test worker), which that emulated service accepts. */
export function serviceToken(service: ServiceName): string {
  const token = env[TOKEN_SECRETS[service]];
  if (typeof token !== 'string' || token === '') throw new Error(`the test worker has no ${TOKEN_SECRETS[service]} binding`);
  return token;
}

/** Headers for reading an emulated service directly (e.g. a timeline), as the worker would. */
export function serviceAuth(service: ServiceName): Record<string, string> {
  return { authorization: `Bearer ${serviceToken(service)}` };
}

/** What the emulator's request log records of a credential: the first 16 hex chars of its SHA-256. */
export async function tokenHash(credential: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(credential));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, 16);
}
