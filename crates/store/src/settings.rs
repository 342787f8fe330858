//! Live switches an operator flips: maintenance mode (bidding paused).

use sqlx::PgExecutor;

pub async fn bidding_paused(db: impl PgExecutor<'_>) -> Result<bool, sqlx::Error> {
    let value: serde_json::Value = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'bidding_paused'")
        .fetch_optional(db)
        .await?
        .unwrap_or(serde_json::Value::Bool(false));
    Ok(value.as_bool().unwrap_or(false))
}

/// Sets maintenance mode; returns whether it changed.
pub async fn set_bidding_paused(db: impl PgExecutor<'_>, paused: bool) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('bidding_paused', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
         WHERE settings.value IS DISTINCT FROM EXCLUDED.value",
    )
    .bind(serde_json::Value::Bool(paused))
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Whether Gavel answers in chat (the dashboard's switch).
pub async fn chat_replies(db: impl PgExecutor<'_>) -> Result<bool, sqlx::Error> {
    let value: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'chat_replies'").fetch_optional(db).await?;
    Ok(value.and_then(|v| v.as_bool()).unwrap_or(true))
}

/// Sets the chat replies switch; returns whether it changed.
pub async fn set_chat_replies(db: impl PgExecutor<'_>, enabled: bool) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('chat_replies', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
         WHERE settings.value IS DISTINCT FROM EXCLUDED.value",
    )
    .bind(serde_json::Value::Bool(enabled))
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}
