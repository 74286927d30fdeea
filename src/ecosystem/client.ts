/**
 * The ChittyOS client: one object with a typed module per service, sharing discovery, the
 * transport (timeouts, retries, breakers) and each service's health: the last probe (cached,
 * since it calls every service) joined with the breaker states read live (in memory, free).
 */
import { z } from 'zod';
import { consoleLogger, type Logger } from '../lib/log';
import { authService } from './auth';
import { certifyService } from './certify';
import { chronicleService } from './chronicle';
import type { BreakerState } from './circuit-breaker';
import { Discovery, type DiscoverySource } from './discovery';
import { dnaService } from './dna';
import { EcosystemError } from './errors';
import { idService } from './id';
import { registryService } from './registry';
import { SERVICE_NAMES, type ServiceName } from './services';
import { DEFAULT_TRANSPORT_OPTIONS, type FetchLike, Transport, type TransportOptions } from './transport';
import { verifyService } from './verify';

export interface EcosystemOptions extends Partial<Omit<TransportOptions, 'fetch' | 'tokens'>> {
  fetch: FetchLike;
  tokens?: Partial<Record<ServiceName, string>>;
  /** Base URLs that skip discovery, per service. */
  pinnedUrls?: Partial<Record<ServiceName, string>>;
  /** How long a health probe result is reused before a background refresh (default 30 s). */
  healthTtlMs?: number;
  /**
   * A probe younger than this counts as fresh even when one is asked for (default 1 s), so
   * `/health?probe=true` can send at most one probe per interval to every service.
   */
  probeMinIntervalMs?: number;
}

export interface ServiceHealth {
  /** What the last probe saw (at `checkedAt`); `unknown` before the first one. */
  status: 'healthy' | 'unhealthy' | 'unknown';
  /** The breaker as the client sees it now: read live, never cached. */
  breaker: BreakerState;
  url: string;
  source: DiscoverySource;
  latencyMs?: number;
  reason?: string;
  checkedAt?: string;
}

const healthBody = z.object({ status: z.string() }).passthrough();

export type EcosystemClient = ReturnType<typeof createEcosystemClient>;

// Long on purpose: one closure owns the shared state (transport, discovery, the health cache), and
// EcosystemClient is its inferred return type; the pieces it closes over are each a few lines.
export function createEcosystemClient(options: EcosystemOptions) {
  const now = options.now ?? Date.now;
  const transportOptions: TransportOptions = {
    ...DEFAULT_TRANSPORT_OPTIONS,
    log: consoleLogger,
    now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    ...options,
    tokens: options.tokens ?? {},
  };
  const log: Logger = transportOptions.log;
  const discovery = new Discovery(options.pinnedUrls ?? {}, now);
  const transport = new Transport(transportOptions, (service) => discovery.baseUrl(service));
  discovery.attach(transport);

  const healthTtlMs = options.healthTtlMs ?? 30_000;
  const probeMinIntervalMs = options.probeMinIntervalMs ?? 1_000;
  let healthCache: { at: number; value: Record<ServiceName, ServiceHealth> } | null = null;
  let healthInFlight: Promise<Record<ServiceName, ServiceHealth>> | null = null;

  async function probe(service: ServiceName): Promise<ServiceHealth> {
    const started = now();
    const url = await discovery.baseUrl(service);
    const base = { url, source: discovery.sources()[service], checkedAt: new Date(started).toISOString() };
    try {
      // One shot: a health probe reports what it sees rather than retrying it away.
      await transport.call({ service, method: 'GET', path: '/health', idempotent: false, schema: healthBody });
      return { status: 'healthy', breaker: transport.breaker(service).state, latencyMs: now() - started, ...base };
    } catch (err) {
      const reason = err instanceof EcosystemError ? err.reason : 'rejected';
      return { status: 'unhealthy', breaker: transport.breaker(service).state, latencyMs: now() - started, reason, ...base };
    }
  }

  /** Probes every service; concurrent callers share the probe in flight. */
  function probeAll(): Promise<Record<ServiceName, ServiceHealth>> {
    healthInFlight ??= Promise.all(SERVICE_NAMES.map(probe))
      .then((results) => {
        const value = Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, results[i]])) as Record<ServiceName, ServiceHealth>;
        healthCache = { at: now(), value };
        return value;
      })
      .finally(() => {
        healthInFlight = null;
      });
    return healthInFlight;
  }

  /** The last probe's view (or `unknown`), with every breaker state read now. */
  function withLiveBreakers(probed: Record<ServiceName, ServiceHealth> | null): Record<ServiceName, ServiceHealth> {
    const sources = discovery.sources();
    return Object.fromEntries(
      SERVICE_NAMES.map((name) => [
        name,
        {
          ...(probed?.[name] ?? ({ status: 'unknown', url: '', source: sources[name] } as const)),
          breaker: transport.breaker(name).state,
        } satisfies ServiceHealth,
      ]),
    ) as Record<ServiceName, ServiceHealth>;
  }

  return {
    id: idService(transport),
    auth: authService(transport),
    registry: registryService(transport),
    dna: dnaService(transport),
    verify: verifyService(transport),
    certify: certifyService(transport),
    chronicle: chronicleService(transport),
    transport,
    discovery,
    log,
    /** One service's health, probed now (one shot, no retries). */
    probe,

    /**
     * Per-service health: the breakers as they are now, joined with the last probe. Without
     * `fresh` the cached probe is used (`unknown` before the first) and refreshed in the
     * background once older than the TTL. With `fresh` a probe is made now — unless one is in
     * flight (it is shared) or finished less than `probeMinIntervalMs` ago (it is fresh enough).
     */
    async health(opts: { fresh?: boolean; waitUntil?: (p: Promise<unknown>) => void } = {}) {
      const age = healthCache ? now() - healthCache.at : Number.POSITIVE_INFINITY;
      if (opts.fresh && (healthInFlight || age >= probeMinIntervalMs)) return withLiveBreakers(await probeAll());
      if (age >= healthTtlMs && !healthInFlight) opts.waitUntil?.(probeAll());
      return withLiveBreakers(healthCache?.value ?? null);
    },
  };
}
