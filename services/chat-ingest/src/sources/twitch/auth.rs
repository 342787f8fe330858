//! Twitch OAuth user tokens kept fresh for a marathon that lasts days: an access token lives about
//! four hours, so the bot refreshes it with its refresh token before it expires, and again whenever
//! the chat server rejects a login. Token values stay wrapped in [`SecretString`] from the
//! configuration to the `PASS` line; neither `Debug` nor any error here contains one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

/// Twitch's token endpoint.
pub const TWITCH_TOKEN_URL: &str = "https://id.twitch.tv/oauth2/token";

/// How long before expiry a token is refreshed unless told otherwise.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(10 * 60);

/// The bound on one refresh request, so a hung token endpoint cannot stall reconnects forever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// The bot account's OAuth credentials.
#[derive(Debug, Clone)]
pub struct TwitchCredentials {
    pub client_id: String,
    /// Empty for a public client (device code flow), which refreshes without a secret.
    pub client_secret: SecretString,
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    /// When the access token expires; `None` when unknown, in which case it is refreshed only
    /// after the server rejects it.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Why a token could not be refreshed. No variant carries a token or secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no refresh token configured")]
    NoRefreshToken,
    #[error("token endpoint unreachable: {0}")]
    Http(#[source] reqwest::Error),
    #[error("token endpoint refused the refresh ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("token endpoint answered with an unreadable body (line {line}, column {column})")]
    InvalidResponse { line: usize, column: usize },
}

impl AuthError {
    /// Whether retrying cannot help: the endpoint refused the refresh token or the client itself,
    /// so a person must authorize the bot again.
    pub fn is_permanent(&self) -> bool {
        matches!(self, AuthError::NoRefreshToken)
            || matches!(self, AuthError::Rejected { status, .. } if (400..500).contains(status) && *status != 429)
    }
}

/// The token endpoint's answer. Its `scope` and `token_type` fields are ignored: the scopes were
/// chosen when a person authorized the bot, and the type is always `bearer`.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
}

/// Twitch's error body: `{"status":400,"message":"Invalid refresh token"}`.
#[derive(Deserialize)]
struct ErrorResponse {
    message: Option<String>,
}

/// Holds the current credentials and refreshes them when needed. Refreshes are serialized, so
/// concurrent callers never spend the same refresh token twice.
pub struct TokenKeeper {
    credentials: Mutex<TwitchCredentials>,
    token_url: String,
    margin: Duration,
    http: reqwest::Client,
}

impl std::fmt::Debug for TokenKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeeper").field("token_url", &self.token_url).field("margin", &self.margin).finish_non_exhaustive()
    }
}

impl TokenKeeper {
    /// A keeper refreshing against `token_url` ([`TWITCH_TOKEN_URL`] in production) with the
    /// default margin.
    pub fn new(credentials: TwitchCredentials, token_url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap_or_default();
        TokenKeeper { credentials: Mutex::new(credentials), token_url: token_url.into(), margin: DEFAULT_REFRESH_MARGIN, http }
    }

    /// Refresh when less than `margin` of the token's life remains.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The current access token, refreshed first if it expires within the margin.
    pub async fn access_token(&self) -> Result<SecretString, AuthError> {
        let mut credentials = self.credentials.lock().await;
        if needs_refresh(credentials.expires_at, Utc::now(), self.margin) {
            self.refresh_locked(&mut credentials).await?;
        }
        Ok(credentials.access_token.clone())
    }

    /// Refreshes now, whatever the expiry says (after the server rejected the login), and returns
    /// the new access token.
    pub async fn refresh(&self) -> Result<SecretString, AuthError> {
        let mut credentials = self.credentials.lock().await;
        self.refresh_locked(&mut credentials).await?;
        Ok(credentials.access_token.clone())
    }

    /// A copy of the current credentials, to persist the rotated refresh token.
    pub async fn credentials(&self) -> TwitchCredentials {
        self.credentials.lock().await.clone()
    }

