/**
 * Actor registration and changes: the rules beyond plain storage. Registration mints the actor's
 * ChittyID from the authority (no id, no actor: 503), initialises its DNA where DNA is up, and
 * writes the actor with its outbox event in one batch. Changes check who may change what.
 */

import { isSelfWith } from '../auth/authorize';
import { covers, coversAll, missing } from '../auth/capabilities';
import type { Principal } from '../auth/principal';
import { changingActor } from '../auth/principal-gate';
import type { EcosystemClient } from '../ecosystem/client';
import type { Env } from '../env';
import { AppError } from '../http/errors';
import { consoleLogger } from '../lib/log';
import { outboxInsert } from '../queue/store';
import type { Actor } from './schema';
import { type ActorChanges, actorById, actorByPrincipal, insertActor, setActorDna, updateActor } from './store';

export interface Profile {
  displayName?: string | null;
  email?: string | null;
  avatarUrl?: string | null;
}

/** The actor's DNA id, or null when DNA is down (the outbox consumer initialises it once DNA is back). */
async function initialDna(client: EcosystemClient, chittyId: string, actorType: Principal['actorType']): Promise<string | null> {
  try {
    return (await client.dna.initialize(chittyId, 'actor', { actorType })).dnaId;
  } catch (err) {
    consoleLogger.log('warn', 'actors.dna_deferred', { chittyId, error: err instanceof Error ? err.message : String(err) });
    return null;
  }
}

/** A newly registered actor: active, with the principal's type and capabilities and the profile given. */
function newActor(chittyId: string, principal: Principal, profile: Profile, dnaId: string | null): Actor {
  const now = new Date().toISOString();
  return {
    chittyId,
    actorType: principal.actorType,
    principalId: principal.principalId,
    displayName: profile.displayName ?? null,
    email: profile.email ?? null,
    avatarUrl: profile.avatarUrl ?? null,
    capabilities: principal.capabilities,
    status: 'active',
    dnaId,
    sessionCount: 0,
    lastSeenAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** Registers the principal as an actor; returns the existing one (created: false) if already registered. */
export async function registerActor(
  env: Env,
  client: EcosystemClient,
  principal: Principal,
  profile: Profile,
): Promise<{ actor: Actor; created: boolean }> {
  if (principal.credential !== 'chittyauth') {
    throw new AppError(
      403,
      'registration_requires_chittyauth',
      'Register with your ChittyAuth bearer token, not an API key or delegation token.',
    );
  }
  const db = env.DB;
  const existing = await actorByPrincipal(db, principal.principalId);
  if (existing) return { actor: existing, created: false };

  // One principal, one actor id: racing registrations ask the authority with the same key.
  const { chittyId } = await client.id.mint(
    'ACTOR',
    { principalId: principal.principalId, actorType: principal.actorType },
    `actor-register:${principal.principalId}`,
  );
  const dnaId = await initialDna(client, chittyId, principal.actorType);
  const actor = newActor(chittyId, principal, profile, dnaId);
  const event = outboxInsert(db, {
    aggregate: 'actor',
    aggregateId: chittyId,
    eventType: 'actor.registered',
    payload: { chittyId, actorType: actor.actorType, dnaId, capabilities: actor.capabilities },
  });
  try {
    await changingActor(env, principal.principalId, () => db.batch([insertActor(db, actor), event.statement]));
  } catch (err) {
    // A concurrent registration of the same principal won the unique index: answer with its actor.
    const winner = await actorByPrincipal(db, principal.principalId);
    if (winner) return { actor: winner, created: false };
    throw err;
  }
  return { actor, created: true };
}

/** Applies a PATCH after checking the caller may make each change. */
export async function changeActor(env: Env, caller: Principal, targetId: string, changes: ActorChanges): Promise<Actor> {
  const db = env.DB;
  const target = await actorById(db, targetId);
  if (!target) throw new AppError(404, 'actor_not_found', `No actor ${targetId}.`);
  const self = caller.registered && caller.chittyId === target.chittyId;
  const held = caller.capabilities;

  const profileChange = changes.displayName !== undefined || changes.email !== undefined || changes.avatarUrl !== undefined;
  if (profileChange && !isSelfWith(caller, target.chittyId, 'profile:write') && !covers(held, 'actors:write')) {
    throw new AppError(403, 'forbidden', 'Only the actor itself (or a holder of actors:write) may change its profile.');
  }
  if (changes.capabilities !== undefined) {
    if (!covers(held, 'actors:grant')) throw new AppError(403, 'forbidden', 'Changing capabilities needs the actors:grant capability.');
    const next = changes.capabilities;
    const touched = [
      ...next.filter((cap) => !target.capabilities.includes(cap)),
      ...target.capabilities.filter((cap) => !next.includes(cap)),
    ];
    if (!coversAll(held, touched)) {
      throw new AppError(
        403,
        'scope_not_held',
        `You can only grant or take away what you hold yourself: ${missing(held, touched).join(', ')}.`,
      );
    }
  }
  if (changes.status !== undefined && changes.status !== target.status) {
    if (self) throw new AppError(403, 'forbidden', 'An actor cannot change its own status.');
    if (!covers(held, 'actors:suspend'))
      throw new AppError(403, 'forbidden', 'Changing an actor’s status needs the actors:suspend capability.');
  }

  const now = new Date().toISOString();
  const eventType = changes.status && changes.status !== target.status ? `actor.${changes.status}` : 'actor.updated';
  const event = outboxInsert(db, {
    aggregate: 'actor',
    aggregateId: target.chittyId,
    eventType,
    payload: { chittyId: target.chittyId, fields: Object.keys(changes), by: caller.chittyId },
  });
  await changingActor(env, target.principalId, () => db.batch([updateActor(db, target.chittyId, changes, now), event.statement]));
  return (await actorById(db, target.chittyId)) ?? target;
}

/** Records the DNA id ChittyDNA gave an actor (the first one only; a later id never replaces it). */
export async function recordActorDna(db: D1Database, chittyId: string, dnaId: string): Promise<void> {
  await setActorDna(db, chittyId, dnaId).run();
}
