/** The validation hook every OpenAPIHono router uses: failures become 400 problems naming the field. */
import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { validationError } from './validation';

// biome-ignore lint/suspicious/noExplicitAny: Hook is generic over each route's input and output; the hook handles all of them alike.
export const defaultHook: Hook<any, AppEnv, any, any> = (result) => {
  // On failure `data` is the input that was validated (zod-validator passes it), so a missing field reads "required".
  if (!result.success) throw validationError(result.error, result.target, (result as { data?: unknown }).data);
};
