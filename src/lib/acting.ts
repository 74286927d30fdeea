/**
 * Who a request acts for, kept for the length of the request (AsyncLocalStorage) so that every
 * outbox event it writes can say so (`by`): the ChittyID whose rights were used, the kind of
 * credential, for a delegation token the RFC 8693 `act` chain (the current actor outermost, then
 * each earlier delegate), and for an MCP tool call the tool. ChittyChronicle and ChittyDNA receive
 * it with the event, so a timeline shows an agent's change as the agent's, acting for its person.
 * auth/acting.ts builds it from a principal; queue/store.ts reads it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** RFC 8693 §4.1: `sub` is an actor; a nested `act` is the actor before it. */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

export interface Acting {
  chittyId: string;
  via: string;
  act?: ActClaim;
  mcpTool?: string;
}

const storage = new AsyncLocalStorage<Acting>();

/** Runs `fn` (the rest of the request) as `acting`. */
export function runActing<T>(acting: Acting, fn: () => Promise<T>): Promise<T> {
  return storage.run(acting, fn);
}

/** Who the current request acts for, or undefined outside a request (queue consumers, cron). */
export function currentActing(): Acting | undefined {
  return storage.getStore();
}
