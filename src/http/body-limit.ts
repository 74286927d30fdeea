/**
 * Caps request bodies (by Content-Length and while streaming, via Hono's bodyLimit) and answers
 * 413 problem+json past the cap. Routes that take bigger bodies mount their own limit.
 */
import { bodyLimit } from 'hono/body-limit';
import { AppError } from './errors';

/** Default cap for API request bodies. */
export const API_BODY_LIMIT_BYTES = 1024 * 1024;

export function limitBody(maxSize = API_BODY_LIMIT_BYTES) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError(413, 'payload_too_large', `The request body is larger than ${maxSize} bytes; send less.`);
    },
  });
}
