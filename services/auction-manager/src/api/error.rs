//! API errors and the JSON body extractor. Every error is a JSON body
//! `{"error": code, "message": text, "field": name?}` with a 4xx status, except a failure of
//! Gavel itself (500), whose cause is logged and never sent.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use gavel_domain::marathon::FieldError;
use serde::de::DeserializeOwned;

use crate::moderation::ModerationError;

#[derive(Debug)]
pub enum ApiError {
    /// The body is not JSON at all.
    MalformedJson(String),
    /// A field is missing, unknown, of the wrong type or has a value the rules refuse.
    InvalidField {
        field: String,
        message: String,
    },
    Unauthenticated,
    /// A session-authenticated mutation without its CSRF token.
    Csrf,
    Forbidden(&'static str),
    NotFound(&'static str),
    Conflict(String),
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::InvalidField { field: field.into(), message: message.into() }
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::field(error.field, error.problem)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::Internal(error.into())
    }
}

impl From<ModerationError> for ApiError {
    fn from(error: ModerationError) -> Self {
        match error {
            ModerationError::NotFound(what) => ApiError::NotFound(what),
            ModerationError::Conflict(message) => ApiError::Conflict(message),
            ModerationError::Database(error) => error.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = match self {
            ApiError::MalformedJson(message) => (StatusCode::BAD_REQUEST, "malformed_json", message, None),
            ApiError::InvalidField { field, message } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message, Some(field)),
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "log in, or send an API token as `Authorization: Bearer <token>`".into(),
                None,
            ),
            ApiError::Csrf => (StatusCode::FORBIDDEN, "csrf", "send the session's CSRF token in X-CSRF-Token".into(), None),
            ApiError::Forbidden(role) => (StatusCode::FORBIDDEN, "forbidden", format!("this needs the {role} role"), None),
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", format!("{what} not found"), None),
            ApiError::Conflict(message) => (StatusCode::CONFLICT, "conflict", message, None),
            ApiError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Gavel could not complete this request; it is logged".into(), None)
            }
        };
        (status, Json(ErrorBody { error: code.to_owned(), message, field })).into_response()
    }
}

/// Every error's body: a code to branch on, a message for people, and the field at fault when
/// one is.
#[derive(serde::Serialize, ts_rs::TS)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

/// A JSON body whose errors name the field at fault (`days`, `anti_snipe.window`, …).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::MalformedJson("send the body as JSON with `Content-Type: application/json`".into()));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| ApiError::MalformedJson(rejection.body_text()))?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let inner = error.inner();
            if inner.is_syntax() || inner.is_eof() {
                return ApiError::MalformedJson(format!("the body is not valid JSON: {inner}"));
            }
            let message = inner.to_string();
            let path = error.path().to_string();
            // serde names an unknown field in its message, and its path is the parent's.
            let field = match message.strip_prefix("unknown field `").and_then(|rest| rest.split_once('`')) {
                Some((name, _)) => name.to_owned(),
                None => path,
            };
            ApiError::InvalidField { field, message: plain_words(&strip_position(&message)) }
        })?;
        deserializer.end().map_err(|error| ApiError::MalformedJson(format!("the body is not valid JSON: {error}")))?;
        Ok(ApiJson(value))
    }
}

/// A body that may be left out: `None` when the request has none (no body, no content type), and
/// the same errors as `ApiJson` when it has one.
impl<S: Send + Sync, T: DeserializeOwned> axum::extract::OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let empty = request.headers().get(CONTENT_TYPE).is_none()
            && request.headers().get(axum::http::header::CONTENT_LENGTH).is_none_or(|length| length.as_bytes() == b"0");
        if empty {
            return Ok(None);
        }
        <ApiJson<T> as FromRequest<S>>::from_request(request, state).await.map(Some)
    }
}

/// serde_json appends "at line 1 column 42"; the field name says more to a person.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// serde's and the parsers' words for people who type into a form: "expected u32" says nothing to
/// an operator, "a whole number from 0 to 4294967295" does. What is not recognised is kept.
fn plain_words(message: &str) -> String {
    const TYPES: [(&str, &str); 6] = [
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number from 0 to 4294967295"),
        ("expected u64", "expected a whole number of 0 or more"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
    ];
    let mut plain = message.to_owned();
    for (jargon, words) in TYPES {
        if let Some(at) = plain.find(jargon)
            && !plain[at + jargon.len()..].starts_with(|c: char| c.is_ascii_digit())
        {
            plain.replace_range(at..at + jargon.len(), words);
        }
    }
    // chrono's parse errors say what went wrong with the text, not what was expected.
    if ["input contains invalid characters", "premature end of input", "trailing input", "input is out of range"]
        .iter()
        .any(|chrono| message.contains(chrono))
    {
        return format!("is not a date or time as expected (2026-12-31, 20:00 or 2026-12-31T20:00:00Z): {message}");
    }
    // Then addresses (after chrono, whose "invalid characters" is not hex): parsed as hex: its errors name digits, not addresses.
    if ["odd number of digits", "invalid string length", "invalid character"].iter().any(|hex| message.contains(hex)) {
        return format!("must be an address: 0x and 40 hexadecimal digits ({message})");
    }
    plain
}

/// A path parameter whose errors are JSON like every other.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// A query string whose errors are JSON like every other.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        ApiError::field("id", rejection.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::field("query", rejection.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::plain_words;

    #[test]
    fn serde_and_parser_jargon_is_put_in_plain_words() {
        assert_eq!(
            plain_words("invalid value: integer `-1`, expected u32"),
            "invalid value: integer `-1`, expected a whole number from 0 to 4294967295"
        );
        assert!(plain_words("odd number of digits").starts_with("must be an address: 0x and 40 hexadecimal digits"));
        assert!(plain_words("input contains invalid characters").contains("2026-12-31"));
        assert_eq!(plain_words("must be 1 to 200 characters"), "must be 1 to 200 characters", "our own words are kept");
    }
}
