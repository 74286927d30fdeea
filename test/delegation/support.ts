/**
 * Shared pieces of the delegation tests: issuing and validating through the worker, calling the
 * worker with an overridden environment (for key rotation), generating Ed25519 JWKs, and crafting
 * tokens with jose directly (expired, forged, or signed by a key ChittyConnect does not know).
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { CompactSign, importJWK, type JWK } from 'jose';
import { expect } from 'vitest';
import worker from '../../src/index';
import { call, registeredActor, type TestActor } from '../helpers/actors';

export type { TestActor };
export { call, registeredActor };

export interface Issued {
  token: string;
  tokenId: string;
  issuer: string;
  subject: string;
  audience: string;
  scopes: string[];
  actorChain: string[];
  parentId: string | null;
  issuedAt: string;
  expiresAt: string;
}

export interface Verdict {
  valid: boolean;
  reason?: string;
  missingScopes?: string[];
  claims?: Omit<Issued, 'token'>;
}

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

/** POST /v1/delegate as `caller`, expecting `status`; returns the parsed body. */
export async function delegate<T = Issued>(caller: TestActor | string, body: Record<string, unknown>, status = 201): Promise<T> {
  const res = await call('/v1/delegate', typeof caller === 'string' ? caller : caller.token, { method: 'POST', json: body });
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** POST /v1/delegate/validate as `caller`. */
export async function validate(caller: TestActor, body: Record<string, unknown>): Promise<Verdict> {
  const res = await call('/v1/delegate/validate', caller.token, { method: 'POST', json: body });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Verdict;
}

/** DELETE /v1/delegate/{tokenId} as `caller`; returns the response. */
export function revoke(caller: TestActor | string, tokenId: string): Promise<Response> {
  return call(`/v1/delegate/${tokenId}`, typeof caller === 'string' ? caller : caller.token, { method: 'DELETE' });
}

/** Calls the worker with some env values replaced (e.g. another signing key). */
export async function fetchWith(overrides: Record<string, string | undefined>, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://connect.test${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A JSON request init with a bearer token. */
export function jsonInit(token: string, body: unknown, method = 'POST'): RequestInit {
  return { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** A fresh Ed25519 key pair as JWKs (private with `kid`, as DELEGATION_SIGNING_KEY takes it; public). */
export async function newSigningKey(kid = `test-${crypto.randomUUID().slice(0, 8)}`): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const exported = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JWK;
  const privateJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: exported.x, d: exported.d, kid, alg: 'EdDSA' };
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: exported.x, kid, alg: 'EdDSA' };
  return { privateJwk, publicJwk };
}

/** The test environment's current signing key (a private JWK). */
export function envSigningKey(): JWK & { kid: string } {
  return JSON.parse(env.DELEGATION_SIGNING_KEY as string) as JWK & { kid: string };
}

/** Signs an arbitrary payload and header as a compact JWS with `key` (default: the environment's key). */
export async function craft(
  payload: Record<string, unknown>,
  options: { key?: JWK; header?: Record<string, unknown> } = {},
): Promise<string> {
  const key = options.key ?? envSigningKey();
  const signer = (await importJWK({ kty: 'OKP', crv: 'Ed25519', x: key.x, d: key.d }, 'EdDSA')) as CryptoKey;
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', typ: 'chitty-delegation+jwt', kid: key.kid, ...options.header })
    .sign(signer);
}

/** Decodes a JWS segment (header or payload) as JSON. */
export function segment(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index] ?? '';
  const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/** Re-encodes a JSON segment as base64url. */
export function encodeSegment(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Outbox rows of a delegation token. */
export async function outboxOf(tokenId: string): Promise<{ event_type: string; payload: string; created_at: string }[]> {
  const rows = await env.DB.prepare(
    "SELECT event_type, payload, created_at FROM outbox WHERE aggregate = 'delegation' AND aggregate_id = ? ORDER BY created_at",
  )
    .bind(tokenId)
    .all<{ event_type: string; payload: string; created_at: string }>();
  return rows.results;
}
