-- A dead letter whose body could not be kept exactly (not serialisable as JSON, or too large for a
-- D1 row and truncated), or that a consumer refused at once as unprocessable, says why here.
-- NULL: the body column holds the message's exact JSON.
ALTER TABLE dead_letters ADD COLUMN note TEXT;
