/**
 * Steers the emulator's DNS-over-HTTPS stand-in (emulator/src/services/doh.ts, host
 * `cloudflare-dns.com`), which the worker's resolve check queries: a name can be made to resolve
 * to given addresses, to alias another name, or to fail with a DNS status (3 NXDOMAIN, 2 SERVFAIL).
 */
import { env } from 'cloudflare:test';

export const DOH_HOST = 'cloudflare-dns.com';

export interface Steering {
  A?: string[];
  AAAA?: string[];
  CNAME?: string;
  status?: number;
}

async function doh(method: string, path: string, body?: unknown): Promise<void> {
  const res = await env.ECOSYSTEM.fetch(`https://${DOH_HOST}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 400) throw new Error(`DoH stand-in ${method} ${path} → ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
}

/** Makes `name` resolve as given (until clearDns). */
export function steerDns(name: string, steering: Steering): Promise<void> {
  return doh('PUT', `/records/${encodeURIComponent(name)}`, steering);
}

/** Every name resolves to the stand-in's public default again. */
export function clearDns(): Promise<void> {
  return doh('DELETE', '/records');
}
