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

/// An audit entry with the name of who made it, as the live lot's trail shows it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, ts_rs::TS)]
pub struct LotAuditEntry {
    pub id: i64,
    /// The user's name; none for a user since deleted.
    pub username: Option<String>,
    pub action: String,
    pub target: String,
    /// What the action recorded: `reason`, `from`/`to`, `voided_bids`, … (always an object).
    #[ts(type = "Record<string, unknown>")]
    pub details: serde_json::Value,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// What operators did to a lot, newest first: actions on the lot itself and on its bids, bans and
/// unbans of its bidders while it ran (or that voided or reinstated its bids), and pauses of all
/// bidding while it ran (until its winner was final, or it was cancelled).
pub async fn for_lot(db: impl PgExecutor<'_>, lot: gavel_domain::LotId, limit: u32) -> Result<Vec<LotAuditEntry>, sqlx::Error> {
    sqlx::query_as(
        "WITH lot AS (SELECT id, starts_at,
                             COALESCE(winner_final_at, CASE WHEN state = 'CANCELLED' THEN updated_at END, 'infinity') AS until
                      FROM lots WHERE id = $1)
         SELECT a.id, u.username, a.action, a.target, a.details, a.at
         FROM audit_log a CROSS JOIN lot LEFT JOIN users u ON u.id = a.user_id
         WHERE a.target = 'lot:' || lot.id
            OR (a.target LIKE 'bid:%' AND a.details->>'lot_id' = lot.id::TEXT)
            OR (a.action IN ('bidder.ban', 'bidder.unban') AND (
                  EXISTS (SELECT 1 FROM bids b WHERE b.lot_id = lot.id
                          AND (a.details->'voided_bids' @> to_jsonb(b.id) OR a.details->'reinstated_bids' @> to_jsonb(b.id)))
                  OR (a.at BETWEEN lot.starts_at AND lot.until
                      AND substring(a.target FROM 8) IN (SELECT bidder_id FROM bids WHERE lot_id = lot.id))))
            OR (a.action IN ('bidding.pause', 'bidding.resume') AND a.at BETWEEN lot.starts_at AND lot.until)
         ORDER BY a.id DESC LIMIT $2",
    )
    .bind(lot.0)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}
