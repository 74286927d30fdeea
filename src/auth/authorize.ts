/** Scope checks for handlers: the credential must carry the scope for what it is doing. */

import { AppError } from '../http/errors';
import { covers } from './capabilities';
import type { Principal } from './principal';

/** Throws 403 unless the principal's credential carries `scope`. */
export function requireScope(principal: Principal, scope: string): void {
  if (!covers(principal.capabilities, scope)) {
    throw new AppError(403, 'scope_not_held', `This credential does not carry the ${scope} scope needed here.`);
  }
}

/** The principal is this registered actor, and its credential carries `scope` over it. */
export function isSelfWith(principal: Principal, chittyId: string, scope: string): boolean {
  return principal.registered && principal.chittyId === chittyId && covers(principal.capabilities, scope);
}
