-- Repository intelligence: one analysis per (repository, head sha, pull request) and the findings
-- each pull request has shown.
--
-- github_analyses is also the claim that makes publishing idempotent: a row is inserted before
-- anything is published (check_run_id NULL, published_at NULL), the check run's id is recorded
-- right after GitHub creates it, and published_at once the comment and the findings are written.
-- A delivery for a sha whose row is published changes nothing; a claim older than a few minutes
-- without published_at is a crashed run and is taken over (reusing its check run when it has one).
-- pr_number 0 is a push to the default branch.
CREATE TABLE github_analyses (
  repository_id INTEGER NOT NULL,
  head_sha      TEXT NOT NULL,
  pr_number     INTEGER NOT NULL,
  check_run_id  INTEGER,
  conclusion    TEXT,
  counts_json   TEXT,
  claimed_at    TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  published_at  TEXT,
  PRIMARY KEY (repository_id, head_sha, pr_number)
);

-- The latest analysis of a pull request (or of the default branch, pr_number 0).
CREATE INDEX github_analyses_by_pr ON github_analyses (repository_id, pr_number, published_at);

-- Every finding a pull request has shown, by its fingerprint (stable across pushes: rule, path and
-- the line's text, not its number): first_sha is the head it first appeared on, last_sha the
-- latest head that still has it. A finding whose fingerprint is here already is "still present".
CREATE TABLE github_findings (
  repository_id INTEGER NOT NULL,
  pr_number     INTEGER NOT NULL,
  fingerprint   TEXT NOT NULL,
  rule_id       TEXT NOT NULL,
  path          TEXT NOT NULL,
  line          INTEGER NOT NULL,
  severity      TEXT NOT NULL,
  first_sha     TEXT NOT NULL,
  last_sha      TEXT NOT NULL,
  PRIMARY KEY (repository_id, pr_number, fingerprint)
);
