//! The auction-manager's metrics: their names, which dashboards and alerts query (see
//! `docs/metrics.md`), and their help texts. Recorded through the `metrics` facade; whoever runs
//! the service installs the recorder and serves `/metrics`.

use std::time::Duration;

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

/// Bids decided, by `outcome` (`accepted`, `rejected`, `duplicate`) and `reason` (the
/// rejection's code, or `none`); counted once their batch has committed.
pub const BIDS: &str = "gavel_bids_total";
/// From a bid's receipt stamp (chat-ingest) to its decision committed.
pub const BID_DECISION_SECONDS: &str = "gavel_bid_decision_seconds";
/// Messages ready in the bids queue, by `queue`.
pub const BID_QUEUE_DEPTH: &str = "gavel_bid_queue_depth";
/// Receipt stamp → consumption, for the latest bid the engine took from the queue; 0 once the
/// queue is empty.
pub const BID_QUEUE_LAG_SECONDS: &str = "gavel_bid_queue_lag_seconds";
/// Outbox rows not yet published.
pub const OUTBOX_BACKLOG: &str = "gavel_outbox_backlog";
/// Lots ACTIVE now.
pub const LOTS_ACTIVE: &str = "gavel_lots_active";

/// How often the gauges read from PostgreSQL or the broker are refreshed, at most.
pub const GAUGE_EVERY: Duration = Duration::from_secs(2);

/// Registers the help texts (call once the recorder is installed).
pub fn describe() {
    describe_counter!(BIDS, Unit::Count, "Bids decided by the engine, by outcome and rejection reason (counted after their batch commits)");
    describe_histogram!(BID_DECISION_SECONDS, Unit::Seconds, "From a bid's receipt stamp at chat-ingest to its decision committed");
    describe_gauge!(BID_QUEUE_DEPTH, Unit::Count, "Messages ready in the bids queue (polled by the engine)");
    describe_gauge!(
        BID_QUEUE_LAG_SECONDS,
        Unit::Seconds,
        "Age (since its receipt stamp) of the latest bid the engine took from the queue; 0 when the queue is empty"
    );
    describe_gauge!(OUTBOX_BACKLOG, Unit::Count, "Events committed to the outbox and not yet published");
    describe_gauge!(LOTS_ACTIVE, Unit::Count, "Lots open for bidding (ACTIVE) now");
}
