//! The transactional outbox: events are written in the transaction that caused them, and a
//! relay (the bidding-pipeline issue) publishes them and assigns their `seq`.

use chrono::{DateTime, Utc};
use gavel_domain::events::Event;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Appends `event` to the outbox; returns its event id.
pub async fn append(db: impl PgExecutor<'_>, event: &Event, occurred_at: DateTime<Utc>) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO outbox (event_type, lot_id, payload, occurred_at) VALUES ($1, $2, $3, $4) RETURNING event_id")
        .bind(event.event_type())
        .bind(event.lot_id().map(|id| id.0))
        .bind(event.payload())
        .bind(occurred_at)
        .fetch_one(db)
        .await
}

/// An event as stored, before the relay numbers it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub event_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub event: Event,
}

/// The events about one lot, in the order they were written.
pub async fn for_lot(db: impl PgExecutor<'_>, lot_id: i64) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let rows: Vec<(Uuid, String, serde_json::Value, DateTime<Utc>)> =
        sqlx::query_as("SELECT event_id, event_type, payload, occurred_at FROM outbox WHERE lot_id = $1 ORDER BY id")
            .bind(lot_id)
            .fetch_all(db)
            .await?;
    rows.into_iter()
        .map(|(event_id, event_type, payload, occurred_at)| {
            let event = Event::from_parts(&event_type, payload).map_err(|error| crate::corrupt("event", error))?;
            Ok(StoredEvent { event_id, occurred_at, event })
        })
        .collect()
}
