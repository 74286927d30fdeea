/** Shared OpenAPI pieces: the problem+json schema and the standard error responses of protected routes. */
import { z } from '@hono/zod-openapi';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    code: z.string().openapi({ description: 'Stable error code; match on this' }),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export function problem(description: string) {
  return { description, content: { 'application/problem+json': { schema: problemSchema } } };
}

/** Errors every authenticated route can answer with. */
export const authErrors = {
  401: problem('Missing or invalid credential (see WWW-Authenticate)'),
  403: problem('Authenticated, but not allowed'),
  429: problem('Rate limit reached (see Retry-After and RateLimit-* headers)'),
  503: problem('A ChittyOS service this request needs is unavailable (see Retry-After)'),
} as const;

/** `content` of a JSON request or response body in a route definition. */
export function jsonContent<T>(schema: T) {
  return { 'application/json': { schema } };
}
