-- Outbox: every mutation's event, written in the same D1 batch as the mutation itself, and sent on
-- to CONTEXT_OPS_QUEUE by the dispatcher (and the cron sweep for stragglers).
CREATE TABLE outbox (
  event_id      TEXT PRIMARY KEY,
  aggregate     TEXT NOT NULL,                      -- 'context' | 'actor' | 'connection' | 'delegation' | ...
  aggregate_id  TEXT NOT NULL,
  event_type    TEXT NOT NULL,
  payload       TEXT NOT NULL,                      -- JSON
  created_at    TEXT NOT NULL,
  sent_at       TEXT,
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT
);

CREATE INDEX outbox_pending ON outbox (created_at) WHERE sent_at IS NULL;

-- Events a consumer has processed, by id: the authoritative dedupe for queue consumers
-- (GitHub deliveries by X-GitHub-Delivery, outbox events by event id).
CREATE TABLE processed_events (
  source        TEXT NOT NULL,                      -- 'github' | 'outbox'
  event_id      TEXT NOT NULL,
  event_type    TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('processing', 'processed', 'failed')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  received_at   TEXT NOT NULL,
  processed_at  TEXT,
  PRIMARY KEY (source, event_id)
);

CREATE INDEX processed_events_status ON processed_events (source, status, received_at);
