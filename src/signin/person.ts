/**
 * The person behind a browser sign-in, as a registered actor: registered on first sight (as
 * `POST /v1/actors/register` would), with their effective capabilities. What a sign-in grants
 * (an MCP client's delegation, a console session) is issued by this principal.
 */
import { registerActor } from '../actors/service';
import { effectiveCapabilities } from '../auth/capabilities';
import type { Principal } from '../auth/principal';
import type { Actor } from '../auth/schema';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import type { Env } from '../env';
import type { SignedIn } from './session';

export async function signedInPerson(env: Env, who: SignedIn): Promise<{ principal: Principal; actor: Actor }> {
  const bare: Principal = {
    principalId: who.principalId,
    chittyId: who.principalId,
    registered: false,
    actorType: who.actorType,
    capabilities: who.capabilities,
    credential: 'chittyauth',
  };
  const { actor } = await registerActor(env, ecosystemFromEnv(env), bare, {});
  const principal: Principal = {
    ...bare,
    chittyId: actor.chittyId,
    registered: true,
    actorType: actor.actorType,
    capabilities: effectiveCapabilities(actor.capabilities),
  };
  return { principal, actor };
}
