/** `Authorization: Bearer <JWS>`: a ChittyConnect delegation token (checked by delegation/verify, injected). */
import type { Env } from '../../env';
import { AppError } from '../../http/errors';
import { type CredentialReads, type Resolved, scopedPrincipal, unauthorized } from '../credential';

/** The JWS `typ` of a ChittyConnect delegation token (delegation/token signs with it). */
export const DELEGATION_TOKEN_TYPE = 'chitty-delegation+jwt';

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * A bearer value is a ChittyConnect delegation token when it is a compact JWS whose header says
 * so (`typ`); any other value — a JWT that ChittyAuth issued included — goes to ChittyAuth.
 */
export function isDelegationToken(token: string): boolean {
  if (!JWS_SHAPE.test(token)) return false;
  try {
    const segment = token.slice(0, token.indexOf('.')).replace(/-/g, '+').replace(/_/g, '/');
    const header = JSON.parse(atob(segment)) as { typ?: unknown };
    return header.typ === DELEGATION_TOKEN_TYPE;
  } catch {
    return false;
  }
}

export async function resolveDelegation(env: Env, token: string, reads: CredentialReads): Promise<Resolved> {
  const check = await reads.checkDelegationToken(env, token, { audience: env.SERVICE_NAME });
  if (!check.valid && check.reason === 'subject_suspended') {
    throw new AppError(
      403,
      'actor_suspended',
      'The subject of this delegation token is suspended or deactivated; the token works again once it is reactivated.',
    );
  }
  if (!check.valid) throw unauthorized('invalid_delegation_token', `The delegation token is not valid: ${check.reason}.`);
  const { claims } = check;
  // A delegation token carries its original delegator's authority, narrowed to its scopes: the
  // request acts as the delegator (whose things it may touch, whose budget it spends). The
  // subject is only who the delegator meant to hold it, so it never lends the subject's rights.
  const delegator = await reads.actorById(env.DB, claims.actorChain[0] ?? '');
  if (!delegator) throw unauthorized('invalid_delegation_token', 'The delegation token is not valid: its delegator no longer exists.');
  return {
    gateKey: delegator.principalId,
    tier: delegator.actorType,
    readActor: async () => delegator,
    useSnapshot: false,
    toPrincipal: (actor) => {
      return {
        ...scopedPrincipal(actor ?? delegator, claims.scopes, 'delegation', claims.tokenId),
        delegation: { issuer: claims.issuer, subject: claims.subject, audience: claims.audience, actorChain: claims.actorChain },
      };
    },
  };
}
