/**
 * The worker's own ecosystem client, built from its environment once per isolate so breakers,
 * the discovery cache and the health view live as long as the isolate; and, in development only,
 * the clock it runs on, which tests move forward instead of sleeping.
 */
import { config } from '../config';
import type { Env } from '../env';
import { recordMetric } from '../lib/metrics';
import { createEcosystemClient, type EcosystemClient } from './client';
import { SERVICE_NAMES, type ServiceName, TOKEN_SECRETS, URL_OVERRIDES } from './services';
import type { FetchLike } from './transport';

// Bindings and secrets are fixed for an isolate's life, so one client per isolate is right.
let cached: EcosystemClient | null = null;

let skewMs = 0;

/**
 * The clock of the worker's client where ENVIRONMENT is `development` (npm start, tests): the
 * wall clock plus an offset that starts at 0 and only grows. Nothing in the worker moves it.
 * Tests run in the worker's isolate and module graph (vitest-pool-workers), so a test imports
 * this and calls `advance(ms)` to let a breaker's open period pass instead of sleeping through
 * it. Other environments' clients use `Date.now` itself, so moving this clock changes nothing
 * there.
 */
export const developmentClock = {
  now: (): number => Date.now() + skewMs,
  /** Moves the clock forward (time never runs backwards, so an elapsed period stays elapsed). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    skewMs += ms;
  },
};

/** The outside world: the emulator binding where there is one (local, tests), else the global fetch. */
export function outboundFetch(env: Env): FetchLike {
  const binding = env.ECOSYSTEM;
  const send: FetchLike = binding ? (request) => viaEmulator(binding, request) : (request) => fetch(request);
  const metrics = env.METRICS;
  if (!metrics) return send;
  // A metric per outbound call (host, method, status or `err`, duration) when METRICS is bound.
  return async (request) => {
    const started = Date.now();
    let status = 0;
    try {
      const response = await send(request);
      status = response.status;
      return response;
    } finally {
      recordMetric(metrics, { kind: 'outbound', what: new URL(request.url).host, how: request.method, status, ms: Date.now() - started });
    }
  };
}

/**
 * A call through the emulator binding. Its `down` fault answers a 502 marked
 * `x-emulator-fault: down` (a worker cannot fail its caller's fetch without a logged stack trace);
 * here that becomes what the global fetch gives for an unreachable host: a rejection.
 */
async function viaEmulator(binding: Fetcher, request: Request): Promise<Response> {
  const response = await binding.fetch(request);
  if (response.headers.get('x-emulator-fault') !== 'down') return response;
  await response.body?.cancel();
  throw new TypeError(`Network connection lost: ${new URL(request.url).host} is unreachable (emulator fault "down")`);
}

export function ecosystemFromEnv(env: Env): EcosystemClient {
  if (cached) return cached;
  const tokens: Partial<Record<ServiceName, string>> = {};
  const pinnedUrls: Partial<Record<ServiceName, string>> = {};
  const vars = config(env);
  for (const name of SERVICE_NAMES) {
    const token = env[TOKEN_SECRETS[name]];
    if (typeof token === 'string' && token) tokens[name] = token;
    const url = vars.urlOverrides[URL_OVERRIDES[name]];
    if (url) pinnedUrls[name] = url;
  }
  const client = createEcosystemClient({
    fetch: outboundFetch(env),
    tokens,
    pinnedUrls,
    now: vars.environment === 'development' ? developmentClock.now : Date.now,
    breakerOpenMs: vars.breakerOpenSeconds * 1000,
  });
  cached = client;
  return client;
}
