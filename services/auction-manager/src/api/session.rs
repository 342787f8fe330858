//! Dashboard logins: `POST /api/session` checks the password (argon2) and sets an HttpOnly,
//! SameSite=Strict session cookie; the response carries the session's CSRF token, which the
//! dashboard sends back with every mutation. `GET` reads the session, `DELETE` ends it.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use gavel_store::users::{self, User};
use serde::Deserialize;

use super::AppState;
use super::auth::{Caller, SESSION_COOKIE, session_token};
use super::error::{ApiError, ApiJson};
use crate::users::token_digest;

/// How long a login lasts: a show's evening, with margin.
const SESSION_HOURS: i64 = 12;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

pub async fn login(State(state): State<AppState>, ApiJson(login): ApiJson<Login>) -> Result<Response, ApiError> {
    let found = users::with_password(&state.pool, &login.username).await?;
    // The hash is checked even for an unknown name, so timing does not tell which names exist.
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, DUMMY_HASH.to_owned()),
    };
    let verified =
        PasswordHash::new(&hash).is_ok_and(|parsed| Argon2::default().verify_password(login.password.as_bytes(), &parsed).is_ok());
    let Some(user) = user.filter(|_| verified) else { return Err(ApiError::Unauthenticated) };
    let token = random_hex();
    let csrf_token = random_hex();
    users::create_session(&state.pool, &token_digest(&token), user.id, &csrf_token, Utc::now() + chrono::Duration::hours(SESSION_HOURS))
        .await?;
    tracing::info!(user = user.username, "logged in");
    let cookie = format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}", SESSION_HOURS * 3600);
    let mut response = Json(body(&user, &csrf_token)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(response)
}

pub async fn current(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Session>, ApiError> {
    let token = session_token(&headers).ok_or(ApiError::Unauthenticated)?;
    let session = users::session(&state.pool, &token_digest(&token)).await?.ok_or(ApiError::Unauthenticated)?;
    Ok(Json(body(&session.user, &session.csrf_token)))
}

/// Ends the session (a mutation: its CSRF token is checked by [`Caller`]).
pub async fn logout(State(state): State<AppState>, _caller: Caller, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = session_token(&headers) {
        users::end_session(&state.pool, &token_digest(&token)).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let expired = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(response)
}

/// The signed-in user and the token every mutation must carry.
#[derive(serde::Serialize, ts_rs::TS)]
pub struct Session {
    user: SessionUser,
    csrf_token: String,
}

#[derive(serde::Serialize, ts_rs::TS)]
pub struct SessionUser {
    username: String,
    /// A role's name, as stored.
    #[ts(as = "crate::users::Role")]
    role: String,
}

fn body(user: &User, csrf_token: &str) -> Session {
    Session { user: SessionUser { username: user.username.clone(), role: user.role.clone() }, csrf_token: csrf_token.to_owned() }
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// An argon2id hash of a random password nobody knows, verified against when the name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zk8mH0kPqS0xqB7E3cS0m5hJm8cQxkz3YVv8QyqXH3M";
