/** The attribution (`by`, lib/acting.ts) of a principal's request. */
import type { ActClaim, Acting } from '../lib/acting';
import type { Principal } from './principal';

/**
 * A delegation token's request acts as the original delegator; its subject is the current actor,
 * and the delegates after the first delegator acted before it (latest nearest).
 */
export function actingOf(principal: Principal, mcpTool?: string): Acting {
  const acting: Acting = { chittyId: principal.chittyId, via: principal.credential };
  const d = principal.delegation;
  if (d) {
    let earlier: ActClaim | undefined;
    for (const sub of d.actorChain.slice(1)) earlier = earlier ? { sub, act: earlier } : { sub };
    acting.act = earlier ? { sub: d.subject, act: earlier } : { sub: d.subject };
  }
  if (mcpTool) acting.mcpTool = mcpTool;
  return acting;
}
