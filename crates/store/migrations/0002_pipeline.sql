-- The bidding pipeline: proxy ownership in the bid log, the ingest instance registry, and a
-- notification that wakes the outbox relay as soon as events commit.

-- A log entry's `bid_id` is the bid whose amount it is (for a proxy's defending raise, the
-- proxy's max bid); `caused_by_bid_id` is the bid whose decision wrote it. Voiding a bid voids
-- both what it owns and what it caused.
ALTER TABLE bid_log ADD COLUMN caused_by_bid_id BIGINT REFERENCES bids (id);
UPDATE bid_log SET caused_by_bid_id = bid_id;
ALTER TABLE bid_log ALTER COLUMN caused_by_bid_id SET NOT NULL;
CREATE INDEX bid_log_by_cause ON bid_log (caused_by_bid_id);

-- The max bid behind the leader's proxy, whose defending raises belong to it.
ALTER TABLE lots ADD COLUMN high_proxy_bid_id BIGINT REFERENCES bids (id);

-- Ingest instances the engine waits for: a bid is decided once every live instance's
-- watermark has passed its received time. Kept here so the set survives an engine restart.
CREATE TABLE ingest_instances (
    id              TEXT PRIMARY KEY,
    watermark       TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL
);

CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gavel_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox();
