/**
 * Where each service lives. Pinned URLs (config) win; otherwise the registry's discovery answer,
 * cached for five minutes; otherwise the default hosts. When the registry cannot be reached the
 * defaults are used and the failure is remembered briefly, so a down registry does not add a
 * failed call to every request.
 */
import { z } from 'zod';
import { DEFAULT_BASE_URLS, SERVICE_NAMES, type ServiceName } from './services';
import type { Transport } from './transport';

export const DISCOVERY_TTL_MS = 5 * 60_000;
export const DISCOVERY_FAILURE_TTL_MS = 30_000;

const discoverResponse = z.object({
  services: z.array(z.object({ name: z.string(), url: z.string(), status: z.string().optional() }).passthrough()),
});

export type DiscoverySource = 'pinned' | 'registry' | 'default';

interface Snapshot {
  urls: Partial<Record<ServiceName, string>>;
  source: 'registry' | 'default';
  expiresAt: number;
}

export class Discovery {
  private snapshot: Snapshot | null = null;
  private inFlight: Promise<Snapshot> | null = null;
  private transport: Transport | null = null;

  constructor(
    private readonly pinned: Partial<Record<ServiceName, string>>,
    private readonly now: () => number,
  ) {}

  /** Discovery calls go through the transport it resolves for (set once, after construction). */
  attach(transport: Transport): void {
    this.transport = transport;
  }

  /** The base URL to use for `service` now. Never throws: falls back to the default host. */
  async baseUrl(service: ServiceName): Promise<string> {
    const pinned = this.pinned[service];
    if (pinned) return pinned;
    if (service === 'registry') return DEFAULT_BASE_URLS.registry;
    const snapshot = await this.current();
    return snapshot.urls[service] ?? DEFAULT_BASE_URLS[service];
  }

  /** Where each service's URL currently comes from (for /health). */
  sources(): Record<ServiceName, DiscoverySource> {
    const out = {} as Record<ServiceName, DiscoverySource>;
    for (const name of SERVICE_NAMES) {
      if (this.pinned[name]) out[name] = 'pinned';
      else if (this.snapshot?.source === 'registry' && this.snapshot.urls[name]) out[name] = 'registry';
      else out[name] = 'default';
    }
    return out;
  }

  private async current(): Promise<Snapshot> {
    if (this.snapshot && this.snapshot.expiresAt > this.now()) return this.snapshot;
    // One refresh at a time; concurrent callers share it.
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async refresh(): Promise<Snapshot> {
    try {
      if (!this.transport) throw new Error('discovery has no transport');
      const answer = await this.transport.call({
        service: 'registry',
        method: 'GET',
        path: '/v1/services/discover',
        schema: discoverResponse,
      });
      const urls: Partial<Record<ServiceName, string>> = {};
      for (const entry of answer.services) {
        const name = entry.name.replace(/^chitty/i, '').toLowerCase() as ServiceName;
        if (SERVICE_NAMES.includes(name) && isHttpUrl(entry.url)) urls[name] = entry.url;
      }
      this.snapshot = { urls, source: 'registry', expiresAt: this.now() + DISCOVERY_TTL_MS };
    } catch {
      this.snapshot = { urls: {}, source: 'default', expiresAt: this.now() + DISCOVERY_FAILURE_TTL_MS };
    }
    return this.snapshot;
  }
}

/** Only https: discovered URLs receive our bearer service tokens. */
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:';
  } catch {
    return false;
  }
}
