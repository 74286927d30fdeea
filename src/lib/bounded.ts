/** A tiny helper for small per-isolate caches (parsed keyrings, imported keys): keep at most `max`, oldest out first. */
export function remember<V>(cache: Map<string, V>, key: string, value: V, max = 16): V {
  if (cache.size >= max) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, value);
  return value;
}
