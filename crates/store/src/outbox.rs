//! The transactional outbox: events are written in the transaction that caused them (a trigger
//! then notifies `gavel_outbox`), and the relay publishes them in order, assigning `seq`.

use chrono::{DateTime, Utc};
use gavel_domain::events::{Event, EventEnvelope};
use sqlx::PgExecutor;
use uuid::Uuid;

/// The channel the insert trigger notifies.
pub const NOTIFY_CHANNEL: &str = "gavel_outbox";

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

/// Appends many events in one statement, in the order given.
pub async fn append_many(db: impl PgExecutor<'_>, events: &[Event], occurred_at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let types: Vec<&str> = events.iter().map(Event::event_type).collect();
    let lots: Vec<Option<i64>> = events.iter().map(|e| e.lot_id().map(|id| id.0)).collect();
    let payloads: Vec<serde_json::Value> = events.iter().map(Event::payload).collect();
    sqlx::query(
        "INSERT INTO outbox (event_type, lot_id, payload, occurred_at)
         SELECT t, l, p, $4 FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::JSONB[]) WITH ORDINALITY AS e(t, l, p, n) ORDER BY n",
    )
    .bind(&types)
    .bind(&lots)
    .bind(&payloads)
    .bind(occurred_at)
    .execute(db)
    .await?;
    Ok(())
}

/// An event as stored, before the relay numbers it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub event_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub event: Event,
}

fn stored(
    (event_id, event_type, payload, occurred_at): (Uuid, String, serde_json::Value, DateTime<Utc>),
) -> Result<StoredEvent, sqlx::Error> {
    let event = Event::from_parts(&event_type, payload).map_err(|error| crate::corrupt("event", error))?;
    Ok(StoredEvent { event_id, occurred_at, event })
}

/// The events about one lot, in the order they were written.
pub async fn for_lot(db: impl PgExecutor<'_>, lot_id: i64) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let rows: Vec<(Uuid, String, serde_json::Value, DateTime<Utc>)> =
        sqlx::query_as("SELECT event_id, event_type, payload, occurred_at FROM outbox WHERE lot_id = $1 ORDER BY id")
            .bind(lot_id)
            .fetch_all(db)
            .await?;
    rows.into_iter().map(stored).collect()
}

/// Numbers the next events not numbered yet, in insertion order, after the last `seq` given.
/// Returns how many it numbered. Callers hold the relay's advisory lock in the same transaction
/// and commit before publishing: a number, once given, is never given to another event.
pub async fn number_next(conn: &mut sqlx::PgConnection, limit: i64) -> Result<u64, sqlx::Error> {
    let numbered = sqlx::query(
        "WITH next AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM
                         (SELECT id FROM outbox WHERE seq IS NULL ORDER BY id LIMIT $1 FOR UPDATE) AS unnumbered),
              last AS (SELECT COALESCE(max(seq), 0) AS seq FROM outbox)
         UPDATE outbox SET seq = last.seq + next.n FROM next, last WHERE outbox.id = next.id",
    )
    .bind(limit)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(numbered)
}

type NumberedRow = (i64, Uuid, String, serde_json::Value, DateTime<Utc>);

fn envelope((seq, event_id, event_type, payload, occurred_at): NumberedRow) -> Result<EventEnvelope, sqlx::Error> {
    let event = stored((event_id, event_type, payload, occurred_at))?;
    Ok(EventEnvelope { id: event.event_id, seq, occurred_at: event.occurred_at, event: event.event })
}

/// Numbered events not yet published, in `seq` order.
pub async fn numbered_unpublished(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<EventEnvelope>, sqlx::Error> {
    let rows: Vec<NumberedRow> = sqlx::query_as(
        "SELECT seq, event_id, event_type, payload, occurred_at FROM outbox
         WHERE seq IS NOT NULL AND published_at IS NULL ORDER BY seq LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(envelope).collect()
}

/// Numbered events after `seq`, in order: what a reconnecting client missed.
pub async fn numbered_after(db: impl PgExecutor<'_>, seq: i64, limit: i64) -> Result<Vec<EventEnvelope>, sqlx::Error> {
    let rows: Vec<NumberedRow> =
        sqlx::query_as("SELECT seq, event_id, event_type, payload, occurred_at FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(seq)
            .bind(limit)
            .fetch_all(db)
            .await?;
    rows.into_iter().map(envelope).collect()
}

/// The highest `seq` numbered so far.
pub async fn head(db: impl PgExecutor<'_>) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(seq) FROM outbox").fetch_one(db).await
}

/// Events committed but not yet published (numbered or not), through the partial index on them.
pub async fn backlog(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetch_one(db).await
}

/// Which published events to list (each filter when given).
#[derive(Debug, Clone, Copy, Default)]
pub struct EventFilter<'a> {
    pub event_type: Option<&'a str>,
    pub lot_id: Option<i64>,
    /// A bidder by id (`twitch:1004`), login or display name (any case): events naming them.
    pub bidder: Option<&'a str>,
    /// Only events older than this `seq` (the next page).
    pub before_seq: Option<i64>,
}

/// Published events, newest first, as `filter` selects them.
pub async fn recent(db: impl PgExecutor<'_>, filter: EventFilter<'_>, limit: u32) -> Result<Vec<EventEnvelope>, sqlx::Error> {
    let rows: Vec<NumberedRow> = sqlx::query_as(
        "SELECT seq, event_id, event_type, payload, occurred_at FROM outbox
         WHERE seq IS NOT NULL AND ($1::TEXT IS NULL OR event_type = $1) AND ($2::BIGINT IS NULL OR lot_id = $2)
           AND ($4::BIGINT IS NULL OR seq < $4)
           AND ($5::TEXT IS NULL OR EXISTS (
                 SELECT 1 FROM bidders b WHERE (b.id = $5 OR lower(b.login) = lower($5) OR lower(b.display_name) = lower($5))
                   AND strpos(outbox.payload::TEXT, '\"' || b.id || '\"') > 0))
         ORDER BY seq DESC LIMIT $3",
    )
    .bind(filter.event_type)
    .bind(filter.lot_id)
    .bind(i64::from(limit))
    .bind(filter.before_seq)
    .bind(filter.bidder.map(str::trim).filter(|text| !text.is_empty()))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(envelope).collect()
}

/// Marks events published (after the broker confirmed them).
pub async fn mark_published(db: impl PgExecutor<'_>, seqs: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET published_at = now() WHERE seq = ANY($1) AND published_at IS NULL").bind(seqs).execute(db).await?;
    Ok(())
}
