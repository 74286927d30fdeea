/**
 * An in-isolate cache of the owner's context reads (get, list, search), keyed by the owner's data
 * version from its gate. Every write to the owner's contexts bumps that version before and after
 * the D1 write, so a cached answer is served only while nothing of the owner's has changed — in
 * any isolate. A hot read costs no D1 query; the version costs nothing extra (it comes with the
 * gate call every authenticated request already makes).
 */
import type { Context as HonoContext } from 'hono';
import type { AppEnv } from '../app-env';
import { TtlCache } from '../lib/ttl-cache';

interface CachedRead<T> {
  value: T;
  headers: Record<string, string>;
}

const MAX_ENTRY_BYTES = 64 * 1024;
const TTL_MS = 60_000;
const cache = new TtlCache<CachedRead<unknown>>(2_000);

/**
 * Gives `key`'s value for this owner from the cache, or computes it (and keeps it when it is small
 * enough). The caller renders it; `hit` says where it came from.
 */
export async function cachedRead<T>(
  c: HonoContext<AppEnv>,
  owner: string,
  key: string,
  compute: () => Promise<CachedRead<T>>,
): Promise<CachedRead<T> & { hit: boolean }> {
  const cacheKey = `${owner}\n${c.get('dataVersion')}\n${key}`;
  const hit = cache.get(cacheKey) as CachedRead<T> | undefined;
  if (hit) return { ...hit, hit: true };
  const read = await compute();
  if (JSON.stringify(read.value).length <= MAX_ENTRY_BYTES) cache.set(cacheKey, read, TTL_MS);
  return { ...read, hit: false };
}

/** The headers to send with a read: its own, and `x-cache: hit` when it came from the cache. */
export function readHeaders(read: { headers: Record<string, string>; hit: boolean }): Record<string, string> {
  return read.hit ? { ...read.headers, 'x-cache': 'hit' } : read.headers;
}
