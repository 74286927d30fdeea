/**
 * Emulated ChittyAuth (host `auth.*`). Actors (humans, AIs, services, systems) carry ACTOR
 * ChittyIDs; their bearer tokens (`emu_…`) and provisioned API keys (`emk_…`) are stored only as
 * SHA-256 hashes and validated by hashing what the caller presents. Actors are created through
 * the control surface (`POST /actors`) or, when `DEV_TOKEN` is set, seeded once as the
 * "Local Developer". Revocation (control `DELETE /actors/:id/tokens`) marks credentials revoked.
 * The browser sign-in (`/v1/login`) and its code exchange (`/v1/auth/exchange`) are in auth-login.ts.
 */
import { z } from 'zod';
import { createServiceApp, readBody } from '../http';
import { type EmulatorEnv, nowIso, randomBase64url, randomHex, sha256Hex, stringArrayColumn } from '../store';
import { mintChittyId } from './id';

export const ACTOR_TYPES = ['human', 'ai', 'service', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface ActorInput {
  type: ActorType;
  capabilities?: string[] | undefined;
  displayName?: string | undefined;
  email?: string | undefined;
}

export interface CreatedActor {
  chittyId: string;
  token: string;
  type: ActorType;
  capabilities: string[];
  displayName: string;
  email?: string;
}

/** Mints an ACTOR id, stores the actor, and issues a bearer token (`token` if given, else random). */
export async function createActor(db: D1Database, input: ActorInput, token?: string): Promise<CreatedActor> {
  const capabilities = input.capabilities ?? [];
  const displayName = input.displayName ?? `Emulated ${input.type} actor`;
  const minted = await mintChittyId(db, 'ACTOR', { actorType: input.type, displayName });
  const secret = token ?? `emu_${randomBase64url(32)}`;
  const createdAt = nowIso();
  await db.batch([
    db
      .prepare('INSERT INTO actors (chitty_id, type, capabilities, display_name, email, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .bind(minted.chittyId, input.type, JSON.stringify(capabilities), displayName, input.email ?? null, createdAt),
    db
      .prepare("INSERT INTO credentials (hash, kind, chitty_id, created_at) VALUES (?, 'token', ?, ?)")
      .bind(await sha256Hex(secret), minted.chittyId, createdAt),
  ]);
  const actor: CreatedActor = { chittyId: minted.chittyId, token: secret, type: input.type, capabilities, displayName };
  if (input.email !== undefined) actor.email = input.email;
  return actor;
}

/**
 * Revokes every token and API key of `chittyId`. Returns false when there is no such actor and
 * no credentials at all (so the control surface can answer 404).
 */
export async function revokeCredentials(db: D1Database, chittyId: string): Promise<boolean> {
  const [revoked, actor] = await db.batch<{ n: number }>([
    db.prepare('UPDATE credentials SET revoked_at = ? WHERE chitty_id = ? AND revoked_at IS NULL').bind(nowIso(), chittyId),
    db.prepare('SELECT COUNT(*) AS n FROM actors WHERE chitty_id = ?').bind(chittyId),
  ]);
  const known = (actor?.results[0]?.n ?? 0) > 0;
  if (known || (revoked?.meta.changes ?? 0) > 0) return true;
  const any = await db.prepare('SELECT 1 AS n FROM credentials WHERE chitty_id = ? LIMIT 1').bind(chittyId).first();
  return any !== null;
}

/** Seeds the "Local Developer" whose token is DEV_TOKEN, unless that token already exists. */
export async function ensureDevActor(env: EmulatorEnv): Promise<void> {
  const token = env.DEV_TOKEN?.trim();
  if (!token) return;
  const db = env.EMU_DB;
  const existing = await db
    .prepare('SELECT 1 AS n FROM credentials WHERE hash = ?')
    .bind(await sha256Hex(token))
    .first();
  if (existing) return;
  await createActor(db, { type: 'human', capabilities: ['admin'], displayName: 'Local Developer' }, token);
}

interface CredentialRow {
  kind: 'token' | 'api_key';
  chitty_id: string;
  scopes: string;
  name: string | null;
  revoked_at: string | null;
  actor_type: string | null;
  capabilities: string | null;
  display_name: string | null;
  email: string | null;
}

const CREDENTIAL_SELECT = `SELECT c.kind, c.chitty_id, c.scopes, c.name, c.revoked_at,
    a.type AS actor_type, a.capabilities, a.display_name, a.email
  FROM credentials c LEFT JOIN actors a ON a.chitty_id = c.chitty_id`;

/** The actor `/v1/auth/validate` answers with (and the login code exchange, auth-login.ts). */
export interface AuthActor {
  chittyId: string;
  type: string;
  capabilities: string[];
  displayName: string;
  email?: string;
}

// A bearer token acts with the actor's capabilities; an API key with the scopes it was given.
function actorOf(row: CredentialRow): AuthActor {
  const actor: AuthActor = {
    chittyId: row.chitty_id,
    type: row.actor_type ?? 'service',
    capabilities: row.kind === 'api_key' ? stringArrayColumn(row.scopes) : stringArrayColumn(row.capabilities),
    displayName: row.display_name ?? row.name ?? row.chitty_id,
  };
  if (row.email !== null) actor.email = row.email;
  return actor;
}

export type CredentialCheck =
  | { valid: true; kind: 'token' | 'api_key'; actor: AuthActor }
  | { valid: false; reason: 'unknown_token' | 'revoked' };

/** What `/v1/auth/validate` says of `secret` (a bearer token or an API key), with the credential's kind. */
export async function checkCredential(db: D1Database, secret: string): Promise<CredentialCheck> {
  const row = await db
    .prepare(`${CREDENTIAL_SELECT} WHERE c.hash = ?`)
    .bind(await sha256Hex(secret))
    .first<CredentialRow>();
  if (!row) return { valid: false, reason: 'unknown_token' };
  if (row.revoked_at !== null) return { valid: false, reason: 'revoked' };
  return { valid: true, kind: row.kind, actor: actorOf(row) };
}

/** The actor as a bearer token of theirs validates, or null when they have no unrevoked token. */
export async function tokenActor(db: D1Database, chittyId: string): Promise<AuthActor | null> {
  const row = await db
    .prepare(`${CREDENTIAL_SELECT} WHERE c.chitty_id = ? AND c.kind = 'token' AND c.revoked_at IS NULL LIMIT 1`)
    .bind(chittyId)
    .first<CredentialRow>();
  return row ? actorOf(row) : null;
}

const ValidateBody = z.object({ token: z.string() });
const ProvisionBody = z.object({
  chittyId: z.string().min(1),
  scopes: z.array(z.string()).optional(),
  name: z.string().optional(),
});

export const authApp = createServiceApp('auth');

authApp.post('/v1/auth/validate', async (c) => {
  const body = await readBody(c, ValidateBody);
  if (body instanceof Response) return body;
  const check = await checkCredential(c.env.EMU_DB, body.token);
  if (!check.valid) return Response.json({ valid: false, reason: check.reason });
  return Response.json({ valid: true, actor: check.actor });
});

authApp.post('/v1/keys/provision', async (c) => {
  const body = await readBody(c, ProvisionBody);
  if (body instanceof Response) return body;
  const keyId = `key_${randomHex(8)}`;
  const apiKey = `emk_${randomBase64url(32)}`;
  const scopes = body.scopes ?? [];
  await c.env.EMU_DB.prepare(
    "INSERT INTO credentials (hash, kind, key_id, chitty_id, scopes, name, created_at) VALUES (?, 'api_key', ?, ?, ?, ?, ?)",
  )
    .bind(await sha256Hex(apiKey), keyId, body.chittyId, JSON.stringify(scopes), body.name ?? null, nowIso())
    .run();
  return Response.json({ keyId, apiKey, chittyId: body.chittyId, scopes }, { status: 201 });
});
