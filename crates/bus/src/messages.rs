//! What travels on the bids queue, as JSON.
//!
//! Ingest instances publish bid commands and, after each batch of them is confirmed, a
//! watermark: "every bid I received before `up_to` is in the queue". The engine decides a bid
//! once every live instance's watermark has passed the bid's `received_at`, which is what makes
//! decisions follow the order Gavel received bids in, across instances.

use chrono::{DateTime, Utc};
use gavel_domain::BidderId;
use gavel_domain::bidding::BidKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BidsQueueMessage {
    Bid(BidCommand),
    Watermark(Watermark),
}

/// A `!bid` typed in chat, as ingest received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidCommand {
    /// `platform:message_id`: the idempotency key. The same chat message seen by two ingest
    /// instances is one bid.
    pub message_id: String,
    /// The ingest instance that received it.
    pub instance: String,
    /// `platform:channel`, which names the marathon (and so the lot) the bid is for.
    pub channel: String,
    pub bidder: BidderId,
    pub login: String,
    pub display_name: String,
    pub kind: BidKind,
    /// Gavel's stamp at ingest: what the bid is judged by.
    pub received_at: DateTime<Utc>,
    /// The platform's own stamp, for audit.
    pub platform_sent_at: Option<DateTime<Utc>>,
}

/// An ingest instance's promise that all its bids received before `up_to` are in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    pub instance: String,
    pub up_to: DateTime<Utc>,
}

impl BidsQueueMessage {
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising these plain structs cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}
