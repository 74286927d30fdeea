-- Connections: a source (context or actor) wired to a target service or endpoint.
CREATE TABLE connections (
  connection_id    TEXT PRIMARY KEY,
  owner            TEXT NOT NULL,                   -- the actor that created it
  source_type      TEXT NOT NULL CHECK (source_type IN ('context', 'actor')),
  source_id        TEXT NOT NULL,
  target_service   TEXT NOT NULL,
  target_endpoint  TEXT NOT NULL DEFAULT '',        -- '' when the service itself is the target
  connection_type  TEXT NOT NULL CHECK (connection_type IN ('api', 'webhook', 'oauth', 'direct')),
  config           TEXT NOT NULL DEFAULT '{}',      -- JSON object
  credentials_ref  TEXT,                            -- key in API_KEYS of the encrypted credentials
  tags             TEXT NOT NULL DEFAULT '[]',
  metadata         TEXT NOT NULL DEFAULT '{}',
  status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'failed', 'disconnected')),
  last_check_at    TEXT,
  error_count      INTEGER NOT NULL DEFAULT 0,
  request_count    INTEGER NOT NULL DEFAULT 0,
  last_used_at     TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  disconnected_at  TEXT
);

-- One live connection per source / target / endpoint.
CREATE UNIQUE INDEX connections_unique_live
  ON connections (source_type, source_id, target_service, target_endpoint) WHERE status != 'disconnected';
CREATE INDEX connections_owner_created ON connections (owner, created_at, connection_id);
CREATE INDEX connections_target ON connections (target_service, status);
CREATE INDEX connections_status_check ON connections (status, last_check_at);
