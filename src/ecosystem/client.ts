/**
 * The ChittyOS client: one object with a typed module per service, sharing discovery, the
 * transport (timeouts, retries, breakers) and a cached view of each service's health.
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
  /** How long a health probe result is reused. */
  healthTtlMs?: number;
}

export interface ServiceHealth {
  status: 'healthy' | 'unhealthy' | 'unknown';
  breaker: BreakerState;
  url: string;
  source: DiscoverySource;
  latencyMs?: number;
  reason?: string;
  checkedAt?: string;
}

const healthBody = z.object({ status: z.string() }).passthrough();

export type EcosystemClient = ReturnType<typeof createEcosystemClient>;

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

  async function probeAll(): Promise<Record<ServiceName, ServiceHealth>> {
    const results = await Promise.all(SERVICE_NAMES.map(probe));
    const value = Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, results[i]])) as Record<ServiceName, ServiceHealth>;
    healthCache = { at: now(), value };
    return value;
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
     * Per-service health. Returns the cached view (possibly stale, `unknown` before the first
     * probe) and starts a refresh when it is older than the TTL; `fresh` waits for a probe.
     */
    async health(opts: { fresh?: boolean; waitUntil?: (p: Promise<unknown>) => void } = {}) {
      const stale = !healthCache || now() - healthCache.at >= healthTtlMs;
      if (stale && !healthInFlight) {
        healthInFlight = probeAll().finally(() => {
          healthInFlight = null;
        });
        opts.waitUntil?.(healthInFlight);
      }
      if (opts.fresh && healthInFlight) return healthInFlight;
      if (healthCache) return healthCache.value;
      const sources = discovery.sources();
      return Object.fromEntries(
        SERVICE_NAMES.map((name) => [
          name,
          { status: 'unknown', breaker: transport.breaker(name).state, url: '', source: sources[name] } satisfies ServiceHealth,
        ]),
      ) as Record<ServiceName, ServiceHealth>;
    },
  };
}
