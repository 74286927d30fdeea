-- GitHub App installations.
CREATE TABLE installations (
  installation_id      INTEGER PRIMARY KEY,       -- GitHub's installation id
  chitty_id            TEXT NOT NULL UNIQUE,
  dna_id               TEXT,
  account_id           INTEGER NOT NULL,
  account_login        TEXT NOT NULL,
  account_type         TEXT NOT NULL CHECK (account_type IN ('User', 'Organization')),
  account_avatar_url   TEXT,
  repository_selection TEXT NOT NULL DEFAULT 'all' CHECK (repository_selection IN ('all', 'selected')),
  permissions          TEXT NOT NULL DEFAULT '{}',  -- JSON object
  events               TEXT NOT NULL DEFAULT '[]',  -- JSON array
  repositories         TEXT NOT NULL DEFAULT '[]',  -- JSON array of selected repositories
  suspended_at         TEXT,
  suspended_by         TEXT,
  installed_at         TEXT NOT NULL,
  updated_at           TEXT NOT NULL,
  uninstalled_at       TEXT
);

CREATE INDEX installations_account ON installations (account_login);
CREATE INDEX installations_active ON installations (installation_id) WHERE uninstalled_at IS NULL AND suspended_at IS NULL;
