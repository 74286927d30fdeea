-- Each connection's recent health checks (the last 50 are kept): GET /v1/connections/{id}/checks
-- and the console's health history.
CREATE TABLE connection_checks (
  connection_id TEXT NOT NULL,
  checked_at    TEXT NOT NULL,
  reachable     INTEGER NOT NULL,
  latency_ms    INTEGER NOT NULL,
  http_status   INTEGER,
  reason        TEXT
);

CREATE INDEX connection_checks_by_connection ON connection_checks (connection_id, checked_at);
