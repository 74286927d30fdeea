/** The Hono environment shared by every route and middleware: bindings and typed context variables. */

import type { Principal } from './auth/principal';
import type { Actor } from './auth/schema';
import type { Env } from './env';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Set when the schema could not be ensured for this request (only /health proceeds then). */
    schemaError: string | undefined;
    /** Who is asking (set by requireAuth). */
    principal: Principal;
    /** The registered actor behind the principal, if any (set by requireAuth). */
    actor: Actor | null;
    /** The principal's data version from its gate (set by requireAuth); keys read caches. */
    dataVersion: number;
  };
}
