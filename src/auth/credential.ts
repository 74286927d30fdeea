/**
 * What every credential resolver shares: the reads auth/ needs from the features that own the
 * rows (injected by app.ts, so auth/ imports no feature), the shape a credential resolves to
 * before the gate, and the 401 it answers with.
 */
import type { Env } from '../env';
import { AppError } from '../http/errors';
import { effectiveCapabilities, narrow } from './capabilities';
import type { ActorType, Principal } from './principal';
import type { Actor, ApiKeyRecord } from './schema';

/** Longest bearer token looked at: far above a JWT or ChittyAuth token, far below a header's limit. */
export const MAX_BEARER_LENGTH = 4096;
export const ISOLATE_CACHE_TTL_MS = 60_000;
export const REALM = 'Bearer realm="chittyconnect"';

/** A delegation token's check, as auth/ needs it (delegation/verify answers with this shape). */
export type DelegationCheck =
  | {
      valid: true;
      claims: { tokenId: string; issuer: string; subject: string; audience: string; scopes: string[]; actorChain: string[] };
    }
  | { valid: false; reason: string };

/** The credential reads, each implemented once by the feature that owns the rows (composed in app.ts). */
export interface CredentialReads {
  actorById(db: D1Database, chittyId: string): Promise<Actor | null>;
  actorByPrincipal(db: D1Database, principalId: string): Promise<Actor | null>;
  apiKeyByHash(db: D1Database, hash: string): Promise<ApiKeyRecord | null>;
  checkDelegationToken(env: Env, token: string, expected: { audience: string }): Promise<DelegationCheck>;
}

/** What a credential resolves to before the gate: whose gate, which tier, how to read the actor. */
export interface Resolved {
  gateKey: string;
  tier: ActorType;
  readActor: () => Promise<Actor | null>;
  /** Trust the gate's snapshot of the actor (false: always read D1, e.g. for delegation subjects). */
  useSnapshot: boolean;
  toPrincipal: (actor: Actor | null) => Principal;
}

export function unauthorized(code: string, detail: string, error = 'invalid_token'): AppError {
  return new AppError(401, code, detail, {
    headers: { 'www-authenticate': `${REALM}, error="${error}", error_description="${detail.replace(/"/g, "'")}"` },
  });
}

/** A registered actor acting through a scoped credential (API key, delegation token): its capabilities narrowed to the scopes. */
export function scopedPrincipal(actor: Actor, scopes: string[], credential: 'api_key' | 'delegation', credentialId: string): Principal {
  return {
    principalId: actor.principalId,
    chittyId: actor.chittyId,
    registered: true,
    actorType: actor.actorType,
    capabilities: narrow(effectiveCapabilities(actor.capabilities), scopes),
    credential,
    credentialId,
  };
}
