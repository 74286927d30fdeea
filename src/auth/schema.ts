/**
 * The records a credential resolves to, shared by auth/ (which reads them on every request and the
 * gate snapshots the actor) and by the features that own their rows (actors/, keys/), which
 * re-export them from their own schema.ts. They live here, below the features, so auth/ needs no
 * feature to name them.
 */
import type { ActorType } from './principal';

export type ActorStatus = 'active' | 'suspended' | 'deactivated';

export interface Actor {
  chittyId: string;
  actorType: ActorType;
  principalId: string;
  displayName: string | null;
  email: string | null;
  avatarUrl: string | null;
  capabilities: string[];
  status: ActorStatus;
  dnaId: string | null;
  sessionCount: number;
  lastSeenAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKeyRecord {
  keyId: string;
  owner: string;
  ownerPrincipal: string;
  ownerType: ActorType;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** Where API_KEYS KV caches a live key's record: written by keys/, read by the API key resolver. */
export const apiKeyKvKey = (hash: string) => `apikey:${hash}`;
