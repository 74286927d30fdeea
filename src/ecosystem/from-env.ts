/**
 * The worker's own ecosystem client, built from its environment once per isolate so breakers,
 * the discovery cache and the health view live as long as the isolate.
 */
import type { Env } from '../env';
import { createEcosystemClient, type EcosystemClient } from './client';
import { SERVICE_NAMES, type ServiceName, TOKEN_SECRETS, URL_OVERRIDES } from './services';
import type { FetchLike } from './transport';

// Bindings and secrets are fixed for an isolate's life, so one client per isolate is right.
let cached: EcosystemClient | null = null;

/** The outside world: the emulator binding where there is one (local, tests), else the global fetch. */
export function outboundFetch(env: Env): FetchLike {
  const binding = env.ECOSYSTEM;
  if (binding) return (request) => binding.fetch(request);
  return (request) => fetch(request);
}

export function ecosystemFromEnv(env: Env): EcosystemClient {
  if (cached) return cached;
  const tokens: Partial<Record<ServiceName, string>> = {};
  const pinnedUrls: Partial<Record<ServiceName, string>> = {};
  for (const name of SERVICE_NAMES) {
    const token = env[TOKEN_SECRETS[name]];
    if (typeof token === 'string' && token) tokens[name] = token;
    const url = env[URL_OVERRIDES[name]];
    if (typeof url === 'string' && url) pinnedUrls[name] = url;
  }
  const openSeconds = Number(env.ECOSYSTEM_BREAKER_OPEN_SECONDS);
  const client = createEcosystemClient({
    fetch: outboundFetch(env),
    tokens,
    pinnedUrls,
    ...(openSeconds > 0 ? { breakerOpenMs: openSeconds * 1000 } : {}),
  });
  cached = client;
  return client;
}
