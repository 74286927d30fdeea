/**
 * The field shapes a connection is made of — its id, header names and values, and which headers are
 * never ours to set — shared by schema.ts (the request bodies) and rules.ts (the checks beyond shape).
 */
import { z } from '@hono/zod-openapi';

export const CONNECTION_ID = z.string().regex(/^conn_[0-9a-f]{32}$/, 'not a connection id (conn_ + 32 hex digits)');

/** Hop-by-hop headers (RFC 9110 §7.6.1) and others a proxy must never pass on or let be configured. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);
const NOT_CONFIGURABLE = new Set([...HOP_BY_HOP, 'host', 'content-length', 'content-type', 'content-encoding']);

/** True for headers a proxy strips in both directions: hop-by-hop and any `Proxy-*`. */
export function isHopByHop(name: string): boolean {
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || lower.startsWith('proxy-');
}

export const HEADER_NAME = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid header name')
  .refine((n) => !NOT_CONFIGURABLE.has(n.toLowerCase()) && !n.toLowerCase().startsWith('proxy-'), 'this header cannot carry credentials');

export const HEADER_VALUE = z.string().regex(/^[\x20-\x7e]*$/, 'printable ASCII only');
