//! A signed webhook, for any chat platform without a source of its own: the sender POSTs each
//! message as JSON with `X-Gavel-Timestamp` (Unix seconds) and
//! `X-Gavel-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" with the shared secret>`.
//! A signature older than the replay window is refused, so a captured request cannot be replayed
//! later; within the window a replay is the same message id, which the engine decides once.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::source::{ChatMessage, ChatSource, SourceContext};

/// Signatures older (or further in the future) than this are refused.
pub const REPLAY_WINDOW_SECS: i64 = 300;

pub struct WebhookSource {
    /// The platform name the messages are filed under (`kick`, `discord`…).
    pub platform: String,
    pub secret: SecretString,
    pub listener: TcpListener,
}

impl WebhookSource {
    pub async fn bind(platform: &str, secret: SecretString, address: SocketAddr) -> std::io::Result<Self> {
        Ok(WebhookSource { platform: platform.to_owned(), secret, listener: TcpListener::bind(address).await? })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// The body of one message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookMessage {
    message_id: String,
    channel: String,
    user_id: String,
    login: String,
    display_name: String,
    text: String,
    sent_at: Option<DateTime<Utc>>,
}

#[derive(Clone)]
struct Hook {
    platform: String,
    secret: SecretString,
    messages: mpsc::Sender<ChatMessage>,
}

impl ChatSource for WebhookSource {
    fn platform(&self) -> &str {
        &self.platform
    }

    fn run(self: Box<Self>, context: SourceContext) -> BoxFuture<'static, anyhow::Result<()>> {
        Box::pin(async move {
            let SourceContext { messages, mut outgoing, shutdown } = context;
            let hook = Hook { platform: self.platform.clone(), secret: self.secret, messages };
            let app = Router::new().route("/webhook/chat", post(receive)).with_state(hook);
            // A webhook has nowhere to write replies: they are dropped.
            let drain = tokio::spawn(async move { while outgoing.recv().await.is_some() {} });
            tracing::info!(platform = %self.platform, address = %self.listener.local_addr()?, "webhook source listening");
            axum::serve(self.listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await?;
            drain.abort();
            Ok(())
        })
    }
}

async fn receive(State(hook): State<Hook>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let (Some(timestamp), Some(signature)) = (header("x-gavel-timestamp"), header("x-gavel-signature")) else {
        return (StatusCode::UNAUTHORIZED, "missing X-Gavel-Timestamp or X-Gavel-Signature");
    };
    let Ok(sent) = timestamp.parse::<i64>() else { return (StatusCode::UNAUTHORIZED, "X-Gavel-Timestamp is not Unix seconds") };
    if (Utc::now().timestamp() - sent).abs() > REPLAY_WINDOW_SECS {
        return (StatusCode::UNAUTHORIZED, "the signature is too old (or from the future)");
    }
    let Some(signature) = signature.strip_prefix("sha256=").and_then(|hex| hex::decode(hex).ok()) else {
        return (StatusCode::UNAUTHORIZED, "X-Gavel-Signature must be sha256=<hex>");
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(hook.secret.expose_secret().as_bytes()) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "webhook misconfigured");
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&body);
    // Constant-time comparison.
    if mac.verify_slice(&signature).is_err() {
        return (StatusCode::UNAUTHORIZED, "bad signature");
    }
    let Ok(message) = serde_json::from_slice::<WebhookMessage>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            "the body is not a chat message (message_id, channel, user_id, login, display_name, text, sent_at)",
        );
    };
    let message = ChatMessage {
        platform: hook.platform.clone(),
        message_id: message.message_id,
        channel: message.channel,
        user_id: message.user_id,
        login: message.login.to_lowercase(),
        display_name: message.display_name,
        text: message.text,
        sent_at: message.sent_at,
    };
    match hook.messages.send(message).await {
        Ok(()) => (StatusCode::ACCEPTED, "accepted"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
    }
}

/// The signature header value for `body` sent at `timestamp` (for senders and tests).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
