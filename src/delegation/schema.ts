/**
 * Request and response shapes of the delegation API (zod → validation and OpenAPI). Request
 * objects are strict, so a misspelt field is a 400 naming it rather than silently ignored. Times
 * on the wire are ISO 8601; inside the token they are JWT NumericDates.
 */
import { z } from '@hono/zod-openapi';
import { CAPABILITY } from '../actors/schema';

/** The longest a delegation token may live, and the default. */
export const MAX_EXPIRES_IN = 86_400;
export const DEFAULT_EXPIRES_IN = 3_600;

const AUDIENCE = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9._-]+)*$/, 'an audience is a service name, optionally narrowed by "/" parts (e.g. dna/evolve)')
  .openapi({ example: 'chittyconnect' });

const SUBJECT = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'the subject is an actor ChittyID or a service name')
  .openapi({ example: '01-C-ACT-0042-ACTOR-QB-3-0' });

const SCOPES = z.array(CAPABILITY).min(1).max(50);
const TOKEN = z.string().min(1).max(8192);

export const issueBody = z
  .object({
    subject: SUBJECT,
    audience: AUDIENCE.optional().openapi({
      description: 'Target service. Required for a new token; a derived token defaults to its parent’s.',
    }),
    scopes: SCOPES.openapi({ description: 'A subset of the caller’s capabilities (of the parent’s scopes when deriving)' }),
    expiresIn: z
      .number()
      .int()
      .min(1)
      .max(MAX_EXPIRES_IN)
      .optional()
      .openapi({ description: `Seconds; default ${DEFAULT_EXPIRES_IN} (capped at the parent’s remaining life when deriving)` }),
    parentToken: TOKEN.optional().openapi({ description: 'Derive from this token; the caller must be its subject' }),
  })
  .strict()
  .openapi('DelegateRequest');

export const validateBody = z
  .object({
    token: TOKEN,
    audience: AUDIENCE.optional().openapi({ description: 'The audience the token must cover' }),
    scopes: z.array(CAPABILITY).max(50).optional().openapi({ description: 'Scopes the token must carry' }),
  })
  .strict()
  .openapi('ValidateDelegationRequest');

export const tokenIdParam = z.object({
  tokenId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a delegation token id')
    .openapi({ param: { name: 'tokenId', in: 'path' }, example: 'dlg_3f9a0c2e7b1d4a5f8e6c9b0a1d2e3f4a' }),
});

export const claimsView = z
  .object({
    tokenId: z.string(),
    issuer: z.string(),
    subject: z.string(),
    audience: z.string(),
    scopes: z.array(z.string()),
    actorChain: z.array(z.string()).openapi({ description: 'Delegators, original first' }),
    parentId: z.string().nullable(),
    issuedAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('DelegationClaims');

export const delegationView = claimsView
  .extend({
    rootId: z.string().openapi({ description: 'The first token of its lineage' }),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
    state: z.enum(['active', 'expired', 'revoked']).openapi({ description: 'Now: revoked (itself or an ancestor), expired, or active' }),
  })
  .openapi('Delegation');

/** A delegation as `GET /v1/delegations` shows it. */
export type DelegationJson = z.infer<typeof delegationView>;

export const listQuery = z
  .object({
    all: z.enum(['true', 'false']).default('false').openapi({ description: 'Every delegation, not only yours (admin)' }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const issuedView = claimsView.extend({ token: z.string() }).openapi('IssuedDelegation');

export const validationView = z
  .object({
    valid: z.boolean(),
    reason: z.string().optional(),
    missingScopes: z.array(z.string()).optional(),
    claims: claimsView.optional(),
  })
  .openapi('DelegationValidation');

export const jwksView = z
  .object({
    keys: z.array(
      z.object({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string(),
        kid: z.string(),
        alg: z.literal('EdDSA'),
        use: z.literal('sig'),
      }),
    ),
  })
  .openapi('JsonWebKeySet');

/** Claims as the API shows them (ISO times). */
export function claimsJson(claims: DelegationClaims): z.infer<typeof claimsView> {
  return {
    tokenId: claims.tokenId,
    issuer: claims.issuer,
    subject: claims.subject,
    audience: claims.audience,
    scopes: claims.scopes,
    actorChain: claims.actorChain,
    parentId: claims.parentId,
    issuedAt: new Date(claims.issuedAt * 1000).toISOString(),
    expiresAt: new Date(claims.expiresAt * 1000).toISOString(),
  };
}

export type DelegationFailure =
  | 'malformed'
  | 'bad_signature'
  | 'unknown_key'
  | 'unknown_token'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'wrong_audience'
  | 'scope_not_held'
  | 'issuer_suspended'
  | 'subject_suspended';

export interface DelegationClaims {
  tokenId: string;
  issuer: string;
  subject: string;
  audience: string;
  scopes: string[];
  /** Actors the authority passed through, original delegator first. */
  actorChain: string[];
  parentId: string | null;
  /** Seconds since the epoch (JWT NumericDate). */
  issuedAt: number;
  /** Seconds since the epoch (JWT NumericDate). */
  expiresAt: number;
}

export interface DelegationRecord {
  tokenId: string;
  parentId: string | null;
  rootId: string;
  issuer: string;
  subject: string;
  audience: string;
  scopes: string[];
  /** Original delegator first. */
  actorChain: string[];
  keyId: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}
