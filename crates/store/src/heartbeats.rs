//! Heartbeats of services that run apart from the auction-manager (whose own parts beat in its
//! memory): each writes its last word here with the facts the health page shows for it.

use chrono::{DateTime, Utc};
use gavel_domain::Wei;
use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;

/// The settlement service's service name in the table.
pub const SETTLEMENT: &str = "settlement";

/// What the settlement service sees of the chain, so that the health page shows it from a process
/// without a `[chain]` section of its own. The signer's address only, never its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    pub chain_id: u64,
    /// None when the RPC did not answer this time.
    pub head: Option<u64>,
    pub signer: alloy_primitives::Address,
    pub signer_balance_wei: Option<Wei>,
}

/// Records that `service` is alive now, with its facts.
pub async fn beat(db: impl PgExecutor<'_>, service: &str, facts: &impl Serialize) -> Result<(), sqlx::Error> {
    let facts = serde_json::to_value(facts).map_err(|error| sqlx::Error::Encode(error.into()))?;
    sqlx::query(
        "INSERT INTO service_heartbeats (service, last_seen_at, facts) VALUES ($1, now(), $2)
         ON CONFLICT (service) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, facts = EXCLUDED.facts",
    )
    .bind(service)
    .bind(facts)
    .execute(db)
    .await?;
    Ok(())
}

/// A service's last heartbeat and its facts; none if it never beat.
pub async fn last<T: serde::de::DeserializeOwned>(
    db: impl PgExecutor<'_>,
    service: &str,
) -> Result<Option<(DateTime<Utc>, T)>, sqlx::Error> {
    let row: Option<(DateTime<Utc>, serde_json::Value)> =
        sqlx::query_as("SELECT last_seen_at, facts FROM service_heartbeats WHERE service = $1").bind(service).fetch_optional(db).await?;
    row.map(|(at, facts)| Ok((at, serde_json::from_value(facts).map_err(|error| crate::corrupt("service heartbeat", error))?))).transpose()
}
