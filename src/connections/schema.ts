/**
 * Request and response shapes of the connections API (zod → validation and OpenAPI). Bodies are
 * strict: unknown fields are refused and named. `config` and `metadata` are free-form JSON, but
 * bounded in depth, size and value count by an iterative walk, so a hostile body cannot make
 * validation recurse or store something huge. Cross-field rules (how credentials are injected,
 * what an endpoint may be) are in `rules.ts`.
 */
import { z } from '@hono/zod-openapi';
import { parseChittyId } from '../ecosystem/chitty-id';
import { SERVICE_NAMES } from '../ecosystem/services';
import { CONNECTION_ID, HEADER_NAME, HEADER_VALUE } from './fields';

export const TARGET_SERVICES = [...SERVICE_NAMES, 'http'] as const;
export type TargetService = (typeof TARGET_SERVICES)[number];
export const CONNECTION_TYPES = ['api', 'webhook', 'oauth', 'direct'] as const;
export const CONNECTION_STATUSES = ['active', 'failed', 'disconnected'] as const;
export const PROXY_MAX_TIMEOUT_MS = 10_000;

const MAX_JSON_NODES = 500;

/** What is wrong with a JSON value that must stay small, or null: checked without recursion. */
export function jsonBoundProblem(value: unknown, maxDepth: number, maxBytes: number): string | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let nodes = 0;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (++nodes > MAX_JSON_NODES) return `holds more than ${MAX_JSON_NODES} values`;
    if (depth > maxDepth) return `is nested deeper than ${maxDepth} levels`;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') continue;
    if (typeof v !== 'object') return 'is not JSON';
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  if (new TextEncoder().encode(JSON.stringify(value)).length > maxBytes) return `is larger than ${maxBytes} bytes as JSON`;
  return null;
}

