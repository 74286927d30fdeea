-- Full-text search over contexts (name and contents), owner-scoped through an owner token, kept
-- in step with the table by triggers; only live (not deleted) contexts are indexed.
CREATE VIRTUAL TABLE contexts_fts USING fts5(
  owner_tag, name, data, systems, tools,
  content = '',
  contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);

-- Systems and tools of live contexts, one row each, for filtered listing in created order.
CREATE TABLE context_labels (
  owner      TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('system', 'tool')),
  value      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  context_id TEXT NOT NULL,
  PRIMARY KEY (owner, kind, value, created_at, context_id)
) WITHOUT ROWID;

CREATE INDEX context_labels_context ON context_labels (context_id);

-- Listing by status in created order without a sort.
CREATE INDEX contexts_owner_status_created ON contexts (owner, status, created_at, chitty_id) WHERE deleted_at IS NULL;
DROP INDEX contexts_owner_status;

CREATE TRIGGER contexts_index_insert AFTER INSERT ON contexts WHEN new.deleted_at IS NULL BEGIN
  INSERT INTO contexts_fts (rowid, owner_tag, name, data, systems, tools)
    VALUES (new.rowid, replace(new.owner, '-', ''), new.name, new.data, new.systems, new.tools);
  INSERT INTO context_labels (owner, kind, value, created_at, context_id)
    SELECT new.owner, 'system', value, new.created_at, new.chitty_id FROM json_each(new.systems);
  INSERT INTO context_labels (owner, kind, value, created_at, context_id)
    SELECT new.owner, 'tool', value, new.created_at, new.chitty_id FROM json_each(new.tools);
END;

CREATE TRIGGER contexts_index_update AFTER UPDATE OF name, data, systems, tools, deleted_at ON contexts BEGIN
  DELETE FROM contexts_fts WHERE rowid = old.rowid;
  DELETE FROM context_labels WHERE context_id = old.chitty_id;
  INSERT INTO contexts_fts (rowid, owner_tag, name, data, systems, tools)
    SELECT new.rowid, replace(new.owner, '-', ''), new.name, new.data, new.systems, new.tools WHERE new.deleted_at IS NULL;
  INSERT INTO context_labels (owner, kind, value, created_at, context_id)
    SELECT new.owner, 'system', value, new.created_at, new.chitty_id FROM json_each(new.systems) WHERE new.deleted_at IS NULL;
  INSERT INTO context_labels (owner, kind, value, created_at, context_id)
    SELECT new.owner, 'tool', value, new.created_at, new.chitty_id FROM json_each(new.tools) WHERE new.deleted_at IS NULL;
END;

CREATE TRIGGER contexts_index_delete AFTER DELETE ON contexts BEGIN
  DELETE FROM contexts_fts WHERE rowid = old.rowid;
  DELETE FROM context_labels WHERE context_id = old.chitty_id;
END;

-- Outbox delivery: `sent_at` is when the event was put on the queue, `delivered_at` when DNA and
-- Chronicle had it. The sweep re-sends anything not delivered in time (consumers are idempotent).
ALTER TABLE outbox ADD COLUMN delivered_at TEXT;
CREATE INDEX outbox_undelivered ON outbox (created_at) WHERE delivered_at IS NULL;
DROP INDEX outbox_pending;

-- Messages that exhausted their retries: kept here by the dead-letter consumers, listed and
-- replayed by the admin routes.
CREATE TABLE dead_letters (
  id           TEXT PRIMARY KEY,                  -- the queue message id
  queue        TEXT NOT NULL,
  body         TEXT NOT NULL,                     -- JSON
  attempts     INTEGER NOT NULL,
  received_at  TEXT NOT NULL,
  replayed_at  TEXT
);

CREATE INDEX dead_letters_queue ON dead_letters (queue, received_at);
