/** ChittyAuth: who is behind a bearer token, and API keys for services. */
import { z } from 'zod';
import type { Transport } from './transport';

const actor = z
  .object({
    chittyId: z.string(),
    type: z.enum(['human', 'ai', 'service', 'system']),
    capabilities: z.array(z.string()).default([]),
    displayName: z.string().nullish(),
    email: z.string().nullish(),
  })
  .passthrough();

const tokenValidation = z.union([
  z.object({ valid: z.literal(true), actor }).passthrough(),
  z.object({ valid: z.literal(false), reason: z.string().optional() }).passthrough(),
]);

const provisioned = z
  .object({ keyId: z.string(), apiKey: z.string(), chittyId: z.string().optional(), scopes: z.array(z.string()).default([]) })
  .passthrough();

export type AuthActor = z.infer<typeof actor>;
export type TokenValidation = z.infer<typeof tokenValidation>;
export type ProvisionedKey = z.infer<typeof provisioned>;

export function authService(t: Transport) {
  return {
    /** Resolves a bearer token to its actor. Read-only, so safe to retry. */
    validateToken(token: string): Promise<TokenValidation> {
      return t.call({
        service: 'auth',
        method: 'POST',
        path: '/v1/auth/validate',
        body: { token },
        idempotent: true,
        schema: tokenValidation,
      });
    },
    /**
     * Exchanges the one-time code ChittyAuth's sign-in page gave a browser (for `redirectUri`)
     * for the actor who signed in. Sent once: a code works once.
     */
    exchangeCode(code: string, redirectUri: string): Promise<TokenValidation> {
      return t.call({
        service: 'auth',
        method: 'POST',
        path: '/v1/auth/exchange',
        body: { code, redirect_uri: redirectUri },
        idempotent: false,
        schema: tokenValidation,
      });
    },
    /** Provisions an API key for an entity. Creates a key, so sent once. */
    provisionKey(chittyId: string, scopes: string[], name?: string): Promise<ProvisionedKey> {
      return t.call({
        service: 'auth',
        method: 'POST',
        path: '/v1/keys/provision',
        body: { chittyId, scopes, name },
        idempotent: false,
        schema: provisioned,
      });
    },
  };
}
