/**
 * The delegation keys. The current signing key is an Ed25519 private JWK (with a `kid`) in the
 * `DELEGATION_SIGNING_KEY` secret; keys being rotated out are Ed25519 public JWKs in the optional
 * `DELEGATION_PREVIOUS_KEYS` (a JSON array), kept until the last token they signed has expired.
 * The parsed keyring is cached per isolate by the secrets' text, so removing a previous key takes
 * effect on the next request; imported CryptoKeys are cached per isolate by kid and public key.
 * A missing or broken secret is a 503 `delegation_unavailable` telling the operator what to fix —
 * never echoing key material.
 */
import { importJWK, type JWK } from 'jose';
import type { Env } from '../env';
import { AppError } from '../http/errors';
import { remember } from '../lib/bounded';

export const DELEGATION_ALG = 'EdDSA';

/** A published verification key (what `/.well-known/jwks.json` lists): never a private part. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/** The keys of one configuration: the one that signs, and every key that may verify, by kid. */
export interface Keyring {
  current: { kid: string; jwk: JWK };
  verifiers: ReadonlyMap<string, PublicJwk>;
}

const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;
const DOCS = 'see docs/delegation.md, "Keys"';

function unavailable(detail: string): AppError {
  return new AppError(503, 'delegation_unavailable', `Delegation tokens are unavailable: ${detail} (${DOCS}).`);
}

function field(obj: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(obj, name) ? obj[name] : undefined;
}

/** Checks one JWK's shape and returns what is wrong with it (never its values), or null. */
function shapeProblem(value: unknown, needPrivate: boolean): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  const jwk = value as Record<string, unknown>;
  if (field(jwk, 'kty') !== 'OKP' || field(jwk, 'crv') !== 'Ed25519') return 'is not an Ed25519 key (needs "kty":"OKP","crv":"Ed25519")';
  const x = field(jwk, 'x');
  if (typeof x !== 'string' || !B64URL_32.test(x)) return 'has no valid public part "x"';
  const kid = field(jwk, 'kid');
  if (typeof kid !== 'string' || kid.length < 1 || kid.length > 128) return 'has no "kid" (add a unique key id, e.g. "prod-2026-07")';
  const d = field(jwk, 'd');
  if (needPrivate && (typeof d !== 'string' || !B64URL_32.test(d))) return 'has no valid private part "d" (it must be the private JWK)';
  return null;
}

function publicPart(jwk: Record<string, unknown>): PublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x), kid: String(jwk.kid), alg: DELEGATION_ALG, use: 'sig' };
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw unavailable(`${name} is not valid JSON`);
  }
}

/** Parses the two secrets into a keyring; throws 503 `delegation_unavailable` naming what is wrong. */
export function parseKeyring(signingKey: string | undefined, previousKeys: string | undefined): Keyring {
  if (!signingKey?.trim()) throw unavailable('the DELEGATION_SIGNING_KEY secret is not set; set it to an Ed25519 private JWK with a "kid"');
  const current = parseJson(signingKey, 'DELEGATION_SIGNING_KEY');
  const problem = shapeProblem(current, true);
  if (problem) throw unavailable(`DELEGATION_SIGNING_KEY ${problem}`);
  const currentJwk = current as Record<string, unknown>;
  const verifiers = new Map<string, PublicJwk>();
  const currentPublic = publicPart(currentJwk);
  verifiers.set(currentPublic.kid, currentPublic);

  if (previousKeys?.trim()) {
    const list = parseJson(previousKeys, 'DELEGATION_PREVIOUS_KEYS');
    if (!Array.isArray(list)) throw unavailable('DELEGATION_PREVIOUS_KEYS must be a JSON array of Ed25519 public JWKs');
    list.forEach((entry: unknown, i) => {
      const entryProblem = shapeProblem(entry, false);
      if (entryProblem) throw unavailable(`DELEGATION_PREVIOUS_KEYS entry ${i} ${entryProblem}`);
      const key = publicPart(entry as Record<string, unknown>);
      const known = verifiers.get(key.kid);
      if (known && known.x !== key.x) {
        throw unavailable(`DELEGATION_PREVIOUS_KEYS entry ${i} reuses kid "${key.kid}" for a different key; every key needs its own kid`);
      }
      verifiers.set(key.kid, key);
    });
  }
  const jwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: currentPublic.x, d: String(currentJwk.d), kid: currentPublic.kid };
  return { current: { kid: currentPublic.kid, jwk }, verifiers };
}

const keyrings = new Map<string, Keyring>();
const imported = new Map<string, Promise<CryptoKey>>();

/** The keyring of this environment (cached per isolate by the secrets' text). */
export function keyringFromEnv(env: Env): Keyring {
  const signing = env.DELEGATION_SIGNING_KEY;
  const previous = env.DELEGATION_PREVIOUS_KEYS;
  const cacheKey = `${signing ?? ''}\u0000${previous ?? ''}`;
  return keyrings.get(cacheKey) ?? remember(keyrings, cacheKey, parseKeyring(signing, previous));
}

/** Imports once per isolate under `cacheKey`; a failure is not cached, so a fixed secret works at once. */
function importOnce(cacheKey: string, make: () => Promise<CryptoKey>): Promise<CryptoKey> {
  const hit = imported.get(cacheKey);
  if (hit) return hit;
  const pending = make();
  pending.catch(() => imported.delete(cacheKey));
  return remember(imported, cacheKey, pending);
}

async function importOrExplain(jwk: JWK, onError: string): Promise<CryptoKey> {
  try {
    return (await importJWK(jwk, DELEGATION_ALG)) as CryptoKey;
  } catch {
    throw unavailable(onError);
  }
}

/** The CryptoKey that verifies tokens signed under `key` (cached by kid and public key). */
export function verificationKey(key: PublicJwk): Promise<CryptoKey> {
  return importOnce(`pub:${key.kid}:${key.x}`, () =>
    importOrExplain({ kty: key.kty, crv: key.crv, x: key.x }, `the public key "${key.kid}" cannot be imported`),
  );
}

/** The CryptoKey that signs new tokens; its private and public parts are checked to belong together once. */
export function signingKey(keyring: Keyring): Promise<CryptoKey> {
  const { kid, jwk } = keyring.current;
  return importOnce(`priv:${kid}:${jwk.x}`, async () => {
    const key = await importOrExplain(jwk, 'DELEGATION_SIGNING_KEY cannot be imported as an Ed25519 private key');
    const probe = new TextEncoder().encode('chittyconnect delegation key check');
    const signature = await crypto.subtle.sign('Ed25519', key, probe);
    const publicKey = await verificationKey(publicPart(jwk as Record<string, unknown>));
    if (!(await crypto.subtle.verify('Ed25519', publicKey, signature, probe))) {
      throw unavailable('the private part "d" of DELEGATION_SIGNING_KEY does not match its public part "x"');
    }
    return key;
  });
}

/** The public keys to publish, current first: exactly the keys that verify. */
export function publicJwks(keyring: Keyring): { keys: PublicJwk[] } {
  return { keys: [...keyring.verifiers.values()] };
}
