/** `X-API-Key: <key>`: an API key, looked up by its SHA-256 (isolate cache, then API_KEYS KV, then D1). */
import type { Env } from '../../env';
import { sha256Hex } from '../../lib/crypto';
import { TtlCache } from '../../lib/ttl-cache';
import { type CredentialReads, ISOLATE_CACHE_TTL_MS, MAX_BEARER_LENGTH, type Resolved, scopedPrincipal, unauthorized } from '../credential';
import { type ApiKeyRecord, apiKeyKvKey } from '../schema';

const apiKeyCache = new TtlCache<ApiKeyRecord | null>(10_000);

/** Forgets what this isolate cached for an API key (used when it is revoked here). */
export function forgetApiKey(hash: string): void {
  apiKeyCache.delete(hash);
}

async function apiKeyRecord(env: Env, key: string, reads: CredentialReads): Promise<ApiKeyRecord> {
  const hash = await sha256Hex(key);
  let record = apiKeyCache.get(hash);
  if (record === undefined) {
    record = (await env.API_KEYS.get<ApiKeyRecord>(apiKeyKvKey(hash), 'json')) ?? (await reads.apiKeyByHash(env.DB, hash));
    apiKeyCache.set(hash, record, ISOLATE_CACHE_TTL_MS);
  }
  if (!record) throw unauthorized('invalid_api_key', 'The API key is not valid.');
  if (record.revokedAt) throw unauthorized('invalid_api_key', 'The API key has been revoked.');
  if (record.expiresAt && Date.parse(record.expiresAt) <= Date.now()) throw unauthorized('invalid_api_key', 'The API key has expired.');
  return record;
}

export async function resolveApiKey(env: Env, apiKey: string, reads: CredentialReads): Promise<Resolved> {
  if (!apiKey) throw unauthorized('invalid_api_key', 'The X-API-Key header is empty.');
  if (apiKey.length > MAX_BEARER_LENGTH) throw unauthorized('invalid_api_key', 'The API key is not valid.');
  const record = await apiKeyRecord(env, apiKey, reads);
  return {
    gateKey: record.ownerPrincipal,
    tier: record.ownerType,
    readActor: () => reads.actorById(env.DB, record.owner),
    useSnapshot: true,
    toPrincipal: (actor) => {
      if (!actor) throw unauthorized('invalid_api_key', 'The API key’s owner no longer exists.');
      return scopedPrincipal(actor, record.scopes, 'api_key', record.keyId);
    },
  };
}
