/**
 * One error type for the whole app, rendered in one place as `application/problem+json`
 * (RFC 9457) with a stable `code` and the request id. Anything thrown that is not an AppError is
 * logged and shown to the client as a generic 500: internal reasons stay off the wire. A 5xx
 * AppError that carries a `cause` is logged once too, with that cause.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { EcosystemError, EcosystemRejectedError } from '../ecosystem/errors';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `body.name` or `query.limit`. */
  field: string;
  message: string;
}

export interface AppErrorExtra {
  errors?: FieldError[];
  retryAfterSeconds?: number;
  headers?: Record<string, string>;
  /** What went wrong underneath (a 5xx's reason): logged once by `onError`, never sent to the client. */
  cause?: unknown;
}

export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly detail: string,
    readonly extra: AppErrorExtra = {},
  ) {
    super(detail, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'AppError';
  }
}

/** A one-line description of a cause for logs: name and message, never the whole object. */
export function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const PROBLEM_TYPE_BASE = 'https://connect.chitty.cc/problems/';

/** Renders a problem+json response. */
export function problem(c: Context, err: AppError): Response {
  const body: Record<string, unknown> = {
    type: `${PROBLEM_TYPE_BASE}${err.code}`,
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    code: err.code,
    detail: err.detail,
    instance: c.req.path,
    requestId: c.get('requestId'),
  };
  if (err.extra.errors) body.errors = err.extra.errors;
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', ...err.extra.headers };
  if (err.extra.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.extra.retryAfterSeconds);
  return c.body(JSON.stringify(body), err.status, headers);
}

/** Maps anything thrown to an AppError; unknown errors become a generic 500. */
export function toAppError(err: unknown): { appError: AppError; unexpected: boolean } {
  if (err instanceof AppError) return { appError: err, unexpected: false };
  if (err instanceof EcosystemError) {
    return {
      appError: new AppError(503, 'ecosystem_unavailable', `${err.service} is unavailable right now; retry later.`, {
        retryAfterSeconds: err.retryAfterSeconds,
        cause: err,
      }),
      unexpected: false,
    };
  }
  if (err instanceof EcosystemRejectedError) {
    // The service is up and refused our call: our request to it was wrong, not the client's.
    return {
      appError: new AppError(
        502,
        'ecosystem_rejected',
        `${err.service} refused the request ChittyConnect made for this call; quote the request id.`,
        { cause: err },
      ),
      unexpected: true,
    };
  }
  if (err instanceof HTTPException) {
    if (err.status === 400 && err.message.startsWith('Malformed JSON')) {
      return {
        appError: new AppError(400, 'malformed_json', 'The request body is not valid JSON; check its syntax.'),
        unexpected: false,
      };
    }
    const status = err.status as ContentfulStatusCode;
    return { appError: new AppError(status, `http_${status}`, err.message || TITLES[status] || 'Error'), unexpected: false };
  }
  return {
    appError: new AppError(500, 'internal_error', 'Something went wrong on our side; quote the request id if it persists.', {
      cause: err,
    }),
    unexpected: true,
  };
}