    async fn refresh_locked(&self, credentials: &mut TwitchCredentials) -> Result<(), AuthError> {
        if credentials.refresh_token.expose_secret().is_empty() {
            return Err(AuthError::NoRefreshToken);
        }
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", credentials.refresh_token.expose_secret()),
            ("client_id", credentials.client_id.as_str()),
        ];
        if !credentials.client_secret.expose_secret().is_empty() {
            form.push(("client_secret", credentials.client_secret.expose_secret()));
        }
        // `without_url`: reqwest errors print the URL, and although ours carries no secret, a
        // misconfigured one might.
        let response = self.http.post(&self.token_url).form(&form).send().await.map_err(|e| AuthError::Http(e.without_url()))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| AuthError::Http(e.without_url()))?;

        if !status.is_success() {
            let message = serde_json::from_slice::<ErrorResponse>(&body).ok().and_then(|e| e.message).unwrap_or_default();
            return Err(AuthError::Rejected { status: status.as_u16(), message: scrub(&message, credentials) });
        }
        let token: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| AuthError::InvalidResponse { line: e.line(), column: e.column() })?;

        let now = Utc::now();
        credentials.access_token = SecretString::from(token.access_token);
        // Twitch may rotate the refresh token; when it does not send one, the old one stays valid.
        if let Some(refresh_token) = token.refresh_token.filter(|t| !t.is_empty()) {
            credentials.refresh_token = SecretString::from(refresh_token);
        }
        credentials.expires_at = token.expires_in.and_then(|secs| now.checked_add_signed(chrono::Duration::seconds(secs)));
        tracing::info!(expires_at = ?credentials.expires_at, "twitch access token refreshed");
        Ok(())
    }
}

/// Whether a token expiring at `expires_at` must be refreshed at `now`. An unknown expiry is
/// trusted until the server says otherwise.
pub fn needs_refresh(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>, margin: Duration) -> bool {
    let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::MAX);
    match expires_at {
        Some(expires_at) => expires_at.signed_duration_since(now) < margin,
        None => false,
    }
}

