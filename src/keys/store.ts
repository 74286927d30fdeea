/**
 * API keys: D1 is the record (by key id and by hash); API_KEYS KV caches each live key's record
 * under `apikey:<sha256>` for the authentication path. Neither ever holds a key in clear.
 */

import type { ActorType } from '../auth/principal';
import type { ApiKeyRecord } from './schema';

interface ApiKeyRow {
  key_id: string;
  key_hash: string;
  owner: string;
  owner_principal: string;
  owner_type: ActorType;
  name: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const toRecord = (row: ApiKeyRow): ApiKeyRecord => ({
  keyId: row.key_id,
  owner: row.owner,
  ownerPrincipal: row.owner_principal,
  ownerType: row.owner_type,
  name: row.name,
  scopes: JSON.parse(row.scopes) as string[],
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});

export function insertApiKey(db: D1Database, record: ApiKeyRecord, hash: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO api_keys (key_id, key_hash, owner, owner_principal, owner_type, name, scopes, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      record.keyId,
      hash,
      record.owner,
      record.ownerPrincipal,
      record.ownerType,
      record.name,
      JSON.stringify(record.scopes),
      record.createdAt,
      record.expiresAt,
    );
}

export async function apiKeyByHash(db: D1Database, hash: string): Promise<ApiKeyRecord | null> {
  const row = await db.prepare('SELECT * FROM api_keys WHERE key_hash = ?').bind(hash).first<ApiKeyRow>();
  return row ? toRecord(row) : null;
}

export async function apiKeyById(db: D1Database, keyId: string): Promise<(ApiKeyRecord & { hash: string }) | null> {
  const row = await db.prepare('SELECT * FROM api_keys WHERE key_id = ?').bind(keyId).first<ApiKeyRow>();
  return row ? { ...toRecord(row), hash: row.key_hash } : null;
}

export async function apiKeysOf(db: D1Database, owner: string): Promise<ApiKeyRecord[]> {
  const { results } = await db
    .prepare('SELECT * FROM api_keys WHERE owner = ? ORDER BY created_at DESC LIMIT 100')
    .bind(owner)
    .all<ApiKeyRow>();
  return results.map(toRecord);
}

export function revokeApiKey(db: D1Database, keyId: string, at: string): D1PreparedStatement {
  return db.prepare('UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL').bind(at, keyId);
}
