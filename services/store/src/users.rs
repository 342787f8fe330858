//! Dashboard and API users, and their API tokens (stored as SHA-256 digests only).

use sqlx::PgExecutor;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: String,
}

/// Creates a user; `None` when the name is taken.
pub async fn create(db: impl PgExecutor<'_>, username: &str, role: &str, password_hash: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO users (username, role, password_hash) VALUES ($1, $2, $3)
         ON CONFLICT (username) DO NOTHING RETURNING id, username, role",
    )
    .bind(username)
    .bind(role)
    .bind(password_hash)
    .fetch_optional(db)
    .await
}

pub async fn add_token(db: impl PgExecutor<'_>, user_id: i64, token_sha256: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO api_tokens (user_id, token_sha256) VALUES ($1, $2)").bind(user_id).bind(token_sha256).execute(db).await?;
    Ok(())
}

/// The user a live token belongs to.
pub async fn by_token(db: impl PgExecutor<'_>, token_sha256: &[u8]) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.username, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL",
    )
    .bind(token_sha256)
    .fetch_optional(db)
    .await
}
