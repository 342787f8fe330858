-- Gavel's schema. Money is NUMERIC(78,0): a whole number of wei, wide enough for any uint256.

CREATE TABLE marathons (
    id                          BIGSERIAL PRIMARY KEY,
    name                        TEXT NOT NULL,
    first_day                   DATE NOT NULL,
    days                        INTEGER NOT NULL CHECK (days > 0),
    time_zone                   TEXT NOT NULL,
    opening_time                TIME NOT NULL,
    lot_duration_secs           INTEGER NOT NULL CHECK (lot_duration_secs > 0),
    reserve_wei                 NUMERIC(78, 0) NOT NULL CHECK (reserve_wei >= 0),
    increment_bps               INTEGER NOT NULL CHECK (increment_bps BETWEEN 0 AND 10000),
    min_increment_wei           NUMERIC(78, 0) NOT NULL CHECK (min_increment_wei > 0),
    anti_snipe_window_secs      INTEGER NOT NULL CHECK (anti_snipe_window_secs >= 0),
    anti_snipe_extension_secs   INTEGER NOT NULL CHECK (anti_snipe_extension_secs >= 0),
    anti_snipe_max_extensions   INTEGER NOT NULL CHECK (anti_snipe_max_extensions >= 0),
    allow_self_outbid           BOOLEAN NOT NULL,
    no_sale                     TEXT NOT NULL CHECK (no_sale IN ('burn', 'keep_in_treasury')),
    chat_channels               TEXT[] NOT NULL,
    auction_house               TEXT,
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE lots (
    -- The lot id is also the token id minted for it.
    id                  BIGSERIAL PRIMARY KEY,
    marathon_id         BIGINT NOT NULL REFERENCES marathons (id),
    day_index           INTEGER NOT NULL CHECK (day_index >= 0),
    token_uri           TEXT NOT NULL,
    image_url           TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'PENDING'
                        CHECK (state IN ('PENDING', 'ACTIVE', 'PROCESSING', 'COMPLETED', 'CANCELLED')),
    starts_at           TIMESTAMPTZ NOT NULL,
    ends_at             TIMESTAMPTZ NOT NULL,
    extensions_used     INTEGER NOT NULL DEFAULT 0 CHECK (extensions_used >= 0),
    high_bidder         TEXT,
    high_amount_wei     NUMERIC(78, 0),
    high_proxy_max_wei  NUMERIC(78, 0),
    winner_final_at     TIMESTAMPTZ,
    cancel_reason       TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (marathon_id, day_index),
    CHECK (ends_at > starts_at),
    CHECK ((high_bidder IS NULL) = (high_amount_wei IS NULL))
);
-- The scheduler's two questions: which pending lots are due to open, which active ones to close.
CREATE INDEX lots_pending_by_start ON lots (starts_at) WHERE state = 'PENDING';
CREATE INDEX lots_active_by_end ON lots (ends_at) WHERE state = 'ACTIVE';
-- Bidding power subtracts what a bidder leads with in lots not yet completed.
CREATE INDEX lots_open_leads ON lots (high_bidder) WHERE state IN ('ACTIVE', 'PROCESSING');

-- A chat identity, bound one-to-one to a wallet once it proves both sides (`!link`).
CREATE TABLE bidders (
    id              TEXT PRIMARY KEY,          -- platform:user_id, stable across renames
    login           TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    wallet          TEXT UNIQUE,               -- lower-case 0x address
    banned          BOOLEAN NOT NULL DEFAULT false,
    ban_reason      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Deposits and every other log that moves a wallet's escrow, credited once each by the chain
-- watcher (never by the API or a chat command).
CREATE TABLE escrow_ledger (
    id              BIGSERIAL PRIMARY KEY,
    wallet          TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('deposit', 'withdrawal_requested', 'withdrawal_completed', 'settlement_payment')),
    amount_wei      NUMERIC(78, 0) NOT NULL CHECK (amount_wei >= 0),
    commitment      TEXT,
    tx_hash         TEXT NOT NULL,
    log_index       BIGINT NOT NULL,
    block_number    BIGINT NOT NULL,
    credited_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tx_hash, log_index)
);
CREATE INDEX escrow_ledger_by_wallet ON escrow_ledger (wallet);

-- Every bid command and its decision, once per chat message.
CREATE TABLE bids (
    id                  BIGSERIAL PRIMARY KEY,
    idempotency_key     TEXT NOT NULL UNIQUE,      -- the platform's message id
    lot_id              BIGINT REFERENCES lots (id),
    bidder_id           TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('plain', 'max')),
    offered_wei         NUMERIC(78, 0) NOT NULL,
    decision            TEXT NOT NULL CHECK (decision IN ('ACCEPTED', 'REJECTED')),
    reason_code         TEXT,
    reason              TEXT,
    received_at         TIMESTAMPTZ NOT NULL,      -- Gavel's ingest stamp: what bids are judged by
    platform_sent_at    TIMESTAMPTZ,               -- the platform's stamp, for audit only
    decided_at          TIMESTAMPTZ NOT NULL,
    voided_at           TIMESTAMPTZ,
    void_reason         TEXT,
    CHECK ((decision = 'REJECTED') = (reason_code IS NOT NULL))
);
CREATE INDEX bids_by_lot ON bids (lot_id, id DESC);
CREATE INDEX bids_by_bidder ON bids (bidder_id);

-- The public bid log: each lot's accepted amounts (kind 1, proxy raises included) and voids
-- (kind 2, carrying the voided entry's fields) in decision order. Its hash chain goes on chain.
CREATE TABLE bid_log (
    lot_id          BIGINT NOT NULL REFERENCES lots (id),
    position        INTEGER NOT NULL,
    kind            SMALLINT NOT NULL CHECK (kind IN (1, 2)),
    bid_id          BIGINT NOT NULL REFERENCES bids (id),   -- the bid that caused the entry
    bidder_id       TEXT NOT NULL,
    wallet          TEXT NOT NULL,
    amount_wei      NUMERIC(78, 0) NOT NULL,
    by_proxy        BOOLEAN NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL,
    voided          BOOLEAN NOT NULL DEFAULT false,         -- a kind 1 entry later voided
    PRIMARY KEY (lot_id, position)
);
CREATE INDEX bid_log_by_bid ON bid_log (bid_id);

-- Events written in the transaction that caused them; the relay publishes them in order and
-- assigns `seq` as it does (insertion ids commit out of order, publish order does not).
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    event_id        UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    event_type      TEXT NOT NULL,
    lot_id          BIGINT,
    payload         JSONB NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL,
    seq             BIGINT UNIQUE,
    published_at    TIMESTAMPTZ
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_by_lot ON outbox (lot_id, id);

-- Switches an operator flips live (maintenance mode pauses bidding).
CREATE TABLE settings (
    key             TEXT PRIMARY KEY,
    value           JSONB NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO settings (key, value) VALUES ('bidding_paused', 'false');

CREATE TABLE users (
    id              BIGSERIAL PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash   TEXT NOT NULL,                          -- argon2id PHC string
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- API tokens are stored as the SHA-256 of the token: a leaked table grants nothing.
CREATE TABLE api_tokens (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id),
    token_sha256    BYTEA NOT NULL UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at      TIMESTAMPTZ
);

CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT REFERENCES users (id),
    action          TEXT NOT NULL,
    target          TEXT NOT NULL,
    details         JSONB NOT NULL,
    at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_by_target ON audit_log (target, id);
