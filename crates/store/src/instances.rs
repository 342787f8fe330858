//! The registry of ingest instances and their watermarks (see the engine).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IngestInstance {
    pub id: String,
    pub watermark: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<IngestInstance>, sqlx::Error> {
    sqlx::query_as("SELECT id, watermark, last_seen_at FROM ingest_instances ORDER BY id").fetch_all(db).await
}

/// Records the instances as seen; a watermark never moves backwards.
pub async fn save(db: impl PgExecutor<'_>, instances: &[IngestInstance]) -> Result<(), sqlx::Error> {
    if instances.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = instances.iter().map(|i| i.id.as_str()).collect();
    let watermarks: Vec<DateTime<Utc>> = instances.iter().map(|i| i.watermark).collect();
    let seen: Vec<DateTime<Utc>> = instances.iter().map(|i| i.last_seen_at).collect();
    sqlx::query(
        "INSERT INTO ingest_instances (id, watermark, last_seen_at)
         SELECT * FROM UNNEST($1::TEXT[], $2::TIMESTAMPTZ[], $3::TIMESTAMPTZ[])
         ON CONFLICT (id) DO UPDATE SET watermark = GREATEST(ingest_instances.watermark, EXCLUDED.watermark),
                                        last_seen_at = GREATEST(ingest_instances.last_seen_at, EXCLUDED.last_seen_at)",
    )
    .bind(&ids)
    .bind(&watermarks)
    .bind(&seen)
    .execute(db)
    .await?;
    Ok(())
}
