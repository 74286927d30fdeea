/** Requests into the worker (SELF) and small waits on its state. */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../src/index';

export function get(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`http://connect.test${path}`, init);
}

export interface HealthBody {
  status: string;
  version: string;
  database: { status: string };
  init: { state: string; chittyId?: string; steps: Record<string, { status: string; reason?: string }> };
  ecosystem: Record<string, { status: string; breaker: string }>;
}

/** Polls /health until init has finished (or the deadline passes) and returns the last body. */
export async function waitForInit(timeoutMs = 10_000, query = ''): Promise<HealthBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await get(`/health${query}`)).json()) as HealthBody;
    if (!['pending', 'running'].includes(body.init.state) || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A request straight into the worker's fetch handler (the whole app, same env and bindings),
 * bypassing SELF: in this pool version each SELF.fetch in a file gets slower than the last, so
 * loops of hundreds of requests use this.
 */
export async function direct(path: string, init: RequestInit = {}, envOverride: Partial<Cloudflare.Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://connect.test${path}`, init), { ...env, ...envOverride }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
