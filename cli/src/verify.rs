//! `gavel verify --lot <id>`: recomputes a lot's bid-log hash from the public API, as any viewer
//! could, and compares it with the head the house recorded on chain at settlement.

use alloy::primitives::U256;
use alloy::providers::ProviderBuilder;
use anyhow::Context;
use chrono::{DateTime, Utc};
use gavel_chain::bindings::{AuctionHouse, LotStatus};
use gavel_chain::redact_urls;
use gavel_chain::settings::ChainSettings;
use gavel_domain::bid_log::{PublishedEntry, head_of_published};
use gavel_domain::{LotId, Wei};
use serde::{Deserialize, Serialize};

/// What `gavel verify` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub lot_id: LotId,
    pub entries: usize,
    /// The head recomputed from the public log.
    pub computed: String,
    /// The head the house recorded (zero before settlement).
    pub on_chain: String,
    pub on_chain_status: String,
    /// True only for a lot settled on chain whose recorded head equals the recomputed one.
    pub matches: bool,
}

/// `/api/public/lots/{id}/bid-log`, the fields the hash covers.
#[derive(Debug, Deserialize)]
struct PublicLog {
    entries: Vec<PublicEntry>,
}

#[derive(Debug, Deserialize)]
struct PublicEntry {
    kind: i16,
    bidder: String,
    wallet: String,
    amount_wei: Wei,
    received_at: DateTime<Utc>,
}

pub async fn lot(api: &str, chain: &ChainSettings, lot: LotId) -> anyhow::Result<Report> {
    let url = format!("{}/api/public/lots/{}/bid-log", api.trim_end_matches('/'), lot.0);
    let response = reqwest::get(&url).await.with_context(|| format!("cannot reach {url}"))?;
    let response = response.error_for_status().with_context(|| format!("{url} refused"))?;
    let log: PublicLog = response.json().await.with_context(|| format!("{url} did not return a bid log"))?;
    let published = log.entries.iter().map(|e| PublishedEntry {
        kind: e.kind,
        bidder: &e.bidder,
        wallet: &e.wallet,
        amount: e.amount_wei,
        received_at: e.received_at,
    });
    let computed = head_of_published(lot, published).context("the published bid log is malformed")?;
    let provider = ProviderBuilder::new().connect_http(chain.rpc_url()?);
    let house = AuctionHouse::new(chain.house()?, provider);
    let recorded = house
        .lotOf(U256::from(lot.0.unsigned_abs()))
        .call()
        .await
        .map_err(|error| anyhow::anyhow!("cannot read the lot from the auction house: {}", redact_urls(&error.to_string())))?;
    let status = LotStatus::from_abi(recorded.status).context("the auction house reports an unknown lot status")?;
    Ok(Report {
        lot_id: lot,
        entries: log.entries.len(),
        computed: computed.to_string(),
        on_chain: recorded.bidLogHash.to_string(),
        on_chain_status: format!("{status:?}"),
        matches: status.is_closed() && recorded.bidLogHash == computed,
    })
}
