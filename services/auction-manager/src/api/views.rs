//! What the API returns: stored records shaped for JSON. Amounts are decimal wei strings with
//! an ETH rendering beside them for people; proxy maxima stay private.

use chrono::{DateTime, Utc};
use gavel_domain::lot::LotState;
use gavel_domain::marathon::MarathonSpec;
use gavel_domain::{LotId, MarathonId, Wei};
use gavel_store::bids::Standing;
use gavel_store::lots::LotRecord;
use gavel_store::marathons::Marathon;
use serde::Serialize;

#[derive(Serialize, ts_rs::TS)]
#[ts(rename = "Marathon")]
pub struct MarathonView {
    pub id: MarathonId,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub spec: MarathonSpec,
}

impl From<&Marathon> for MarathonView {
    fn from(marathon: &Marathon) -> Self {
        MarathonView { id: marathon.id, created_at: marathon.created_at, spec: marathon.config.to_spec() }
    }
}

#[derive(Serialize, ts_rs::TS)]
pub struct Amount {
    pub wei: Wei,
    pub eth: String,
}

impl From<Wei> for Amount {
    fn from(wei: Wei) -> Self {
        Amount { wei, eth: wei.to_eth_string() }
    }
}

#[derive(Serialize, ts_rs::TS)]
#[ts(rename = "HighBid")]
pub struct HighBidView {
    pub bidder: String,
    pub amount: Amount,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(rename = "Lot")]
pub struct LotView {
    pub id: LotId,
    /// The token minted for the lot has the lot's id.
    pub token_id: LotId,
    pub marathon_id: MarathonId,
    pub day_index: u32,
    pub token_uri: String,
    pub image_url: String,
    pub state: LotState,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub extensions_used: u32,
    pub high_bid: Option<HighBidView>,
    pub winner_final_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    /// An operator stopped the lot's clock then: it has `ends_at − paused_at` left.
    pub paused_at: Option<DateTime<Utc>>,
}

impl From<&LotRecord> for LotView {
    fn from(record: &LotRecord) -> Self {
        let lot = &record.lot;
        LotView {
            id: lot.id,
            token_id: lot.id,
            marathon_id: lot.marathon_id,
            day_index: record.day_index,
            token_uri: record.token_uri.clone(),
            image_url: record.image_url.clone(),
            state: lot.state,
            starts_at: lot.starts_at,
            ends_at: lot.ends_at,
            extensions_used: lot.extensions_used,
            high_bid: lot.high.as_ref().map(|high| HighBidView { bidder: high.bidder.to_string(), amount: high.amount.into() }),
            winner_final_at: lot.winner_final_at,
            cancel_reason: record.cancel_reason.clone(),
            paused_at: lot.paused_at,
        }
    }
}

#[derive(Serialize, ts_rs::TS)]
#[ts(rename = "Standing")]
pub struct StandingView {
    pub rank: usize,
    pub bidder: String,
    pub amount: Amount,
}

pub fn ranked(standings: Vec<Standing>) -> Vec<StandingView> {
    standings.into_iter().enumerate().map(|(i, s)| StandingView { rank: i + 1, bidder: s.bidder, amount: s.amount_wei.into() }).collect()
}
