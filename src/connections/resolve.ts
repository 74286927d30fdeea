/**
 * Resolve-then-check: before a connection to an http(s) target is created, and at each health
 * check, its host is resolved over DNS-over-HTTPS (the RFC 8484 JSON API, A and AAAA) through the
 * injected fetch, and refused if any answer is not a public address (lib/ip.ts) or any alias
 * (CNAME) is a name host-policy.ts refuses. A name that does not resolve is refused too. When
 * the resolver cannot answer (down, slow, SERVFAIL, garbage) the outcome is `unavailable`:
 * callers fail closed. On by default outside development (`CONNECTIONS_RESOLVE_HOSTS` on|off).
 * This narrows, but cannot close, DNS rebinding: the name may point elsewhere by the time the
 * proxy calls it; see docs/connections.md for what the platform's egress rules cover.
 */
import { z } from '@hono/zod-openapi';
import { config } from '../config';
import { outboundFetch } from '../ecosystem/from-env';
import type { FetchLike } from '../ecosystem/transport';
import type { Env } from '../env';
import { classifyIp } from '../lib/ip';
import { canonicalHost, hostProblem } from './host-policy';
import { Deadline, readWithin, sendWithin } from './upstream';

/** How long both lookups (A and AAAA, in parallel) may take together. */
export const RESOLVE_TIMEOUT_MS = 3_000;
const MAX_ANSWER_BYTES = 64 * 1024;
const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const NXDOMAIN = 3;

export interface ResolveSettings {
  enabled: boolean;
  dohUrl: string;
}

/** `off` disables, `on` enables; unset follows ENVIRONMENT (off only in development). Parsed in config.ts. */
export function resolveSettings(env: Env): ResolveSettings {
  const { connectionsResolveHosts: flag, connectionsDohUrl: dohUrl } = config(env);
  return { enabled: flag === undefined ? env.ENVIRONMENT !== 'development' : flag === 'on', dohUrl };
}

export type Resolution =
  | { kind: 'public'; addresses: string[] }
  | { kind: 'refused'; detail: string }
  | { kind: 'unresolvable'; detail: string }
  | { kind: 'unavailable'; detail: string };

const dohAnswer = z.object({
  Status: z.number().int(),
  Answer: z.array(z.object({ type: z.number().int(), data: z.string() })).optional(),
});
type DohAnswer = z.infer<typeof dohAnswer>;

async function query(fetch: FetchLike, dohUrl: string, host: string, type: 'A' | 'AAAA', deadline: Deadline): Promise<DohAnswer | string> {
  let url: URL;
  try {
    url = new URL(dohUrl);
  } catch {
    return 'CONNECTIONS_DOH_URL is not a URL';
  }
  url.searchParams.set('name', host);
  url.searchParams.set('type', type);
  const sent = await sendWithin(fetch, url, { method: 'GET', headers: { accept: 'application/dns-json' } }, deadline);
  if (sent.kind !== 'response') return `resolver ${sent.kind}`;
  if (sent.response.status !== 200) {
    sent.response.body?.cancel().catch(() => undefined);
    return `resolver answered ${sent.response.status}`;
  }
  const read = await readWithin(sent.response, MAX_ANSWER_BYTES, deadline);
  if (read.kind !== 'body') return `resolver answer ${read.kind}`;
  try {
    const parsed = dohAnswer.safeParse(JSON.parse(new TextDecoder().decode(read.bytes)));
    return parsed.success ? parsed.data : 'resolver answer is not DNS JSON';
  } catch {
    return 'resolver answer is not JSON';
  }
}

/** Resolves `host` (A and AAAA) over DoH and judges every answer. Never throws. */
export async function resolveHost(fetch: FetchLike, dohUrl: string, host: string, timeoutMs = RESOLVE_TIMEOUT_MS): Promise<Resolution> {
  const deadline = new Deadline(timeoutMs);
  let answers: (DohAnswer | string)[];
  try {
    answers = await Promise.all([query(fetch, dohUrl, host, 'A', deadline), query(fetch, dohUrl, host, 'AAAA', deadline)]);
  } finally {
    deadline.clear();
  }
  const results = answers.filter((a): a is DohAnswer => typeof a !== 'string');
  const failure = answers.find((a): a is string => typeof a === 'string');
  if (failure) return { kind: 'unavailable', detail: failure };
  if (results.some((a) => a.Status === NXDOMAIN)) return { kind: 'unresolvable', detail: `"${host}" does not exist in DNS (NXDOMAIN)` };
  const bad = results.find((a) => a.Status !== 0);
  if (bad) return { kind: 'unavailable', detail: `resolver answered DNS status ${bad.Status}` };
  const records = results.flatMap((a) => a.Answer ?? []);
  for (const alias of records.filter((r) => r.type === TYPE_CNAME)) {
    const target = canonicalHost(alias.data);
    const problem = hostProblem(target);
    if (problem) return { kind: 'refused', detail: `"${host}" is an alias of ${target}: ${problem}` };
  }
  const addresses = records.filter((r) => r.type === TYPE_A || r.type === TYPE_AAAA).map((r) => r.data);
  for (const address of addresses) {
    const kind = classifyIp(address);
    if (kind !== 'public') return { kind: 'refused', detail: `"${host}" resolves to ${address}, a ${kind} address` };
  }
  if (!addresses.length) return { kind: 'unresolvable', detail: `"${host}" has no A or AAAA record` };
  return { kind: 'public', addresses };
}

/** The resolve check for an endpoint URL under the environment's settings; null when the check is off. */
export function checkEndpointHost(env: Env, endpoint: string): Promise<Resolution> | null {
  const settings = resolveSettings(env);
  if (!settings.enabled) return null;
  return resolveHost(outboundFetch(env), settings.dohUrl, canonicalHost(new URL(endpoint).hostname));
}
