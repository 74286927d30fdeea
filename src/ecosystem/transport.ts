/**
 * How every call to a ChittyOS service goes out: base URL from discovery, the service's bearer
 * token, a per-call timeout, a circuit breaker per service, and retries with exponential backoff
 * and full jitter — for idempotent calls only. A non-idempotent call (a mint, a log entry without
 * an event id) is sent once: repeating it blindly could create a second entity.
 */
import type { z } from 'zod';
import type { Logger } from '../lib/log';
import { CircuitBreaker } from './circuit-breaker';
import { EcosystemError, EcosystemRejectedError } from './errors';
import type { ServiceName } from './services';

export type FetchLike = (request: Request) => Promise<Response>;

export interface TransportOptions {
  /** The outside world: a service binding to the emulator locally, the global fetch in production. */
  fetch: FetchLike;
  tokens: Partial<Record<ServiceName, string>>;
  log: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  timeoutMs: number;
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  breakerFailureThreshold: number;
  breakerOpenMs: number;
}

export const DEFAULT_TRANSPORT_OPTIONS = {
  timeoutMs: 4_000,
  maxRetries: 2,
  backoffBaseMs: 100,
  backoffMaxMs: 2_000,
  breakerFailureThreshold: 5,
  breakerOpenMs: 30_000,
} as const;

export interface CallSpec<T> {
  service: ServiceName;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  /** Safe to repeat. Defaults to true for GET, false otherwise. */
  idempotent?: boolean;
  headers?: Record<string, string>;
  /** Shape of a successful response body; a mismatch is a bad response. */
  schema: z.ZodType<T>;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; error: EcosystemError };

export class Transport {
  private readonly breakers = new Map<ServiceName, CircuitBreaker>();

  constructor(
    readonly options: TransportOptions,
    private readonly baseUrlOf: (service: ServiceName) => Promise<string>,
  ) {}

  breaker(service: ServiceName): CircuitBreaker {
    let breaker = this.breakers.get(service);
    if (!breaker) {
      breaker = new CircuitBreaker({
        failureThreshold: this.options.breakerFailureThreshold,
        openMs: this.options.breakerOpenMs,
        now: this.options.now,
      });
      this.breakers.set(service, breaker);
    }
    return breaker;
  }

  /** Makes the call, retrying where safe; throws EcosystemError or EcosystemRejectedError. */
  async call<T>(spec: CallSpec<T>): Promise<T> {
    const idempotent = spec.idempotent ?? spec.method === 'GET';
    const attempts = idempotent ? this.options.maxRetries + 1 : 1;
    let last: EcosystemError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await this.options.sleep(this.backoff(attempt));
      const result = await this.attempt(spec);
      if (result.ok) return result.value;
      last = result.error;
      if (last.reason === 'circuit_open' || last.reason === 'not_configured') break;
      this.options.log.log('warn', 'ecosystem.call_failed', {
        service: spec.service,
        path: spec.path,
        attempt: attempt + 1,
        of: attempts,
        reason: last.reason,
        status: last.status,
      });
    }
    throw last ?? new EcosystemError(spec.service, 'unreachable', `${spec.service}: no attempt was made`);
  }

  /** Full jitter: a random delay in [0, min(max, base · 2^attempt)). */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** attempt);
    return Math.floor(this.options.random() * ceiling);
  }

  private async attempt<T>(spec: CallSpec<T>): Promise<Attempt<T>> {
    const { service } = spec;
    const breaker = this.breaker(service);
    if (!breaker.tryAcquire()) {
      const wait = Math.max(1, Math.ceil(breaker.remainingOpenMs / 1000));
      return fail(new EcosystemError(service, 'circuit_open', `${service}: circuit open`, wait));
    }
    const outcome = await this.send(spec);
    if (outcome.ok || outcome.error instanceof EcosystemRejectedError) breaker.onSuccess();
    else breaker.onFailure();
    if (outcome.ok) return outcome;
    if (outcome.error instanceof EcosystemRejectedError) throw outcome.error;
    return fail(outcome.error);
  }

  private async send<T>(
    spec: CallSpec<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; error: EcosystemError | EcosystemRejectedError }> {
    const { service } = spec;
    const token = this.options.tokens[service];
    let url: URL;
    try {
      url = new URL(spec.path, await this.baseUrlOf(service));
    } catch {
      return { ok: false, error: new EcosystemError(service, 'not_configured', `${service}: no usable base URL`) };
    }
    const headers = new Headers({ accept: 'application/json', ...spec.headers });
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (spec.body !== undefined) headers.set('content-type', 'application/json');

    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve('timeout');
      }, this.options.timeoutMs);
    });
    try {
      const request = new Request(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: controller.signal,
      });
      const response = await Promise.race([this.options.fetch(request), timedOut]);
      if (response === 'timeout') {
        return { ok: false, error: new EcosystemError(service, 'timeout', `${service}: no answer in ${this.options.timeoutMs} ms`) };
      }
      const text = await Promise.race([response.text(), timedOut]);
      if (text === 'timeout') {
        return { ok: false, error: new EcosystemError(service, 'timeout', `${service}: body not received in time`) };
      }
      if (response.status >= 500 || response.status === 429) {
        const retryAfter = Number(response.headers.get('retry-after'));
        return {
          ok: false,
          error: new EcosystemError(
            service,
            'server_error',
            `${service}: answered ${response.status}`,
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 5,
            response.status,
          ),
        };
      }
      const body = parseJson(text);
      if (response.status >= 400) return { ok: false, error: new EcosystemRejectedError(service, response.status, body) };
      const parsed = spec.schema.safeParse(body);
      if (!parsed.success) {
        return {
          ok: false,
          error: new EcosystemError(service, 'bad_response', `${service}: response did not match the expected shape`, 5, response.status),
        };
      }
      return { ok: true, value: parsed.data };
    } catch (err) {
      const reason = controller.signal.aborted ? 'timeout' : 'unreachable';
      return {
        ok: false,
        error: new EcosystemError(service, reason, `${service}: ${err instanceof Error ? err.message : 'fetch failed'}`),
      };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}

function fail<T>(error: EcosystemError): Attempt<T> {
  return { ok: false, error };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
