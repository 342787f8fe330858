//! The audit log: who changed what, written in the same transaction as the change.

use sqlx::PgExecutor;

pub async fn record(
    db: impl PgExecutor<'_>,
    user_id: i64,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (user_id, action, target, details) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(action)
        .bind(target)
        .bind(details)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub user_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
    pub at: chrono::DateTime<chrono::Utc>,
}

pub async fn for_target(db: impl PgExecutor<'_>, target: &str) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as("SELECT id, user_id, action, target, details, at FROM audit_log WHERE target = $1 ORDER BY id")
        .bind(target)
        .fetch_all(db)
        .await
}
