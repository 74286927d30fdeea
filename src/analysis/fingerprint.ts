/** Stable, short, synchronous fingerprints (cyrb53: 53 bits, plenty for telling findings apart). */
export function hash53(text: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/** A finding's identity across pushes: the rule, the file and the line's text without its whitespace — not its number. */
export function fingerprintOf(ruleId: string, path: string, lineText: string, occurrence: number): string {
  return hash53(`${ruleId}\u0000${path}\u0000${lineText.replace(/\s+/g, ' ').trim()}\u0000${occurrence}`);
}
