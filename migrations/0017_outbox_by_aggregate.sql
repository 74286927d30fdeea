-- An aggregate's events in order (GET /v1/contexts/{id}/events: each change and its delivery).
CREATE INDEX outbox_aggregate ON outbox (aggregate, aggregate_id, created_at);
