-- The operator's console: a lot's own pause, undoing a void, running a cancelled day again, and
-- the settlement service's heartbeat on the health page.

-- An operator stopped this lot's clock: bids received from then on are refused as paused, the
-- lot does not close, and resuming gives back the time left (ends_at − paused_at).
ALTER TABLE lots ADD COLUMN paused_at TIMESTAMPTZ;
ALTER TABLE lots ADD CONSTRAINT lots_paused_only_active CHECK (paused_at IS NULL OR state = 'ACTIVE');
-- The last pause that ended: a bid received during it but decided after the resume is refused too.
ALTER TABLE lots ADD COLUMN last_pause_from TIMESTAMPTZ, ADD COLUMN last_pause_until TIMESTAMPTZ;

-- One lot a day among those not cancelled: a cancelled day can be run again with a new lot.
ALTER TABLE lots DROP CONSTRAINT lots_marathon_id_day_index_key;
CREATE UNIQUE INDEX lots_one_per_day ON lots (marathon_id, day_index) WHERE state <> 'CANCELLED';

-- Which bid's void voided an accepted entry of the log, so that undoing that void restores
-- exactly the entries it voided (a proxy raise may be voided by its own max bid's void or by the
-- bid that caused it). Earlier voids are read back from their void entries.
-- Undoing a void appends kind 3 entries (a reinstatement, carrying the reinstated entry's fields)
-- to the hash chain: the log only grows.
ALTER TABLE bid_log DROP CONSTRAINT bid_log_kind_check;
ALTER TABLE bid_log ADD CONSTRAINT bid_log_kind_check CHECK (kind IN (1, 2, 3));
ALTER TABLE bid_log ADD COLUMN voided_by_bid_id BIGINT REFERENCES bids (id);
UPDATE bid_log accepted SET voided_by_bid_id = void.caused_by_bid_id
FROM bid_log void
WHERE accepted.voided AND accepted.kind = 1 AND void.kind = 2 AND void.lot_id = accepted.lot_id
  AND void.bid_id = accepted.bid_id AND void.amount_wei = accepted.amount_wei AND void.received_at = accepted.received_at;

-- Each background service's last word: the settlement service reports the chain it sees, so the
-- health page can show it from a process without a [chain] section of its own.
CREATE TABLE service_heartbeats (
    service         TEXT PRIMARY KEY,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    facts           JSONB NOT NULL DEFAULT '{}'
);
