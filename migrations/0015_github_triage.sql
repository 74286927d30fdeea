-- Issue triage and repository contexts (issue 11).

-- Every issue of an installed repository as the `issues` events describe it, for duplicate search.
CREATE TABLE github_issues (
  repository_id INTEGER NOT NULL,
  number        INTEGER NOT NULL,
  title         TEXT NOT NULL,
  body_excerpt  TEXT NOT NULL DEFAULT '',          -- the first 2000 characters of the body
  state         TEXT NOT NULL,                     -- open | closed | deleted | transferred
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (repository_id, number)
);

-- Full-text index over OPEN issues only (closed ones are no duplicate candidates), scoped per
-- repository through a repository token (`r<id>`), kept in step with the table by triggers.
CREATE VIRTUAL TABLE github_issues_fts USING fts5(
  repo_tag, title, body,
  content = '',
  contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER github_issues_index_insert AFTER INSERT ON github_issues WHEN new.state = 'open' BEGIN
  INSERT INTO github_issues_fts (rowid, repo_tag, title, body) VALUES (new.rowid, 'r' || new.repository_id, new.title, new.body_excerpt);
END;

CREATE TRIGGER github_issues_index_update AFTER UPDATE OF title, body_excerpt, state ON github_issues BEGIN
  DELETE FROM github_issues_fts WHERE rowid = old.rowid;
  INSERT INTO github_issues_fts (rowid, repo_tag, title, body)
    SELECT new.rowid, 'r' || new.repository_id, new.title, new.body_excerpt WHERE new.state = 'open';
END;

CREATE TRIGGER github_issues_index_delete AFTER DELETE ON github_issues BEGIN
  DELETE FROM github_issues_fts WHERE rowid = old.rowid;
END;

-- The one triage comment per issue (claimed before it is created, like github_pr_comments; a row
-- may exist unclaimed — claimed_at NULL — when only label bookkeeping was recorded), and labels:
-- which ones the App applied, and which ones a person removed (never added again).
CREATE TABLE github_triage (
  repository_id        INTEGER NOT NULL,
  number               INTEGER NOT NULL,
  comment_id           INTEGER,
  comment_sha256       TEXT,                       -- of the body last written: an edit that changes nothing is not sent
  claimed_at           TEXT,
  labels_applied_json  TEXT NOT NULL DEFAULT '[]',
  labels_removed_json  TEXT NOT NULL DEFAULT '[]',
  updated_at           TEXT,
  PRIMARY KEY (repository_id, number)
);

-- The ChittyConnect context of each installed repository (created through the contexts service),
-- claimed before it is created so two deliveries never create two; `refreshed_at` throttles refreshes.
CREATE TABLE github_repo_contexts (
  repository_id INTEGER PRIMARY KEY,
  full_name     TEXT NOT NULL,
  context_id    TEXT,
  owner         TEXT NOT NULL,
  claimed_at    TEXT NOT NULL,
  pushes        INTEGER NOT NULL DEFAULT 0,          -- default-branch pushes seen since the context was made
  last_push_at  TEXT,
  refreshed_at  TEXT
);
