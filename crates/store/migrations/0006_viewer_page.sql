-- The viewer page: unlinking a bidder from a wallet, and the overlay's join QR code.

-- An admin unlinked `bidder_id` from `wallet`. Deposits of that wallet credited up to
-- `ledger_horizon` (the ledger's last id then) never bind this bidder again: a fresh deposit does.
CREATE TABLE bidder_unlinks (
    id              BIGSERIAL PRIMARY KEY,
    bidder_id       TEXT NOT NULL REFERENCES bidders (id),
    wallet          TEXT NOT NULL,
    ledger_horizon  BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    unlinked_by     BIGINT NOT NULL,
    unlinked_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX bidder_unlinks_by_bidder ON bidder_unlinks (bidder_id, wallet);

-- The overlay shows the viewer page's address and a QR code for it (`http.public_url`).
ALTER TABLE marathons ADD COLUMN show_join_qr BOOLEAN NOT NULL DEFAULT false;
