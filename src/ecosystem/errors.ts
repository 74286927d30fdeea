/**
 * Typed failures of calls to ChittyOS services, so callers can tell "the service is not there
 * right now" (→ 503 with Retry-After) from "the service said no" (→ a decision of the caller).
 */
import type { ServiceName } from './services';

/** Base class: the service could not give a usable answer. Maps to 503 + Retry-After. */
export class EcosystemError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly reason: 'unreachable' | 'timeout' | 'server_error' | 'circuit_open' | 'bad_response' | 'not_configured',
    message: string,
    /** Seconds a caller should wait before trying again. */
    readonly retryAfterSeconds = 5,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EcosystemError';
  }
}

/** The service answered with a 4xx: it is up, and it refused this request. Not retried. */
export class EcosystemRejectedError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${service} refused the request with ${status}`);
    this.name = 'EcosystemRejectedError';
  }
}
