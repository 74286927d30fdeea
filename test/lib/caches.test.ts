/** The two small per-isolate caches: bounded size, oldest out first, and (TtlCache) expiry on the given clock. */
import { describe, expect, it } from 'vitest';
import { remember } from '../../src/lib/bounded';
import { TtlCache } from '../../src/lib/ttl-cache';

describe('remember (bounded map)', () => {
  it('keeps at most max entries, dropping the oldest first, and returns the value', () => {
    const cache = new Map<string, number>();
    expect(remember(cache, 'a', 1, 2)).toBe(1);
    remember(cache, 'b', 2, 2);
    remember(cache, 'c', 3, 2);
    expect([...cache.keys()]).toEqual(['b', 'c']);
    expect(remember(cache, 'd', 4)).toBe(4); // default bound (16) is larger: nothing dropped
    expect([...cache.keys()]).toEqual(['b', 'c', 'd']);
  });
});

describe('TtlCache', () => {
  it('expires an entry exactly at its deadline on the injected clock', () => {
    let now = 1_000;
    const cache = new TtlCache<string>(4, () => now);
    cache.set('k', 'v', 500);
    now = 1_499;
    expect(cache.get('k')).toBe('v');
    now = 1_500;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.get('never')).toBeUndefined();
  });

  it('drops the oldest entry when full; setting a key again makes it the newest; delete removes it', () => {
    const cache = new TtlCache<number>(2, () => 0);
    cache.set('a', 1, 10);
    cache.set('b', 2, 10);
    cache.set('a', 3, 10); // refreshed: now newer than b
    cache.set('c', 4, 10); // full: b, the oldest, goes
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([3, undefined, 4]);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
  });
});
