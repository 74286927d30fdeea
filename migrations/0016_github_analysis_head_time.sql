-- The pull request's updated_at as the delivery carried it: a late (queued or retried) delivery of
-- an older head publishes nothing over a newer head's check run and comment.
ALTER TABLE github_analyses ADD COLUMN head_updated_at TEXT;
