-- GitHub App, second part.
-- A failed delivery keeps the queued message (payload inline, or its KV key when parked), so an
-- admin can replay it after a fix even once the queue has given up on it.
ALTER TABLE processed_events ADD COLUMN delivery TEXT;

-- The one summary comment ChittyConnect keeps on each pull request, updated in place. The row is
-- claimed before the comment is created (comment_id NULL meanwhile), so two deliveries for the same
-- PR processed at once cannot both post one.
CREATE TABLE github_pr_comments (
  repository_id INTEGER NOT NULL,
  number        INTEGER NOT NULL,
  comment_id    INTEGER,
  claimed_at    TEXT NOT NULL,
  updated_at    TEXT,
  PRIMARY KEY (repository_id, number)
);

-- Redeliveries asked of GitHub (by the recovery cron or an admin), per delivery guid, so a
-- delivery that keeps failing is re-requested at most hourly and at most three times.
CREATE TABLE github_redeliveries (
  guid             TEXT PRIMARY KEY,
  hook_delivery_id INTEGER NOT NULL,
  event            TEXT NOT NULL,
  requests         INTEGER NOT NULL DEFAULT 1,
  requested_at     TEXT NOT NULL
);
