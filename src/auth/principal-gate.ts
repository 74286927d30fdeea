/**
 * The principal's gate: one Durable Object per principal that every authenticated request passes
 * through once. It does two things a Durable Object does exactly, because it handles one call at a
 * time and there is one of it in the world:
 *   - **rate limiting**: a count in a fixed window that opens with the principal's first request —
 *     exact under any concurrency, unlike a KV read-then-write (concurrent requests slip through
 *     together) or the Workers rate-limiting binding (per location, eventually consistent);
 *   - **the actor snapshot**: the principal's actor row as last read from D1, so a hot request
 *     needs no D1 read. Every change to an actor invalidates its snapshot here before and after
 *     the D1 write, and a reader's snapshot is kept only if no invalidation happened since its
 *     read began (the epoch), so a suspension is seen by the very next request, in any isolate.
 * It also keeps the principal's **data version**, bumped around every write to its contexts, so
 * isolates can cache the principal's reads and know exactly when they are stale, and its
 * **Idempotency-Key claims**: which keys are in flight, and the sealed records of recent replies.
 * State lives in memory: an evicted object starts a fresh window and re-reads D1, which errs only
 * towards letting an idle caller in and towards one more D1 read.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Sealed } from '../crypto/sealed';
import type { Actor } from './schema';

/** The binding the gate helpers need (Env has it; named here so this module imports no env.ts, which names this class). */
export interface GateBinding {
  PRINCIPAL_GATE: DurableObjectNamespace<PrincipalGate>;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface Admission {
  decision: RateLimitDecision;
  /** The actor as last read (null: not registered); undefined when the gate does not know. */
  snapshot: Actor | null | undefined;
  /** Pass back to `remember` after reading D1, so a read older than an invalidation is dropped. */
  epoch: number;
  /** Bumped around every change to the principal's own data (contexts): keys read caches. */
  dataVersion: number;
}

/**
 * What is kept of a write made with an Idempotency-Key (here and in IDEMP_KV): its reply — request
 * fingerprint, status, headers, body — sealed under the credentials keyring, or `null` when no
 * keyring is configured (then only the fact that the key was used). Never the reply in clear: it
 * may carry a secret shown once (a new API key, a delegation token). See `./idempotency.ts`.
 */
export interface IdempotentRecord {
  v: 1;
  sealed: Sealed | null;
}

export type IdempotencyClaim = { state: 'new' } | { state: 'in_flight' } | { state: 'done'; record: IdempotentRecord };

const RECENT_REPLIES = 200;
const IN_FLIGHT_MS = 60_000;
const RECENT_MS = 15 * 60_000;

export class PrincipalGate extends DurableObject {
  private windowStart = 0;
  private count = 0;
  private epoch = 0;
  private snapshot: Actor | null | undefined = undefined;
  private dataVersion = 0;
  private readonly inFlight = new Map<string, number>();
  private readonly recent = new Map<string, { record: IdempotentRecord; at: number }>();

  /** Counts one request against `limit` per `windowMs` and hands out what is known of the actor. */
  admit(limit: number, windowMs: number): Admission {
    const now = Date.now();
    if (now - this.windowStart >= windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    const resetMs = this.windowStart + windowMs - now;
    const allowed = this.count < limit;
    if (allowed) this.count += 1;
    return {
      decision: { allowed, limit, remaining: limit - this.count, resetMs },
      snapshot: this.snapshot,
      epoch: this.epoch,
      dataVersion: this.dataVersion,
    };
  }

  /** Keeps a snapshot read from D1, unless the actor was changed since the read began. */
  remember(actor: Actor | null, epoch: number): void {
    if (epoch === this.epoch && this.snapshot === undefined) this.snapshot = actor;
  }

  /** Marks the principal's data changed: called before and after every write to it. */
  bumpData(): void {
    this.dataVersion += 1;
  }

  /** Forgets the snapshot: called around every change to the actor. */
  invalidate(): void {
    this.epoch += 1;
    this.snapshot = undefined;
  }

  /**
   * Starts a write under an Idempotency-Key, exactly once: the first caller gets `new`, a
   * concurrent duplicate `in_flight`, a later one the recent record (KV keeps it for 24 h).
   */
  claimIdempotency(key: string): IdempotencyClaim {
    const now = Date.now();
    const recent = this.recent.get(key);
    if (recent && now - recent.at < RECENT_MS) return { state: 'done', record: recent.record };
    const started = this.inFlight.get(key);
    if (started !== undefined && now - started < IN_FLIGHT_MS) return { state: 'in_flight' };
    this.inFlight.set(key, now);
    return { state: 'new' };
  }

  /** Ends a claimed write; with a record (its sealed reply), later duplicates get it. */
  settleIdempotency(key: string, record: IdempotentRecord | null): void {
    this.inFlight.delete(key);
    if (!record) return;
    this.recent.set(key, { record, at: Date.now() });
    if (this.recent.size > RECENT_REPLIES) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }
}

/** The gate of a principal (by its ChittyAuth principal id, or another stable key). */
export function gateFor(env: GateBinding, key: string): DurableObjectStub<PrincipalGate> {
  return env.PRINCIPAL_GATE.get(env.PRINCIPAL_GATE.idFromName(key));
}

/**
 * Runs a write to a principal's own data (its contexts) between two bumps of its data version, as
 * `changingActor` does for the actor itself: read caches keyed by the version can never serve the
 * old data once the write has returned, in any isolate.
 */
export async function changingData<T>(env: GateBinding, principalId: string, write: () => Promise<T>): Promise<T> {
  const gate = gateFor(env, principalId);
  await gate.bumpData();
  try {
    return await write();
  } finally {
    await gate.bumpData().catch(() => gate.bumpData());
  }
}

/**
 * Runs a change to an actor between two invalidations of its snapshot: before (so no new reader
 * caches the old row while the write is in flight — if the gate cannot be reached, nothing is
 * written) and after (dropping anything cached in between).
 */
export async function changingActor<T>(env: GateBinding, principalId: string, write: () => Promise<T>): Promise<T> {
  const gate = gateFor(env, principalId);
  await gate.invalidate();
  try {
    return await write();
  } finally {
    // The change is written: the stale snapshot must go. One retry before giving up loudly.
    await gate.invalidate().catch(() => gate.invalidate());
  }
}
