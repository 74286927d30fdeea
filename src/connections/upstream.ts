/**
 * Bounded calls to a connection's target, shared by health checks and the proxy: one deadline
 * covers sending the request *and* reading the answer (a target that answers headers quickly and
 * then trickles its body still times out), and a body is read chunk by chunk up to a byte cap,
 * so a huge answer is refused without being held in memory. Redirects are never followed: a 3xx
 * goes back as it came, so a target cannot bounce a request (with its credentials) elsewhere.
 */
import type { FetchLike } from '../ecosystem/transport';

/** A timer and an abort signal that end together; `race` resolves 'timeout' once it has passed. */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly expired: Promise<'timeout'>;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly ms: number) {
    this.signal = this.controller.signal;
    this.expired = new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.controller.abort();
        resolve('timeout');
      }, ms);
    });
  }

  race<T>(promise: Promise<T>): Promise<T | 'timeout'> {
    return Promise.race([promise, this.expired]);
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

export type Sent = { kind: 'response'; response: Response } | { kind: 'timeout' } | { kind: 'unreachable'; error: unknown };

/** Sends one request before the deadline; network failures are `unreachable`, never thrown. */
export async function sendWithin(fetch: FetchLike, url: URL, init: RequestInit, deadline: Deadline): Promise<Sent> {
  try {
    const request = new Request(url, { ...init, redirect: 'manual', signal: deadline.signal });
    const response = await deadline.race(fetch(request));
    return response === 'timeout' ? { kind: 'timeout' } : { kind: 'response', response };
  } catch (error) {
    return deadline.signal.aborted ? { kind: 'timeout' } : { kind: 'unreachable', error };
  }
}

export type Read =
  | { kind: 'body'; bytes: Uint8Array }
  | { kind: 'too_large' }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; error: unknown };

function discard(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  reader.cancel().catch(() => undefined);
}

/** Reads a body of at most `maxBytes` before the deadline. */
export async function readWithin(response: Response, maxBytes: number, deadline: Deadline): Promise<Read> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    if (response.body) discard(response.body.getReader());
    return { kind: 'too_large' };
  }
  if (!response.body) return { kind: 'body', bytes: new Uint8Array() };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const step = await deadline.race(reader.read());
      if (step === 'timeout') {
        discard(reader);
        return { kind: 'timeout' };
      }
      if (step.done) break;
      total += step.value.byteLength;
      if (total > maxBytes) {
        discard(reader);
        return { kind: 'too_large' };
      }
      chunks.push(step.value);
    }
  } catch (error) {
    return deadline.signal.aborted ? { kind: 'timeout' } : { kind: 'unreachable', error };
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { kind: 'body', bytes };
}
