/** Request and response shapes of the actors API (zod → validation and OpenAPI). */
import { z } from '@hono/zod-openapi';
import { parseChittyId } from '../ecosystem/chitty-id';

export const CAPABILITY = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_.-]*(:[a-z0-9_.*-]+)*$/, 'a capability is lower-case words joined by ":" (e.g. contexts:read)');

export const chittyIdParam = z.object({
  chittyId: z
    .string()
    .max(64)
    .refine((v) => parseChittyId(v) !== null, 'not a ChittyID (VV-G-LLL-SSSS-T-YM-C-X)')
    .openapi({ param: { name: 'chittyId', in: 'path' }, example: '01-C-ACT-0042-ACTOR-QB-3-0' }),
});

const profile = {
  displayName: z.string().trim().min(1).max(100).nullable().optional(),
  email: z.email().max(254).nullable().optional(),
  avatarUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .nullable()
    .optional(),
};

export const registerBody = z.object(profile).strict().openapi('RegisterActor');

export const patchBody = z
  .object({
    ...profile,
    capabilities: z.array(CAPABILITY).max(50).optional(),
    status: z.enum(['active', 'suspended', 'deactivated']).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'send at least one field to change')
  .openapi('PatchActor');

const actorType = z.enum(['human', 'ai', 'service', 'system']);

export const publicActor = z
  .object({
    chittyId: z.string(),
    actorType,
    displayName: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    status: z.enum(['active', 'suspended', 'deactivated']),
  })
  .openapi('PublicActor');

export const privateActor = publicActor
  .extend({
    principalId: z.string(),
    email: z.string().nullable(),
    capabilities: z.array(z.string()),
    dnaId: z.string().nullable(),
    sessionCount: z.number(),
    lastSeenAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Actor');

export const capabilitiesView = z
  .object({
    chittyId: z.string(),
    actorType,
    capabilities: z.array(z.string()).openapi({ description: 'What the actor holds' }),
    effective: z.array(z.string()).optional().openapi({ description: 'What the current credential may use (when asking about yourself)' }),
  })
  .openapi('ActorCapabilities');

/** The actor record (declared in auth/, which reads it on every request). */
export type { Actor, ActorStatus } from '../auth/schema';
