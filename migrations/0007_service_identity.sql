-- ChittyConnect's own identity in the ecosystem, built by the start-up initialisation
-- (mint → DNA → keys → register → verify → certify → store → log). One row per service name;
-- `steps` records each step's outcome so a later start resumes where the last one stopped.
CREATE TABLE service_identity (
  service_name    TEXT PRIMARY KEY,
  chitty_id       TEXT,
  did             TEXT,
  dna_id          TEXT,
  api_key_id      TEXT,
  registry_id     TEXT,
  verification_id TEXT,
  certificate_id  TEXT,
  steps           TEXT NOT NULL DEFAULT '{}',       -- JSON: step → { status, at, error? }
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