function boundedObject(maxDepth: number, maxBytes: number) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const problem = jsonBoundProblem(value, maxDepth, maxBytes);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; keep it small (≤ ${maxBytes} bytes, ≤ ${maxDepth} levels)` });
  };
}

/** How stored credentials are put on a proxied request. */
export const authConfig = z
  .union([
    z.object({ scheme: z.literal('bearer') }).strict(),
    z.object({ scheme: z.literal('basic') }).strict(),
    z.object({ header: HEADER_NAME, prefix: HEADER_VALUE.max(32).optional() }).strict(),
  ])
  .openapi('ConnectionAuth', {
    description:
      '`{scheme:"bearer"}` → `Authorization: Bearer <secret>`; `{scheme:"basic"}` → `Authorization: Basic base64(username:password)`; `{header:"X-Api-Key", prefix?}` → `X-Api-Key: <prefix><secret>`',
  });
export type AuthConfig = z.infer<typeof authConfig>;

const config = z
  .object({
    auth: authConfig.optional(),
    timeoutMs: z.number().int().min(100).max(PROXY_MAX_TIMEOUT_MS).optional().openapi({ description: 'Proxy timeout (default 10 s)' }),
  })
  .catchall(z.unknown())
  .superRefine(boundedObject(5, 4096))
  .openapi('ConnectionConfig', { description: 'Free-form settings (≤ 4 KiB); `auth` and `timeoutMs` are read by the proxy' });

const secret = z.string().min(1).max(4096);
export const credentialsSchema = z
  .union([
    secret,
    z
      .record(z.string().min(1).max(64), secret)
      .refine((o) => Object.keys(o).length >= 1 && Object.keys(o).length <= 16, 'between 1 and 16 entries'),
  ])
  .openapi({ description: 'Write-only secrets: a string, or {token} / {username, password} / other named strings. Never returned.' });
export type Credentials = z.infer<typeof credentialsSchema>;

const chittyIdLike = z
  .string()
  .max(64)
  .refine((v) => parseChittyId(v) !== null, 'not a ChittyID (VV-G-LLL-SSSS-T-YM-C-X)');

export const createBody = z
  .object({
    source: z.object({ type: z.enum(['context', 'actor']), id: chittyIdLike }).strict(),
    target: z
      .object({
        service: z.enum(TARGET_SERVICES),
        endpoint: z.string().min(1).max(2048).optional().openapi({ description: 'http(s) URL; required for service "http"' }),
      })
      .strict(),
    type: z.enum(CONNECTION_TYPES).default('api'),
    config: config.optional(),
    credentials: credentialsSchema.optional(),
    tags: z
      .array(
        z
          .string()
          .min(1)
          .max(64)
          .regex(/^[\w.:/-]+$/, 'letters, digits and . : / - _ only'),
      )
      .max(20)
      .optional(),
    metadata: z.record(z.string().max(64), z.unknown()).superRefine(boundedObject(5, 4096)).optional(),
  })
  .strict()
  .openapi('CreateConnection');
export type CreateBody = z.infer<typeof createBody>;

export const idParam = z.object({
  id: CONNECTION_ID.openapi({ param: { name: 'id', in: 'path' }, example: 'conn_0123456789abcdef0123456789abcdef' }),
});

export const listQuery = z
  .object({
    sourceType: z.enum(['context', 'actor']).optional(),
    sourceId: chittyIdLike.optional(),
    target: z.enum(TARGET_SERVICES).optional(),
    status: z.enum(CONNECTION_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(512).optional().openapi({ description: 'From the previous page’s `nextCursor`' }),
  })
  .strict()
  .refine((q) => (q.sourceType === undefined) === (q.sourceId === undefined), {
    message: 'filter by source with both sourceType and sourceId',
    path: ['sourceId'],
  });

export const connectionView = z
  .object({
    connectionId: z.string(),
    owner: z.string(),
    source: z.object({ type: z.enum(['context', 'actor']), id: z.string() }),
    target: z.object({ service: z.enum(TARGET_SERVICES), endpoint: z.string().nullable() }),
    type: z.enum(CONNECTION_TYPES),
    config: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    status: z.enum(CONNECTION_STATUSES),
    hasCredentials: z.boolean(),
    credentialsKeyId: z.string().nullable().openapi({ description: 'The kid of the key that encrypts the credentials' }),
    health: z.object({ lastCheckAt: z.string().nullable(), errorCount: z.number() }),
    usage: z.object({ requestCount: z.number(), lastUsedAt: z.string().nullable() }),
    createdAt: z.string(),
    updatedAt: z.string(),
    disconnectedAt: z.string().nullable(),
  })
  .openapi('Connection');

export const listView = z.object({ connections: z.array(connectionView), nextCursor: z.string().nullable() }).openapi('ConnectionList');

export const statusView = z
  .object({
    connectionId: z.string(),
    status: z.enum(CONNECTION_STATUSES),
    previousStatus: z.enum(CONNECTION_STATUSES),
    reachable: z.boolean(),
    reason: z.string().optional(),
    httpStatus: z.number().optional(),
    latencyMs: z.number(),
    checkedAt: z.string(),
    errorCount: z.number(),
  })
  .openapi('ConnectionStatus');

export const reencryptBody = z
  .object({
    limit: z.number().int().min(1).max(100).default(50),
    cursor: z.string().max(64).optional(),
  })
  .strict()
  .openapi('ReencryptCredentials');

export const reencryptView = z
  .object({
    currentKeyId: z.string(),
    reencrypted: z.number(),
    alreadyCurrent: z.number(),
    failed: z.array(z.object({ connectionId: z.string(), reason: z.string() })),
    remaining: z.boolean(),
    cursor: z.string().nullable().openapi({ description: 'Send back to continue after this batch' }),
  })
  .openapi('ReencryptResult');

export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export interface Connection {
  connectionId: string;
  owner: string;
  sourceType: 'context' | 'actor';
  sourceId: string;
  targetService: TargetService;
  /** '' when the service itself is the target. */
  targetEndpoint: string;
  type: (typeof CONNECTION_TYPES)[number];
  config: Record<string, unknown>;
  credentialsRef: string | null;
  credentialsKid: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  status: ConnectionStatus;
  lastCheckAt: string | null;
  errorCount: number;
  requestCount: number;
  lastUsedAt: string | null;
  createdAt: string;
  updatedAt: string;
  disconnectedAt: string | null;
}
