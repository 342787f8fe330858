//! The one event envelope every service produces and consumes, and every event type.
//! `docs/events.md` describes the same types for readers; this module is the definition.
//!
//! Events are written to the outbox in the transaction that caused them. `seq` is assigned when
//! the relay publishes them, in publish order, so a consumer that replays `seq > last` never
//! skips one; `id` is for deduplication.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bidding::Rejection;
use crate::{BidId, BidderId, LotId, MarathonId, Wei};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EventEnvelope {
    pub id: Uuid,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    #[serde(flatten)]
    pub event: Event,
}

/// Every event, tagged by its `type` with its `payload` beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", content = "payload")]
pub enum Event {
    #[serde(rename = "lot.opened")]
    LotOpened(LotOpened),
    #[serde(rename = "lot.extended")]
    LotExtended(LotExtended),
    #[serde(rename = "lot.processing")]
    LotProcessing(LotProcessing),
    #[serde(rename = "lot.closed")]
    LotClosed(LotClosed),
    #[serde(rename = "lot.completed")]
    LotCompleted(LotCompleted),
    #[serde(rename = "lot.cancelled")]
    LotCancelled(LotCancelled),
    #[serde(rename = "lot.paused")]
    LotPaused(LotPaused),
    #[serde(rename = "lot.resumed")]
    LotResumed(LotResumed),
    #[serde(rename = "bid.accepted")]
    BidAccepted(BidAccepted),
    #[serde(rename = "bid.rejected")]
    BidRejected(BidRejected),
    #[serde(rename = "bid.voided")]
    BidVoided(BidVoided),
    #[serde(rename = "bid.reinstated")]
    BidReinstated(BidReinstated),
    #[serde(rename = "bidder.banned")]
    BidderBanned(BidderBanned),
    #[serde(rename = "bidder.unbanned")]
    BidderUnbanned(BidderUnbanned),
    #[serde(rename = "bidding.paused")]
    BiddingPaused(BiddingToggled),
    #[serde(rename = "bidding.resumed")]
    BiddingResumed(BiddingToggled),
    #[serde(rename = "deposit.credited")]
    DepositCredited(DepositCredited),
    #[serde(rename = "settlement.attempt")]
    SettlementAttempt(SettlementAttempt),
}

