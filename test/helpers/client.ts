/**
 * Builds an ecosystem client against the emulator for a test: per-test hosts (so injected faults
 * stay local), a controllable clock and no real sleeping, so breaker and backoff timing is exact.
 */
import { env } from 'cloudflare:test';
import { createEcosystemClient, type EcosystemOptions } from '../../src/ecosystem/client';
import { outboundFetch } from '../../src/ecosystem/from-env';
import { SERVICE_NAMES, type ServiceName } from '../../src/ecosystem/services';
import { silentLogger } from '../../src/lib/log';
import { serviceToken, testHost } from './emulator';

export interface TestClient {
  client: ReturnType<typeof createEcosystemClient>;
  hosts: Record<ServiceName, string>;
  clock: { now: number; advance(ms: number): void };
  sleeps: number[];
}

export function testClient(options: Partial<EcosystemOptions> & { pinAll?: boolean } = {}): TestClient {
  const hosts = Object.fromEntries(SERVICE_NAMES.map((s) => [s, testHost(s)])) as Record<ServiceName, string>;
  const clock = {
    now: 1_700_000_000_000,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const sleeps: number[] = [];
  const pinned = Object.fromEntries(
    SERVICE_NAMES.filter((s) => options.pinAll !== false || s === 'registry').map((s) => [s, `https://${hosts[s]}`]),
  );
  const client = createEcosystemClient({
    // The worker's own outbound fetch through the emulator binding (a `down` fault rejects, as in the worker).
    fetch: outboundFetch(env),
    // The worker's own service tokens: each emulated service accepts only its own.
    tokens: Object.fromEntries(SERVICE_NAMES.map((s) => [s, serviceToken(s)])),
    pinnedUrls: pinned,
    log: silentLogger,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    timeoutMs: 1_000,
    ...options,
  });
  return { client, hosts, clock, sleeps };
}
