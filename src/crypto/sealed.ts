/** The sealed form's shape alone, so the principal gate (which env.ts names) can hold one without importing env.ts. */

/** A value encrypted under a keyring key: AES-256-GCM, a fresh 96-bit IV, the kid that decrypts it. */
export interface Sealed {
  v: 1;
  alg: 'A256GCM';
  kid: string;
  iv: string;
  ct: string;
}
