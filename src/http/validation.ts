/**
 * Turns a failed zod validation into a 400 problem that names each offending field, so a client
 * can fix its request without guessing. Used as the default hook of every OpenAPI route.
 */
import type { ZodError } from 'zod';
import { AppError, type FieldError } from './errors';

export function validationError(error: ZodError, target: string): AppError {
  const errors: FieldError[] = error.issues.slice(0, 50).map((issue) => ({
    field: [target, ...issue.path.map(String)].join('.'),
    message: issue.message,
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
  if (!result.success) throw validationError(result.error, 'json');
  return result.data;
}
