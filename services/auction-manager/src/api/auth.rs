//! API token authentication and role checks. Every route but the public ones and the health
//! probes takes a [`Caller`], so an unauthenticated request never reaches a handler.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use gavel_store::users::{self, User};

use super::AppState;
use super::error::ApiError;
use crate::users::{Role, token_digest};

/// The authenticated user making the request.
pub struct Caller {
    pub user: User,
    pub role: Role,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).and_then(|value| value.to_str().ok()).ok_or(ApiError::Unauthenticated)?;
        let token = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).ok_or(ApiError::Unauthenticated)?;
        let user = users::by_token(&state.pool, &token_digest(token)).await?.ok_or(ApiError::Unauthenticated)?;
        let role = Role::parse(&user.role)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("user {} has unknown role '{}'", user.id, user.role)))?;
        Ok(Caller { user, role })
    }
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
