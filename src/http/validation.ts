/**
 * Turns a failed zod validation into a 400 problem that names each offending field, so a client
 * can fix its request without guessing. Used as the default hook of every OpenAPI route. A field
 * that is missing reads `required` (zod would say "expected string, received undefined"). Also
 * the 415 for a JSON route sent a body that is not declared JSON.
 */
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { AppError, type FieldError } from './errors';

/** The value at `path` inside `input`, or undefined when any step is missing. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * The 400 for `error`. `input` is the value that was validated: with it, a type error on a field
 * that is absent becomes `required`.
 */
export function validationError(error: ZodError, target: string, input?: unknown): AppError {
  const errors: FieldError[] = error.issues.slice(0, 50).map((issue) => ({
    field: [target, ...issue.path.map(String)].join('.'),
    message:
      issue.code === 'invalid_type' && input !== undefined && issue.path.length > 0 && valueAt(input, issue.path) === undefined
        ? 'required'
        : issue.message,
  }));
  const first = errors[0];
  const detail = first
    ? `${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
    : `The request ${target} is invalid.`;
  return new AppError(400, 'validation_failed', detail, { errors });
}

/** Reads an optional JSON body: empty means `{}`; malformed JSON and invalid fields are 400s. */
export function optionalJsonBody<T>(text: string, schema: import('zod').ZodType<T>): T {
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new AppError(400, 'malformed_json', 'The request body is not valid JSON; check its syntax.');
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, 'json', value);
  return result.data;
}

/**
 * The 415 `unsupported_media_type` for the bare 415 that a JSON route's media-type gate
 * (@hono/zod-openapi) throws when a body comes without `Content-Type: application/json`; null
 * for any other error. `contentType` is the request's, quoted (shortened) so the caller sees what
 * was sent.
 */
export function unsupportedMediaType(err: unknown, contentType: string | undefined): AppError | null {
  if (!(err instanceof HTTPException) || err.status !== 415) return null;
  const sent = contentType ? `Content-Type: ${contentType.slice(0, 100)}` : 'no Content-Type';
  return new AppError(
    415,
    'unsupported_media_type',
    `This route takes a JSON body: send it with \`Content-Type: application/json\` (this request had ${sent}).`,
  );
}
