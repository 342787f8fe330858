//! API token and session authentication, CSRF and role checks. Every route but the public ones and the health
//! probes takes a [`Caller`], so an unauthenticated request never reaches a handler.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use gavel_store::PgPool;
use gavel_store::users::{self, User};

use super::AppState;
use super::error::ApiError;
use crate::users::{Role, token_digest};

/// The authenticated user making the request.
pub struct Caller {
    pub user: User,
    pub role: Role,
}

/// The dashboard's session cookie.
pub const SESSION_COOKIE: &str = "gavel_session";
/// The header a browser mutation carries its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = authenticate(&state.pool, &parts.headers, !parts.method.is_safe()).await?;
        let role = Role::parse(&user.role)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("user {} has unknown role '{}'", user.id, user.role)))?;
        Ok(Caller { user, role })
    }
}

/// The user behind a request: an API token (`Authorization: Bearer`), or else the session
/// cookie, which for a `mutation` must come with its CSRF token in `X-CSRF-Token` (a cookie is
/// sent by the browser whoever asks; the header only by Gavel's own pages).
pub async fn authenticate(pool: &PgPool, headers: &HeaderMap, mutation: bool) -> Result<User, ApiError> {
    if let Some(header) = headers.get(AUTHORIZATION).and_then(|value| value.to_str().ok()) {
        let token = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).ok_or(ApiError::Unauthenticated)?;
        return users::by_token(pool, &token_digest(token)).await?.ok_or(ApiError::Unauthenticated);
    }
    let token = session_token(headers).ok_or(ApiError::Unauthenticated)?;
    let session = users::session(pool, &token_digest(&token)).await?.ok_or(ApiError::Unauthenticated)?;
    if mutation {
        let sent = headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok()).unwrap_or_default();
        if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
            return Err(ApiError::Csrf);
        }
    }
    Ok(session.user)
}

/// Whether a request may read (the event gateway's all-events stream asks this).
pub async fn can_read(pool: &PgPool, headers: &HeaderMap) -> bool {
    authenticate(pool, headers, false).await.is_ok()
}

/// The session cookie's value, if the request has one.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Extractors that admit a caller with at least one role. They run before the body is read, so
/// a caller without the role is refused (403) whatever they sent.
macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        pub struct $name(pub Caller);

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
                let caller = Caller::from_request_parts(parts, state).await?;
                if caller.role >= $role { Ok($name(caller)) } else { Err(ApiError::Forbidden($role.as_str())) }
            }
        }
    };
}

/// Reads: any authenticated user.
pub struct Viewer;

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Caller::from_request_parts(parts, state).await.map(|_| Viewer)
    }
}

role_extractor!(
    /// Moderates: pauses bidding, extends lots, voids bids, bans bidders.
    Operator,
    Role::Operator
);
role_extractor!(
    /// Configures: marathons and lots.
    Admin,
    Role::Admin
);
