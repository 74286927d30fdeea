-- API keys for services, provisioned through ChittyAuth. Only the SHA-256 of a key is stored;
-- API_KEYS (KV) caches the same record by that hash for the authentication path.
CREATE TABLE api_keys (
  key_id       TEXT PRIMARY KEY,
  key_hash     TEXT NOT NULL UNIQUE,
  owner        TEXT NOT NULL,                       -- the owning actor's ChittyID
  owner_principal TEXT NOT NULL,                    -- its ChittyAuth principal (the gate's key)
  owner_type   TEXT NOT NULL,                       -- its actor type (the rate-limit tier)
  name         TEXT NOT NULL,
  scopes       TEXT NOT NULL,                       -- JSON array
  created_at   TEXT NOT NULL,
  expires_at   TEXT,
  revoked_at   TEXT
);

CREATE INDEX api_keys_owner ON api_keys (owner, created_at);
