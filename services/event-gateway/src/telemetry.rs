//! The event gateway's metrics (see `docs/metrics.md`): names and help texts.

use metrics::{Unit, describe_gauge};

/// SSE clients connected now, by `stream` (`all`: the admins' stream; `lot`: a lot's public one).
pub const SSE_CLIENTS: &str = "gavel_sse_clients";

/// Registers the help texts (call once the recorder is installed).
pub fn describe() {
    describe_gauge!(SSE_CLIENTS, Unit::Count, "SSE clients connected now, by stream (all, lot)");
}
