//! Chat-ingest's metrics (see `docs/metrics.md`): names and help texts.

use metrics::{Unit, describe_counter};

/// Chat messages heard, commands or not, by `source`: the platform (`twitch`, the webhook's
/// configured platform, `sim` for the simulator).
pub const CHAT_MESSAGES: &str = "gavel_chat_messages_total";

/// Registers the help texts (call once the recorder is installed).
pub fn describe() {
    describe_counter!(CHAT_MESSAGES, Unit::Count, "Chat messages heard by this ingest instance, commands or not, by source platform");
}
