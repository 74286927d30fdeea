/** What of an actor each reader may see: everything for itself and for readers holding `actors:read`. */
import type { Actor } from './schema';

export function publicView(a: Actor) {
  return { chittyId: a.chittyId, actorType: a.actorType, displayName: a.displayName, avatarUrl: a.avatarUrl, status: a.status };
}

export function privateView(a: Actor) {
  return {
    ...publicView(a),
    principalId: a.principalId,
    email: a.email,
    capabilities: a.capabilities,
    dnaId: a.dnaId,
    sessionCount: a.sessionCount,
    lastSeenAt: a.lastSeenAt,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}
