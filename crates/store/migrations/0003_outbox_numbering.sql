-- The relay numbers events (commits their seq) before it publishes them, so it finds the rows
-- still to number, and the numbered rows still to publish, by these.
CREATE INDEX outbox_unnumbered ON outbox (id) WHERE seq IS NULL;
CREATE INDEX outbox_numbered_unpublished ON outbox (seq) WHERE seq IS NOT NULL AND published_at IS NULL;
