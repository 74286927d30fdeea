-- Actors: humans, AIs, services and systems known to ChittyConnect.
CREATE TABLE actors (
  chitty_id     TEXT PRIMARY KEY,
  actor_type    TEXT NOT NULL CHECK (actor_type IN ('human', 'ai', 'service', 'system')),
  principal_id  TEXT NOT NULL UNIQUE,               -- the ChittyAuth principal behind it
  display_name  TEXT,
  email         TEXT,
  avatar_url    TEXT,
  capabilities  TEXT NOT NULL DEFAULT '[]',         -- JSON array of strings
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deactivated')),
  dna_id        TEXT,
  session_count INTEGER NOT NULL DEFAULT 0,
  last_seen_at  TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

CREATE INDEX actors_type ON actors (actor_type);
CREATE INDEX actors_email ON actors (email) WHERE email IS NOT NULL;
CREATE INDEX actors_last_seen ON actors (last_seen_at);
