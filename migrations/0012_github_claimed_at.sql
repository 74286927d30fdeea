-- GitHub deliveries: when the current attempt claimed the delivery. received_at stays its first
-- arrival (replay windows, listings and stats use it); a takeover of a stuck run updates only this.
ALTER TABLE processed_events ADD COLUMN claimed_at TEXT;