/// The server's message, minus anything that looks like our secrets, bounded in length.
fn scrub(message: &str, credentials: &TwitchCredentials) -> String {
    let mut message: String = message.chars().take(200).collect();
    for secret in [&credentials.access_token, &credentials.refresh_token, &credentials.client_secret] {
        let secret = secret.expose_secret();
        if !secret.is_empty() {
            message = message.replace(secret, "[REDACTED]");
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::extract::{Form, State};
    use axum::http::StatusCode;
    use axum::routing::post;
    use std::collections::HashMap;

    fn credentials(expires_at: Option<DateTime<Utc>>) -> TwitchCredentials {
        TwitchCredentials {
            client_id: "client-id-1".to_owned(),
            client_secret: SecretString::from("client-secret-S3CR3T".to_owned()),
            access_token: SecretString::from("access-OLD-T0KEN".to_owned()),
            refresh_token: SecretString::from("refresh-OLD-T0KEN".to_owned()),
            expires_at,
        }
    }

    /// A token endpoint that accepts `refresh-OLD-T0KEN` once (then the rotated one), or always
    /// refuses when `refuse` is set; counts calls.
    async fn fake_endpoint(refuse: bool) -> (String, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let app = axum::Router::new()
            .route(
                "/oauth2/token",
                post(|State((calls, refuse)): State<(Arc<AtomicUsize>, bool)>, Form(form): Form<HashMap<String, String>>| async move {
                    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                    let valid = form.get("grant_type").map(String::as_str) == Some("refresh_token")
                        && form.get("client_id").map(String::as_str) == Some("client-id-1")
                        && form.get("client_secret").map(String::as_str) == Some("client-secret-S3CR3T");
                    if refuse || !valid {
                        // Echoes the token, as a careless server might.
                        let message = format!("Invalid refresh token {}", form.get("refresh_token").cloned().unwrap_or_default());
                        return (StatusCode::BAD_REQUEST, axum::Json(serde_json::json!({"status": 400, "message": message})));
                    }
                    let body = serde_json::json!({
                        "access_token": format!("access-NEW-{n}"),
                        "refresh_token": format!("refresh-NEW-{n}"),
                        "expires_in": 14_400,
                        "scope": ["chat:read", "chat:edit"],
                        "token_type": "bearer",
                    });
                    (StatusCode::OK, axum::Json(body))
                }),
            )
            .with_state((calls.clone(), refuse));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/oauth2/token", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, calls)
    }

    #[test]
    fn refresh_is_needed_only_inside_the_margin() {
        let now = Utc::now();
        let margin = Duration::from_secs(600);
        assert!(needs_refresh(Some(now + chrono::Duration::seconds(599)), now, margin));
        assert!(needs_refresh(Some(now - chrono::Duration::seconds(1)), now, margin));
        assert!(!needs_refresh(Some(now + chrono::Duration::seconds(601)), now, margin));
        assert!(!needs_refresh(None, now, margin));
    }

    #[test]
    fn debug_output_hides_every_secret() {
        let credentials = credentials(None);
        let printed = format!("{credentials:?} {:?}", TokenKeeper::new(credentials.clone(), "http://127.0.0.1:1/"));
        for secret in ["client-secret-S3CR3T", "access-OLD-T0KEN", "refresh-OLD-T0KEN"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(printed.contains("client-id-1"));
    }

    #[tokio::test]
    async fn keeps_a_fresh_token_without_calling_the_endpoint() {
        let (url, calls) = fake_endpoint(false).await;
        let keeper = TokenKeeper::new(credentials(Some(Utc::now() + chrono::Duration::hours(3))), url);
        assert_eq!(keeper.access_token().await.unwrap().expose_secret(), "access-OLD-T0KEN");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn refreshes_a_token_near_expiry_and_keeps_the_rotated_refresh_token() {
        let (url, calls) = fake_endpoint(false).await;
        let keeper = TokenKeeper::new(credentials(Some(Utc::now() + chrono::Duration::minutes(5))), url);
        assert_eq!(keeper.access_token().await.unwrap().expose_secret(), "access-NEW-1");
        // Fresh now: a second call does not refresh again.
        assert_eq!(keeper.access_token().await.unwrap().expose_secret(), "access-NEW-1");
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let saved = keeper.credentials().await;
        assert_eq!(saved.refresh_token.expose_secret(), "refresh-NEW-1");
        let expires_in = saved.expires_at.unwrap() - Utc::now();
        assert!(expires_in > chrono::Duration::hours(3) && expires_in <= chrono::Duration::hours(4));

        assert_eq!(keeper.refresh().await.unwrap().expose_secret(), "access-NEW-2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_custom_margin_is_honoured() {
        let (url, calls) = fake_endpoint(false).await;
        let keeper =
            TokenKeeper::new(credentials(Some(Utc::now() + chrono::Duration::minutes(5))), url).with_margin(Duration::from_secs(60));
        assert_eq!(keeper.access_token().await.unwrap().expose_secret(), "access-OLD-T0KEN");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_refused_refresh_is_permanent_and_its_error_names_no_secret() {
        let (url, calls) = fake_endpoint(true).await;
        let keeper = TokenKeeper::new(credentials(Some(Utc::now())), url);
        let error = keeper.access_token().await.unwrap_err();
        assert!(error.is_permanent());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let printed = format!("{error} {error:?}");
        assert!(printed.contains("400") && printed.contains("Invalid refresh token"), "{printed}");
        for secret in ["client-secret-S3CR3T", "access-OLD-T0KEN", "refresh-OLD-T0KEN"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        // The old token is kept: nothing half-updated.
        assert_eq!(keeper.credentials().await.access_token.expose_secret(), "access-OLD-T0KEN");
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_retryable_and_names_no_secret() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/oauth2/token", listener.local_addr().unwrap());
        drop(listener);
        let keeper = TokenKeeper::new(credentials(None), url);
        let error = keeper.refresh().await.unwrap_err();
        assert!(matches!(error, AuthError::Http(_)) && !error.is_permanent());
        let printed = format!("{error} {error:?}");
        for secret in ["client-secret-S3CR3T", "access-OLD-T0KEN", "refresh-OLD-T0KEN"] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }

    #[tokio::test]
    async fn without_a_refresh_token_nothing_is_sent() {
        let (url, calls) = fake_endpoint(false).await;
        let mut credentials = credentials(None);
        credentials.refresh_token = SecretString::from(String::new());
        let keeper = TokenKeeper::new(credentials, url);
        assert!(matches!(keeper.refresh().await, Err(AuthError::NoRefreshToken)));
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }
}
