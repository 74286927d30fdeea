/**
 * Small WebCrypto helpers: hashing secrets before they are stored or used as lookup keys, random ids.
 */

const encoder = new TextEncoder();

/** Hex SHA-256 of a string: how tokens and keys are stored and looked up, never in clear. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A random URL-safe identifier with a readable prefix, e.g. `key_3f9a…`. */
export function randomId(prefix: string, bytes = 16): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return `${prefix}_${[...raw].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