impl Event {
    /// The `type` string, also the routing key on the events exchange.
    pub fn event_type(&self) -> &'static str {
        match self {
            Event::LotOpened(_) => "lot.opened",
            Event::LotExtended(_) => "lot.extended",
            Event::LotProcessing(_) => "lot.processing",
            Event::LotClosed(_) => "lot.closed",
            Event::LotCompleted(_) => "lot.completed",
            Event::LotCancelled(_) => "lot.cancelled",
            Event::LotPaused(_) => "lot.paused",
            Event::LotResumed(_) => "lot.resumed",
            Event::BidAccepted(_) => "bid.accepted",
            Event::BidRejected(_) => "bid.rejected",
            Event::BidVoided(_) => "bid.voided",
            Event::BidReinstated(_) => "bid.reinstated",
            Event::BidderBanned(_) => "bidder.banned",
            Event::BidderUnbanned(_) => "bidder.unbanned",
            Event::BiddingPaused(_) => "bidding.paused",
            Event::BiddingResumed(_) => "bidding.resumed",
            Event::DepositCredited(_) => "deposit.credited",
            Event::SettlementAttempt(_) => "settlement.attempt",
        }
    }

    /// The event as a lot's public stream (the overlay, the viewer page) carries it, when that
    /// differs: an operator's reason for a void is moderation, not the public's business, so it
    /// goes out empty. `None` when the event is public as it is.
    pub fn public_form(&self) -> Option<Event> {
        match self {
            Event::BidVoided(voided) => Some(Event::BidVoided(BidVoided { reason: String::new(), ..voided.clone() })),
            // Which operator paused is for the audit log.
            Event::BiddingPaused(_) => Some(Event::BiddingPaused(BiddingToggled { by: String::new() })),
            Event::BiddingResumed(_) => Some(Event::BiddingResumed(BiddingToggled { by: String::new() })),
            _ => None,
        }
    }

    /// The lot the event is about, for per-lot streams.
    pub fn lot_id(&self) -> Option<LotId> {
        match self {
            Event::LotOpened(e) => Some(e.lot_id),
            Event::LotExtended(e) => Some(e.lot_id),
            Event::LotProcessing(e) => Some(e.lot_id),
            Event::LotClosed(e) => Some(e.lot_id),
            Event::LotCompleted(e) => Some(e.lot_id),
            Event::LotCancelled(e) => Some(e.lot_id),
            Event::LotPaused(e) => Some(e.lot_id),
            Event::LotResumed(e) => Some(e.lot_id),
            Event::BidAccepted(e) => Some(e.lot_id),
            Event::BidRejected(e) => e.lot_id,
            Event::BidVoided(e) => Some(e.lot_id),
            Event::BidReinstated(e) => Some(e.lot_id),
            Event::SettlementAttempt(e) => Some(e.lot_id),
            Event::BidderBanned(_)
            | Event::BidderUnbanned(_)
            | Event::BiddingPaused(_)
            | Event::BiddingResumed(_)
            | Event::DepositCredited(_) => None,
        }
    }

    /// The payload alone, as the outbox stores it beside the type.
    pub fn payload(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut fields)) => fields.remove("payload").unwrap_or_default(),
            _ => serde_json::Value::Null,
        }
    }

    /// Rebuilds an event from its stored type and payload.
    pub fn from_parts(event_type: &str, payload: serde_json::Value) -> Result<Event, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "type": event_type, "payload": payload }))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LotOpened {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionCause {
    AntiSnipe,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LotExtended {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub previous_ends_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub extensions_used: u32,
    pub cause: ExtensionCause,
    /// The lot went from PROCESSING back to ACTIVE.
    pub reopened: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LotProcessing {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LotClosed {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub winner: Option<BidderId>,
    pub amount: Option<Wei>,
    /// Head of the lot's bid-log hash chain, `0x`-prefixed hex.
    pub bid_log_head: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LotCompleted {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub tx_hash: String,
    /// The wallet that paid and received the token, from the house's `LotSettled` log: the
    /// winner's, or the runner-up's when the winner's escrow fell short. `None`: no sale.
    #[ts(type = "string | null")]
    pub buyer: Option<alloy_primitives::Address>,
    /// What the buyer paid, as settled on chain. `None`: no sale.
    pub amount: Option<Wei>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LotCancelled {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub reason: String,
}

/// An operator stopped the lot's clock: bids are refused as paused and the countdown stands at
/// `ends_at − paused_at` until `lot.resumed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LotPaused {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub paused_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The lot's clock runs again, its end moved by the pause's length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LotResumed {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub previous_ends_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BidAccepted {
    /// The chat message's id (`platform:id`), to answer it.
    pub message_id: String,
    /// Where it was typed (`platform:channel`).
    pub channel: String,
    pub lot_id: LotId,
    pub bid_id: BidId,
    pub bidder: BidderId,
    /// A `!bid max`: its ceiling stays private (these events reach public streams).
    pub max_bid: bool,
    /// The amount this bid entered into the bid log; none when a leader only raised their max.
    pub amount: Option<Wei>,
    pub high_bidder: BidderId,
    pub high_amount: Wei,
    /// Who led before this bid and no longer does.
    pub outbid: Option<BidderId>,
    pub ends_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BidRejected {
    /// The chat message's id (`platform:id`), to answer it.
    pub message_id: String,
    /// Where it was typed (`platform:channel`).
    pub channel: String,
    pub lot_id: Option<LotId>,
    pub bidder: BidderId,
    /// The amount offered (a `!bid max`'s ceiling stays private: none); none in events stored
    /// before it was carried.
    #[serde(default)]
    pub amount: Option<Wei>,
    pub reason: Rejection,
    /// The reason in the words the viewer is told.
    pub message: String,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BidVoided {
    pub lot_id: LotId,
    pub bid_id: BidId,
    pub bidder: BidderId,
    /// The amount the bid had entered into the bid log; none for a `!bid max` that only raised
    /// its bidder's ceiling, which stays private (these events reach public streams).
    pub amount: Option<Wei>,
    pub reason: String,
    /// The lead after the void, recomputed from the remaining bids.
    pub high_bidder: Option<BidderId>,
    pub high_amount: Option<Wei>,
}

/// An operator undid a void while the lot was open: the bid stands again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BidReinstated {
    pub lot_id: LotId,
    pub bid_id: BidId,
    pub bidder: BidderId,
    /// As `bid.voided`'s: none for a max bid's private ceiling.
    pub amount: Option<Wei>,
    /// The lead after the reinstatement, recomputed from the standing bids.
    pub high_bidder: Option<BidderId>,
    pub high_amount: Option<Wei>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BidderBanned {
    pub bidder: BidderId,
    pub reason: String,
    pub voided_bids: Vec<BidId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BidderUnbanned {
    pub bidder: BidderId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BiddingToggled {
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DepositCredited {
    #[ts(type = "string")]
    pub wallet: alloy_primitives::Address,
    pub amount: Wei,
    pub tx_hash: String,
    pub log_index: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SettlementAttempt {
    pub lot_id: LotId,
    pub tx_hash: String,
    pub nonce: u64,
    pub status: String,
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_voids_reason_stays_off_the_public_stream() {
        let voided = Event::BidVoided(BidVoided {
            lot_id: LotId(7),
            bid_id: BidId(3),
            bidder: BidderId::parse("twitch:1").expect("id"),
            amount: Some(Wei::from(5u128)),
            reason: "fat finger, asked in whispers".into(),
            high_bidder: None,
            high_amount: None,
        });
        let public = serde_json::to_string(&voided.public_form().expect("a public form")).expect("json");
        assert!(!public.contains("fat finger") && public.contains("\"amount\":\"5\""), "{public}");
        let opened = Event::BidderUnbanned(BidderUnbanned { bidder: BidderId::parse("twitch:1").expect("id") });
        assert_eq!(opened.public_form(), None);
        let paused = Event::BiddingPaused(BiddingToggled { by: "ada".into() });
        assert_eq!(paused.public_form(), Some(Event::BiddingPaused(BiddingToggled { by: String::new() })), "who paused stays off it");
    }
    use super::*;

    #[test]
    fn an_envelope_is_flat_json_with_type_and_payload() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let envelope = EventEnvelope {
            id: Uuid::nil(),
            seq: 7,
            occurred_at: at,
            event: Event::LotOpened(LotOpened { lot_id: LotId(3), marathon_id: MarathonId(1), starts_at: at, ends_at: at }),
        };
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["type"], "lot.opened");
        assert_eq!(json["seq"], 7);
        assert_eq!(json["payload"]["lot_id"], 3);
        let event = &envelope.event;
        assert_eq!(Event::from_parts(event.event_type(), event.payload()).unwrap(), envelope.event);
        assert_eq!(serde_json::from_value::<EventEnvelope>(json).unwrap(), envelope);
    }
}
