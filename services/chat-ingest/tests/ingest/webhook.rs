//! The signed webhook over HTTP: signed messages get in, anything else is refused with a reason.

use std::time::Duration;

use chrono::Utc;
use gavel_chat_ingest::source::{ChatSource, SourceContext};
use gavel_chat_ingest::sources::webhook::{REPLAY_WINDOW_SECS, WebhookSource, sign};
use secrecy::SecretString;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const SECRET: &str = "a shared secret";

#[tokio::test]
async fn signed_messages_get_in_and_nothing_else_does() {
    let source = WebhookSource::bind("kick", SecretString::from(SECRET), "127.0.0.1:0".parse().expect("address")).await.expect("bind");
    let url = format!("http://{}/webhook/chat", source.local_addr().expect("address"));
    let (messages_tx, mut messages) = mpsc::channel(10);
    let (_outgoing_tx, outgoing) = mpsc::channel(10);
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(Box::new(source).run(SourceContext { messages: messages_tx, outgoing, shutdown: shutdown.clone() }));
    let client = reqwest::Client::new();
    let body =
        br#"{"message_id":"m1","channel":"gavel","user_id":"42","login":"Alice","display_name":"Alice","text":"!bid 0.05","sent_at":null}"#;
    let post = |timestamp: i64, signature: String, body: Vec<u8>| {
        client.post(&url).header("x-gavel-timestamp", timestamp.to_string()).header("x-gavel-signature", signature).body(body).send()
    };

    let now = Utc::now().timestamp();
    let response = post(now, sign(SECRET, now, body), body.to_vec()).await.expect("post");
    assert_eq!(response.status(), 202);
    let message = tokio::time::timeout(Duration::from_secs(5), messages.recv()).await.expect("a message").expect("a message");
    assert_eq!((message.platform.as_str(), message.key().as_str(), message.login.as_str()), ("kick", "kick:m1", "alice"));

    let refused = [
        post(now, sign("another secret", now, body), body.to_vec()).await.expect("post"),
        post(now, sign(SECRET, now, b"{}"), body.to_vec()).await.expect("post"),
        post(now - REPLAY_WINDOW_SECS - 10, sign(SECRET, now - REPLAY_WINDOW_SECS - 10, body), body.to_vec()).await.expect("post"),
        post(now, "md5=00".into(), body.to_vec()).await.expect("post"),
    ];
    for response in refused {
        assert_eq!(response.status(), 401, "a bad or stale signature is refused");
    }
    let malformed = br#"{"message_id":"m2"}"#;
    let response = post(now, sign(SECRET, now, malformed), malformed.to_vec()).await.expect("post");
    assert_eq!(response.status(), 400);
    assert!(tokio::time::timeout(Duration::from_millis(200), messages.recv()).await.is_err(), "nothing refused got in");
    shutdown.cancel();
    running.await.expect("join").expect("ran");
}
