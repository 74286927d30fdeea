-- Contexts: the named workspaces ChittyConnect keeps. Ids are minted by the ChittyID authority.
CREATE TABLE contexts (
  chitty_id   TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  owner       TEXT NOT NULL,                      -- the owning actor's ChittyID
  data        TEXT NOT NULL DEFAULT '[]',         -- JSON array
  systems     TEXT NOT NULL DEFAULT '[]',         -- JSON array of strings
  tools       TEXT NOT NULL DEFAULT '[]',         -- JSON array of strings
  status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'deleted')),
  dna_id      TEXT,
  timeline_id TEXT,
  version     INTEGER NOT NULL DEFAULT 1,         -- bumped on every change; the ETag
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  deleted_at  TEXT
);

-- A name is unique among contexts that are not deleted, so a deleted context's name is reusable.
CREATE UNIQUE INDEX contexts_name_live ON contexts (name) WHERE deleted_at IS NULL;
CREATE INDEX contexts_owner_created ON contexts (owner, created_at, chitty_id) WHERE deleted_at IS NULL;
CREATE INDEX contexts_owner_status ON contexts (owner, status) WHERE deleted_at IS NULL;
