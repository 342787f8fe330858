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

impl Caller {
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role { Ok(()) } else { Err(ApiError::Forbidden(role.as_str())) }
    }
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
