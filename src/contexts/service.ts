/**
 * Context writes and the rules around them: a new context gets its ChittyID from the authority
 * (no id, no context: 503 and nothing written), names are unique among live contexts, changes
 * need the current ETag (`If-Match`), and every change is written with its outbox event in one
 * batch — the event exists exactly when the change does.
 */
import type { EcosystemClient } from '../ecosystem/client';
import { AppError } from '../http/errors';
import { outboxInsert } from '../queue/store';
import type { Context, ContextStatus } from './schema';
import {
  type ContextChanges,
  insertContext,
  nameTaken,
  outboxIfChanged,
  ownedContext,
  setContextDna,
  softDeleteContext,
  updateContext,
} from './store';

export const etagOf = (c: Pick<Context, 'version'>) => `"${c.version}"`;

/** The version an `If-Match` header names; missing → 428, malformed or `*` → 400. */
export function versionFromIfMatch(header: string | undefined): number {
  if (header === undefined) {
    throw new AppError(
      428,
      'precondition_required',
      'Send If-Match with the ETag from your last read, so changes cannot overwrite each other.',
    );
  }
  const m = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (!m?.[1]) throw new AppError(400, 'invalid_if_match', 'If-Match must be the ETag from your last read, e.g. "3".');
  return Number(m[1]);
}

function notFound(id: string): AppError {
  return new AppError(404, 'context_not_found', `No context ${id}.`);
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && /UNIQUE constraint failed: contexts\.name/i.test(err.message);
}

function nameConflict(name: string): AppError {
  return new AppError(409, 'name_taken', `A context named "${name}" already exists; choose another name.`);
}

export interface NewContext {
  name: string;
  data?: unknown[];
  systems?: string[];
  tools?: string[];
  status?: ContextStatus;
}

export async function createContext(
  db: D1Database,
  client: EcosystemClient,
  ownerIds: { chittyId: string; principalId: string },
  input: NewContext,
): Promise<Context> {
  const owner = ownerIds.chittyId;
  // Checked first so a taken name costs no ChittyID; the unique index still decides races.
  if (await nameTaken(db, input.name)) throw nameConflict(input.name);
  const { chittyId } = await client.id.mint('CONTEXT', { name: input.name, owner });
  const now = new Date().toISOString();
  const context: Context = {
    chittyId,
    name: input.name,
    owner,
    data: input.data ?? [],
    systems: input.systems ?? [],
    tools: input.tools ?? [],
    status: input.status ?? 'active',
    dnaId: null,
    timelineId: chittyId, // Chronicle keeps an entity's timeline under its ChittyID
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  const event = outboxInsert(
    db,
    {
      aggregate: 'context',
      aggregateId: chittyId,
      eventType: 'context.created',
      payload: {
        chittyId,
        name: context.name,
        owner,
        ownerPrincipal: ownerIds.principalId, // whose read caches to refresh when DNA is set
        systems: context.systems,
        tools: context.tools,
        status: context.status,
        version: 1,
      },
    },
    new Date(now),
  );
  try {
    await db.batch([insertContext(db, context), event.statement]);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameConflict(input.name);
    throw err;
  }
  return context;
}

export async function changeContext(
  db: D1Database,
  owner: string,
  id: string,
  expectedVersion: number,
  changes: ContextChanges,
): Promise<Context> {
  const current = await ownedContext(db, id, owner);
  if (!current) throw notFound(id);
  if (current.version !== expectedVersion) throw preconditionFailed(current);
  if (changes.name !== undefined && changes.name !== current.name && (await nameTaken(db, changes.name))) throw nameConflict(changes.name);
  const now = new Date().toISOString();
  const eventId = crypto.randomUUID();
  const event = {
    aggregate: 'context' as const,
    aggregateId: id,
    eventType: 'context.updated',
    payload: { chittyId: id, fields: Object.keys(changes), version: expectedVersion + 1, ...changes },
  };
  let results: D1Result[];
  try {
    results = await db.batch([updateContext(db, id, owner, expectedVersion, changes, now), outboxIfChanged(db, event, eventId, now)]);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameConflict(changes.name ?? '');
    throw err;
  }
  if ((results[0]?.meta.changes ?? 0) === 0) {
    // Someone else changed (or deleted) it between our read and our write.
    const latest = await ownedContext(db, id, owner);
    if (!latest) throw notFound(id);
    throw preconditionFailed(latest);
  }
  return (await ownedContext(db, id, owner)) ?? current;
}

export async function deleteContext(db: D1Database, owner: string, id: string, expectedVersion: number | null): Promise<void> {
  const now = new Date().toISOString();
  const eventId = crypto.randomUUID();
  const event = { aggregate: 'context' as const, aggregateId: id, eventType: 'context.deleted', payload: { chittyId: id } };
  const results = await db.batch([softDeleteContext(db, id, owner, expectedVersion, now), outboxIfChanged(db, event, eventId, now)]);
  if ((results[0]?.meta.changes ?? 0) === 0) {
    const latest = await ownedContext(db, id, owner);
    if (!latest) throw notFound(id);
    throw preconditionFailed(latest);
  }
}

function preconditionFailed(current: Context): AppError {
  return new AppError(
    412,
    'version_mismatch',
    `The context changed since you read it (now ETag ${etagOf(current)}); read it again, then retry.`,
    {
      headers: { etag: etagOf(current) },
    },
  );
}

/** Keyset cursor ⇄ opaque string. A cursor that does not decode is a 400, not a 500. */
export function encodeCursor(c: Pick<Context, 'createdAt' | 'chittyId'>): string {
  return btoa(JSON.stringify([c.createdAt, c.chittyId]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export function decodeCursor(cursor: string): { createdAt: string; chittyId: string } {
  try {
    const [createdAt, chittyId] = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/'))) as unknown[];
    if (typeof createdAt === 'string' && typeof chittyId === 'string') return { createdAt, chittyId };
  } catch {
    // fall through
  }
  throw new AppError(400, 'invalid_cursor', 'The cursor is not one this API gave out; start again without it.', {
    errors: [{ field: 'query.cursor', message: 'not a valid cursor' }],
  });
}

/**
 * Free text → an FTS5 query that cannot be a syntax error: up to 10 words, each quoted and
 * prefix-matched, all required. Returns null when nothing searchable is left.
 */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}]+/gu)?.slice(0, 10) ?? [];
  if (words.length === 0) return null;
  return words.map((w) => `"${w}"*`).join(' AND ');
}

/** Whether `owner` has a live context with this id (for other features: a connection's source). */
export async function ownsContext(db: D1Database, owner: string, chittyId: string): Promise<boolean> {
  return (await ownedContext(db, chittyId, owner)) !== null;
}

/** Records the DNA id ChittyDNA gave a context (the first one only; a later id never replaces it). */
export async function recordContextDna(db: D1Database, chittyId: string, dnaId: string): Promise<void> {
  await setContextDna(db, chittyId, dnaId).run();
}
