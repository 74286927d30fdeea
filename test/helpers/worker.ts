/** Requests into the worker (SELF) and small waits on its state. */
import { SELF } from 'cloudflare:test';

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
