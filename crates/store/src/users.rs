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

/// A user with their password hash, for a login to check.
pub async fn with_password(db: impl PgExecutor<'_>, username: &str) -> Result<Option<(User, String)>, sqlx::Error> {
    let row: Option<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, username, role, password_hash FROM users WHERE username = $1").bind(username).fetch_optional(db).await?;
    Ok(row.map(|(id, username, role, hash)| (User { id, username, role }, hash)))
}

/// A logged-in session: its user and the CSRF token its mutations must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
}

pub async fn create_session(
    db: impl PgExecutor<'_>,
    token_sha256: &[u8],
    user_id: i64,
    csrf_token: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (token_sha256, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_sha256)
        .bind(user_id)
        .bind(csrf_token)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// The live session a cookie token belongs to.
pub async fn session(db: impl PgExecutor<'_>, token_sha256: &[u8]) -> Result<Option<Session>, sqlx::Error> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.username, u.role, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_sha256 = $1 AND s.expires_at > now()",
    )
    .bind(token_sha256)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, username, role, csrf_token)| Session { user: User { id, username, role }, csrf_token }))
}

/// Ends a session, and any expired ones.
pub async fn end_session(db: impl PgExecutor<'_>, token_sha256: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1 OR expires_at <= now()").bind(token_sha256).execute(db).await?;
    Ok(())
}
