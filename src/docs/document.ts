/**
 * What the generated OpenAPI document needs beyond the route definitions: the two credential
 * schemes (either one opens every /v1 route that does not say `security: []`), the servers, and
 * the `Idempotency-Key` header on the writes the idempotency middleware honours (POST, PATCH and
 * DELETE under /v1; proxied calls are not in the document — they pass the header on).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { IDEMPOTENCY_TTL_SECONDS } from '../auth/idempotency';

export const SERVERS = [
  { url: 'https://connect.chitty.cc', description: 'Production' },
  { url: 'https://connect-staging.chitty.cc', description: 'Staging' },
  { url: 'http://127.0.0.1:8787', description: 'Local (`npm start`; another port if you chose one)' },
];

/** Either credential: the document's default security; public routes override it with `security: []`. */
export const SECURITY: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }];

const WRITE_METHODS = ['post', 'patch', 'delete'];

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: `Makes a retry safe: the first reply is kept for ${IDEMPOTENCY_TTL_SECONDS / 3600} h and a retry with the same key and request gets it again (\`Idempotent-Replayed: true\`) without repeating the write; the same key with a different request is 422 \`idempotency_key_reused\`, and a retry while the first is still running is 409 \`idempotency_in_flight\`.`,
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', examples: ['4b7c2a0e-9d1f-4e55-8a43-2f0f6b1c9e11'] },
} as const;

/** Registers the credential schemes on `app`'s registry. */
export function registerSecuritySchemes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A ChittyAuth bearer token, or a ChittyConnect delegation token',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'An API key made with `POST /v1/keys`, limited to the scopes chosen then',
  });
}

interface Operation {
  parameters?: unknown[];
}

/** Adds the `Idempotency-Key` header to every write under /v1 in `paths` (in place). */
export function documentIdempotency(paths: object | undefined): void {
  for (const [path, item] of Object.entries(paths ?? {}) as [string, Record<string, Operation | undefined> | undefined][]) {
    if (!path.startsWith('/v1/') || !item) continue;
    for (const method of WRITE_METHODS) {
      const operation = item[method];
      if (operation) operation.parameters = [...(operation.parameters ?? []), IDEMPOTENCY_KEY];
    }
  }
}
