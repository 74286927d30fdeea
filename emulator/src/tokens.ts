/**
 * Service tokens, as the real ChittyOS services check them: each service accepts exactly one
 * bearer token, its own (`CHITTY_ID_SERVICE_TOKEN` for `id.*`, and so on), given to the emulator
 * as bindings with the same values the main worker has (`scripts/dev-secrets.mjs`). The request
 * log records a short hash of whatever credential a request presented, so a test can tell which
 * token reached which service without the log ever holding a secret.
 */
import { type EmulatorEnv, sha256Hex } from './store';

export const CHITTYOS_SERVICES = ['id', 'auth', 'registry', 'dna', 'verify', 'certify', 'chronicle'] as const;
export type ChittyOsService = (typeof CHITTYOS_SERVICES)[number];

/** The binding that holds each service's one accepted token. */
export const SERVICE_TOKEN_BINDINGS = {
  id: 'CHITTY_ID_SERVICE_TOKEN',
  auth: 'CHITTY_AUTH_SERVICE_TOKEN',
  registry: 'CHITTY_REGISTRY_TOKEN',
  dna: 'CHITTY_DNA_TOKEN',
  verify: 'CHITTY_VERIFY_TOKEN',
  certify: 'CHITTY_CERTIFY_TOKEN',
  chronicle: 'CHITTY_CHRONICLE_TOKEN',
} as const satisfies Record<ChittyOsService, keyof EmulatorEnv>;

/** The credential in an Authorization header: what follows `Bearer`/`token`, else the whole value; null when absent. */
export function presentedCredential(authorization: string | null | undefined): string | null {
  const value = authorization?.trim();
  if (!value) return null;
  const scheme = /^(?:bearer|token)\s+(.*)$/i.exec(value);
  return scheme ? (scheme[1] ?? '').trim() : value;
}

/** What the request log keeps of a credential: the first 16 hex chars of its SHA-256. */
export async function credentialHash(credential: string | null): Promise<string | null> {
  return credential === null ? null : (await sha256Hex(credential)).slice(0, 16);
}

export type TokenCheck = { ok: true } | { ok: false; detail: string };

/**
 * Whether `authorization` carries `service`'s own token. Compares SHA-256 digests, so the time
 * taken does not depend on how much of a guess was right.
 */
export async function checkServiceToken(
  env: EmulatorEnv,
  service: ChittyOsService,
  authorization: string | undefined,
): Promise<TokenCheck> {
  const binding = SERVICE_TOKEN_BINDINGS[service];
  const expected = env[binding]?.trim();
  if (!expected) {
    return { ok: false, detail: `this emulator has no ${binding}; give it the main worker's value (npm start writes emulator/.dev.vars)` };
  }
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  if (!match?.[1]) return { ok: false, detail: `send Authorization: Bearer <${binding}>` };
  const [given, wanted] = await Promise.all([sha256Hex(match[1]), sha256Hex(expected)]);
  return given === wanted ? { ok: true } : { ok: false, detail: `the bearer token is not this service's token (${binding})` };
}
