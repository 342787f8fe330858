-- On-chain settlement: what the settlement service has done to each lot on chain, every attempt
-- it made, and how far the chain watcher has read the house's logs.

-- One row per on-chain action on a lot: opening it (minting its token to the house) and closing
-- it (a sale to the winner or runner-up, or no sale). `done` once the transaction that did it has
-- the configured confirmations.
CREATE TABLE chain_actions (
    lot_id          BIGINT NOT NULL REFERENCES lots (id),
    action          TEXT NOT NULL CHECK (action IN ('open', 'close')),
    done            BOOLEAN NOT NULL DEFAULT false,
    tx_hash         TEXT,
    block_number    BIGINT,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (lot_id, action),
    CHECK (NOT done OR tx_hash IS NOT NULL)
);

-- Every step of every action, in order: each signed transaction (its raw bytes kept, so that a
-- restart rebroadcasts the very same transaction rather than signing a second one), each read of
-- the lot's on-chain state that decided what to send, each receipt, each RPC error. The
-- settlement monitor shows these.
CREATE TABLE settlement_attempts (
    id                          BIGSERIAL PRIMARY KEY,
    lot_id                      BIGINT NOT NULL REFERENCES lots (id),
    action                      TEXT NOT NULL CHECK (action IN ('open', 'close')),
    kind                        TEXT NOT NULL CHECK (kind IN ('chain_state', 'sent', 'replaced', 'mined', 'confirmed',
                                                              'reverted', 'dropped', 'rpc_error', 'winner_defaulted')),
    call                        TEXT,      -- openLot, settleLot or settleNoSale, for a transaction
    nonce                       BIGINT,
    tx_hash                     TEXT,
    raw_tx                      BYTEA,
    max_fee_per_gas             NUMERIC(78, 0),
    max_priority_fee_per_gas    NUMERIC(78, 0),
    block_number                BIGINT,
    detail                      TEXT NOT NULL,
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX settlement_attempts_by_lot ON settlement_attempts (lot_id, action, id);

-- The chain watcher's progress per house: every log up to `block_number` is credited.
CREATE TABLE chain_cursors (
    house           TEXT PRIMARY KEY,          -- lower-case 0x address
    chain_id        BIGINT NOT NULL,
    block_number    BIGINT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A completed withdrawal records what it paid (`amount_wei`) and what its request asked: the house
-- pays at most the escrow left, and what was requested but not paid returns to bidding power.
ALTER TABLE escrow_ledger ADD COLUMN requested_wei NUMERIC(78, 0);
ALTER TABLE escrow_ledger ADD CHECK ((kind = 'withdrawal_completed') = (requested_wei IS NOT NULL));
-- A winner pays for a lot once, even if a reorg re-mines the settlement at another log index. No
-- foreign key: the chain is credited as it is, even for a lot id this database does not know.
ALTER TABLE escrow_ledger ADD COLUMN lot_id BIGINT;
ALTER TABLE escrow_ledger ADD CHECK ((kind = 'settlement_payment') = (lot_id IS NOT NULL));
CREATE UNIQUE INDEX escrow_ledger_one_payment_per_lot ON escrow_ledger (lot_id) WHERE kind = 'settlement_payment';

-- `!link` finds the wallet whose deposits carry a commitment.
CREATE INDEX escrow_ledger_by_commitment ON escrow_ledger (commitment) WHERE commitment IS NOT NULL;
