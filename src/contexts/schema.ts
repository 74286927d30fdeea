/** Request and response shapes of the contexts API (zod → validation and OpenAPI). */
import { z } from '@hono/zod-openapi';
import { parseChittyId } from '../ecosystem/chitty-id';
import { depthAtMost } from '../lib/json-depth';

export const MAX_DATA_BYTES = 64 * 1024;

const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._:/-]*$/u;

const name = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(NAME_PATTERN, 'letters, digits, spaces and . _ : / - only, starting with a letter or digit')
  // The generator would print the JS literal's `/u` flag into the pattern; JSON Schema patterns are unicode already.
  .openapi({ example: 'rocket-research', pattern: NAME_PATTERN.source });

const label = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and . _ - only');

const data = z
  .array(z.unknown())
  .max(100)
  .refine((v) => depthAtMost(v, 16), 'nested deeper than 16 levels')
  .refine((v) => new TextEncoder().encode(JSON.stringify(v)).byteLength <= MAX_DATA_BYTES, `larger than ${MAX_DATA_BYTES} bytes as JSON`)
  .openapi({ description: 'Free-form JSON entries (≤ 100, ≤ 64 KiB in all)' });

const labels = z
  .array(label)
  .max(50)
  .refine((v) => new Set(v).size === v.length, 'contains duplicates');

export const status = z.enum(['active', 'inactive']);

export const createBody = z
  .object({ name, data: data.optional(), systems: labels.optional(), tools: labels.optional(), status: status.optional() })
  .strict()
  .openapi('CreateContext');

export const patchBody = z
  .object({ name: name.optional(), data: data.optional(), systems: labels.optional(), tools: labels.optional(), status: status.optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'send at least one field to change')
  .openapi('PatchContext');

export const idParam = z.object({
  id: z
    .string()
    .max(64)
    .refine((v) => parseChittyId(v) !== null, 'not a ChittyID (VV-G-LLL-SSSS-T-YM-C-X)')
    .openapi({ param: { name: 'id', in: 'path' }, example: '01-C-ACT-0042-CONTEXT-QB-3-0' }),
});

const limit = z.coerce.number().int().min(1).max(100).default(20);

export const listQuery = z
  .object({
    limit,
    cursor: z.string().max(200).optional().openapi({ description: 'From the previous page’s `nextCursor`' }),
    status: status.optional(),
    system: label.optional(),
    tool: label.optional(),
  })
  .strict()
  .refine((q) => !(q.system && q.tool), 'filter by system or by tool, not both');

export const searchQuery = z
  .object({
    q: z.string().trim().min(1).max(200).openapi({ description: 'Words to find in names and contents (prefix matches)' }),
    limit,
    offset: z.coerce.number().int().min(0).max(1000).default(0),
  })
  .strict();

export const timelineQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();

export const contextView = z
  .object({
    chittyId: z.string(),
    name: z.string(),
    owner: z.string(),
    data: z.array(z.unknown()),
    systems: z.array(z.string()),
    tools: z.array(z.string()),
    status,
    dnaId: z.string().nullable().openapi({ description: 'Set once ChittyDNA has the record' }),
    timelineId: z.string().nullable(),
    version: z.number().openapi({ description: 'Bumped by every change; the ETag' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Context');

export const contextPage = z.object({ contexts: z.array(contextView), nextCursor: z.string().nullable() }).openapi('ContextPage');

export const searchPage = z
  .object({
    contexts: z.array(contextView.extend({ rank: z.number() })),
    nextOffset: z.number().nullable(),
  })
  .openapi('ContextSearchPage');

export type ContextStatus = 'active' | 'inactive';

export interface Context {
  chittyId: string;
  name: string;
  owner: string;
  data: unknown[];
  systems: string[];
  tools: string[];
  status: ContextStatus | 'deleted';
  dnaId: string | null;
  timelineId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}
