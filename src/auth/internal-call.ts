/**
 * Requests the worker makes into its own app on behalf of a principal it has already
 * authenticated and admitted (an MCP tool call runs its REST route this way). The Request object
 * itself is the mark: it is created in this isolate and never crosses a network, so nothing a
 * client sends can claim to be one. requireAuth takes the principal from here instead of resolving
 * a credential and counting the request against the rate limit a second time.
 */
import type { Principal } from './principal';
import type { Actor } from './schema';

export interface AdmittedCaller {
  principal: Principal;
  actor: Actor | null;
  dataVersion: number;
  /** The outer request's id, carried into the inner request's logs and problem bodies. */
  requestId: string;
  /** The MCP tool the request runs for, recorded with what it writes. */
  mcpTool?: string;
}

const admitted = new WeakMap<Request, AdmittedCaller>();

/** Marks `request` as made by `caller`, who was authenticated and admitted on the outer request. */
export function asAdmitted(request: Request, caller: AdmittedCaller): Request {
  admitted.set(request, caller);
  return request;
}

/** The caller an internal request was made for, or undefined for every request from outside. */
export function admittedCaller(request: Request): AdmittedCaller | undefined {
  return admitted.get(request);
}
