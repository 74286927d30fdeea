/** The Hono environment shared by every route and middleware: bindings and typed context variables. */
import type { Env } from './env';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Set when the schema could not be ensured for this request (only /health proceeds then). */
    schemaError: string | undefined;
  };
}
