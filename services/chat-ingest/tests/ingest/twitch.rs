//! The Twitch source against `LocalTwitchServer` over a real socket: login and joins, messages as
//! Twitch tags them, PING/PONG, replies, reconnects, and token refresh against a fake token
//! endpoint. Every wait is bounded, so a broken source fails a test rather than hanging it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::routing::post;
use chrono::{TimeZone, Utc};
use gavel_chat_ingest::source::{ChatMessage, ChatSource, Outgoing, SourceContext};
use gavel_chat_ingest::sources::twitch::{Keepalive, LocalTwitchServer, TwitchConfig, TwitchCredentials, TwitchSource, Viewer};
use secrecy::SecretString;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(5);

/// A running source and the ends of its channels.
struct Running {
    messages: mpsc::Receiver<ChatMessage>,
    outgoing: mpsc::Sender<Outgoing>,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    async fn next_message(&mut self) -> ChatMessage {
        tokio::time::timeout(WAIT, self.messages.recv()).await.expect("no chat message in time").expect("the source stopped")
    }

    async fn assert_no_more_messages(&mut self) {
        if let Ok(Some(message)) = tokio::time::timeout(Duration::from_millis(300), self.messages.recv()).await {
            panic!("unexpected message {message:?}");
        }
    }

    async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(1), self.task)
            .await
            .expect("the source did not stop promptly")
            .expect("the source panicked")
    }
}

fn credentials(access_token: &str, expires_in: chrono::Duration) -> TwitchCredentials {
    TwitchCredentials {
        client_id: "gavel-client".to_owned(),
        client_secret: SecretString::from("client-S3CR3T".to_owned()),
        access_token: SecretString::from(access_token.to_owned()),
        refresh_token: SecretString::from("refresh-0".to_owned()),
        expires_at: Some(Utc::now() + expires_in),
    }
}

fn config(server: &LocalTwitchServer, token_url: &str) -> TwitchConfig {
    TwitchConfig {
        host: server.addr().ip().to_string(),
        port: server.addr().port(),
        tls: false,
        bot_login: "GavelBot".to_owned(),
        channels: vec!["Alpha".to_owned(), "#beta".to_owned()],
        token_url: token_url.to_owned(),
    }
}

fn start(source: TwitchSource) -> Running {
    let (messages_tx, messages) = mpsc::channel(64);
    let (outgoing, outgoing_rx) = mpsc::channel(64);
    let shutdown = CancellationToken::new();
    let context = SourceContext { messages: messages_tx, outgoing: outgoing_rx, shutdown: shutdown.clone() };
    let source: Box<dyn ChatSource> = Box::new(source);
    assert_eq!(source.platform(), "twitch");
    let task = tokio::spawn(source.run(context));
    Running { messages, outgoing, shutdown, task }
}

/// A source whose token is fresh, so the (unreachable) token endpoint is never needed.
async fn start_connected(server: &LocalTwitchServer) -> Running {
    let source = TwitchSource::new(config(server, "http://127.0.0.1:9/oauth2/token"), credentials("access-0", chrono::Duration::hours(4)));
    let running = start(source);
    joins(server, 2).await;
    running
}

async fn joins(server: &LocalTwitchServer, n: usize) {
    tokio::time::timeout(WAIT, server.wait_for_joins(n)).await.unwrap_or_else(|_| panic!("fewer than {n} joins"));
}

/// A token endpoint that checks the refresh form and hands out `access-NEW-<n>`, or refuses
/// every refresh when `refuse` is set. Returns its URL and a call counter.
async fn token_endpoint(refuse: bool) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route(
            "/oauth2/token",
            post(|State((calls, refuse)): State<(Arc<AtomicUsize>, bool)>, Form(form): Form<HashMap<String, String>>| async move {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                let expected = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", "refresh-0"),
                    ("client_id", "gavel-client"),
                    ("client_secret", "client-S3CR3T"),
                ];
                let valid = expected.iter().all(|(k, v)| form.get(*k).map(String::as_str) == Some(*v));
                if refuse || !valid {
                    return (StatusCode::BAD_REQUEST, axum::Json(serde_json::json!({"status": 400, "message": "Invalid refresh token"})));
                }
                let body = serde_json::json!({
                    "access_token": format!("access-NEW-{n}"),
                    "refresh_token": "refresh-0",
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

#[tokio::test]
async fn logs_in_joins_both_channels_and_receives_tagged_messages() {
    let server = LocalTwitchServer::start().await.unwrap();
    let mut source = start_connected(&server).await;

    let received = server.received();
    assert!(received.contains(&"CAP REQ :twitch.tv/tags twitch.tv/commands".to_owned()), "{received:?}");
    assert!(received.contains(&"NICK gavelbot".to_owned()), "{received:?}");
    assert!(received.contains(&"JOIN #alpha,#beta".to_owned()), "{received:?}");
    assert_eq!(server.pass_tokens(), vec!["access-0"]);

    let alice = Viewer::new("1001", "alice", "Alice; the \\Great");
    let id = server.say("alpha", &alice, "!bid 0.05").await;
    let message = source.next_message().await;
    assert_eq!(message.platform, "twitch");
    assert_eq!(message.message_id, id);
    assert_eq!(message.channel, "alpha");
    assert_eq!(message.user_id, "1001");
    assert_eq!(message.login, "alice");
    assert_eq!(message.display_name, "Alice; the \\Great");
    assert_eq!(message.text, "!bid 0.05");
    let sent_at = message.sent_at.expect("tmi-sent-ts is parsed");
    assert!((Utc::now() - sent_at).num_seconds().abs() < 5, "{sent_at}");

    // No display name: the login stands in.
    let nameless = Viewer::new("1002", "nameless", "");
    server.say("#Beta", &nameless, "!status").await;
    let message = source.next_message().await;
    assert_eq!((message.channel.as_str(), message.display_name.as_str(), message.text.as_str()), ("beta", "nameless", "!status"));

    // Exact lines: `\s` in a tag and an upper-case nick, a PRIVMSG without user-id, garbage, a
    // duplicate (passed on: the engine decides each message id once).
    let bob = "@display-name=Bob\\sthe\\sBuilder;id=raw-1;tmi-sent-ts=1700000000123;user-id=77 :Bob!bob@bob.tmi.twitch.tv PRIVMSG #beta :!bid max 1";
    server.say_raw(bob).await;
    server.say_raw("@display-name=Eve;id=raw-2;tmi-sent-ts=1 :eve!eve@eve.tmi.twitch.tv PRIVMSG #alpha :!bid 9").await;
    server.say_raw("@@@").await;
    server.say_raw(":only-a-prefix").await;
    server.say_raw("@id=raw-3;user-id=5 :x!x@x PRIVMSG").await;
    server.say_raw(bob).await;
    let last = server.say("alpha", &alice, "!balance").await;

    let message = source.next_message().await;
    assert_eq!(
        message,
        ChatMessage {
            platform: "twitch".to_owned(),
            message_id: "raw-1".to_owned(),
            channel: "beta".to_owned(),
            user_id: "77".to_owned(),
            login: "bob".to_owned(),
            display_name: "Bob the Builder".to_owned(),
            text: "!bid max 1".to_owned(),
            sent_at: Some(Utc.timestamp_millis_opt(1_700_000_000_123).unwrap()),
        }
    );
    assert_eq!(source.next_message().await, message);
    let message = source.next_message().await;
    assert_eq!((message.message_id, message.text), (last, "!balance".to_owned()));
    source.assert_no_more_messages().await;

    source.stop().await.unwrap();
}

#[tokio::test]
async fn answers_the_servers_ping() {
    let server = LocalTwitchServer::start().await.unwrap();
    let source = start_connected(&server).await;
    server.say_raw("PING :tmi.twitch.tv").await;
    let pong = server.wait_for_received(WAIT, |line| line.starts_with("PONG")).await;
    assert_eq!(pong.as_deref(), Some("PONG :tmi.twitch.tv"));
    source.stop().await.unwrap();
}

#[tokio::test]
async fn says_replies_with_the_reply_tag_and_never_a_second_line() {
    let server = LocalTwitchServer::start().await.unwrap();
    let source = start_connected(&server).await;

    let id = server.say("alpha", &Viewer::new("1", "alice", "Alice"), "!bid 0.01").await;
    let reply =
        Outgoing { channel: "alpha".to_owned(), text: "@Alice outbid\r\nPRIVMSG #beta :injected".to_owned(), reply_to: Some(id.clone()) };
    source.outgoing.send(reply).await.unwrap();
    let sent = server.next_sent(WAIT).await.expect("the reply");
    assert_eq!(sent.channel, "alpha");
    assert_eq!(sent.reply_to, Some(id));
    assert!(!sent.text.contains(['\r', '\n']) && sent.text.starts_with("@Alice outbid"), "{sent:?}");

    source.outgoing.send(Outgoing { channel: "#Beta".to_owned(), text: "Lot 3 is open".to_owned(), reply_to: None }).await.unwrap();
    let sent = server.next_sent(WAIT).await.expect("the announcement");
    assert_eq!((sent.channel.as_str(), sent.text.as_str(), sent.reply_to), ("beta", "Lot 3 is open", None));

    assert_eq!(server.next_sent(Duration::from_millis(300)).await, None, "the injected line must not be sent");
    assert_eq!(server.sent().len(), 2);
    source.stop().await.unwrap();
}

#[tokio::test]
async fn reconnects_when_the_server_asks() {
    let server = LocalTwitchServer::start().await.unwrap();
    let mut source = start_connected(&server).await;

    server.send_reconnect().await;
    tokio::time::timeout(WAIT, server.wait_for_connections(2)).await.expect("no second connection");
    joins(&server, 4).await;
    assert_eq!(server.pass_tokens(), vec!["access-0", "access-0"]);

    let id = server.say("beta", &Viewer::new("9", "carol", "Carol"), "!bid 2").await;
    assert_eq!(source.next_message().await.message_id, id);
    source.stop().await.unwrap();
}

#[tokio::test]
async fn reconnects_after_the_connection_drops() {
    let server = LocalTwitchServer::start().await.unwrap();
    let mut source = start_connected(&server).await;

    for round in 1..=2 {
        server.disconnect_all();
        tokio::time::timeout(WAIT, server.wait_for_connections(round + 1)).await.expect("no reconnection");
        joins(&server, 2 * (round + 1)).await;
        let id = server.say("alpha", &Viewer::new("9", "carol", "Carol"), &format!("!bid {round}")).await;
        assert_eq!(source.next_message().await.message_id, id);
    }

    // Replies queued meanwhile go out on the new connection.
    source.outgoing.send(Outgoing { channel: "alpha".to_owned(), text: "still here".to_owned(), reply_to: None }).await.unwrap();
    assert_eq!(server.next_sent(WAIT).await.map(|s| s.text), Some("still here".to_owned()));
    source.stop().await.unwrap();
}

#[tokio::test]
async fn refreshes_a_token_near_expiry_before_connecting() {
    let (token_url, calls) = token_endpoint(false).await;
    let server = LocalTwitchServer::start().await.unwrap();
    // Five minutes left: inside the ten-minute margin.
    let source = TwitchSource::new(config(&server, &token_url), credentials("access-0", chrono::Duration::minutes(5)));
    let tokens = source.tokens();
    let source = start(source);

    joins(&server, 2).await;
    assert_eq!(server.pass_tokens(), vec!["access-NEW-1"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let expires_at = tokens.credentials().await.expires_at.expect("expiry from expires_in");
    assert!(expires_at > Utc::now() + chrono::Duration::hours(3));

    // Now fresh: a reconnect uses it without another refresh.
    server.disconnect_all();
    joins(&server, 4).await;
    assert_eq!(server.pass_tokens(), vec!["access-NEW-1", "access-NEW-1"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    source.stop().await.unwrap();
}

#[tokio::test]
async fn refreshes_the_token_when_the_login_is_rejected() {
    let (token_url, calls) = token_endpoint(false).await;
    let server = LocalTwitchServer::start().await.unwrap();
    // Revoked early: the expiry says fresh, Twitch says no.
    server.accept_only_token("access-NEW-1");
    let mut source = start(TwitchSource::new(config(&server, &token_url), credentials("access-revoked", chrono::Duration::hours(4))));

    joins(&server, 2).await;
    assert_eq!(server.pass_tokens(), vec!["access-revoked", "access-NEW-1"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let id = server.say("alpha", &Viewer::new("1", "alice", "Alice"), "!bid 1").await;
    assert_eq!(source.next_message().await.message_id, id);
    source.stop().await.unwrap();
}

#[tokio::test]
async fn stops_with_an_error_naming_no_secret_when_the_refresh_is_refused() {
    let (token_url, calls) = token_endpoint(true).await;
    let server = LocalTwitchServer::start().await.unwrap();
    server.accept_only_token("never");
    let source = start(TwitchSource::new(config(&server, &token_url), credentials("access-revoked", chrono::Duration::hours(4))));

    let error = tokio::time::timeout(WAIT, source.task).await.expect("the source kept retrying").unwrap().unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let printed = format!("{error:#} {error:?}");
    assert!(printed.contains("Invalid refresh token"), "{printed}");
    for secret in ["access-revoked", "refresh-0", "client-S3CR3T"] {
        assert!(!printed.contains(secret), "{printed}");
    }
}

#[tokio::test]
async fn pings_an_idle_server_and_reconnects_when_no_pong_comes() {
    let server = LocalTwitchServer::start().await.unwrap();
    let keepalive = Keepalive { idle: Duration::from_millis(200), pong_timeout: Duration::from_millis(300) };
    let source = TwitchSource::new(config(&server, "http://127.0.0.1:9/"), credentials("access-0", chrono::Duration::hours(4)))
        .with_keepalive(keepalive);
    let mut source = start(source);
    joins(&server, 2).await;

    // Answered PINGs keep the connection.
    let ping = server.wait_for_received(WAIT, |line| line.starts_with("PING")).await;
    assert_eq!(ping.as_deref(), Some("PING :tmi.twitch.tv"));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(server.received().iter().filter(|l| l.starts_with("NICK")).count(), 1, "reconnected despite PONGs");

    server.ignore_pings(true);
    tokio::time::timeout(WAIT, server.wait_for_connections(2)).await.expect("no reconnect after a missing PONG");
    server.ignore_pings(false);
    joins(&server, 4).await;
    let id = server.say("alpha", &Viewer::new("1", "alice", "Alice"), "!bid 1").await;
    assert_eq!(source.next_message().await.message_id, id);
    source.stop().await.unwrap();
}

#[tokio::test]
async fn stops_promptly_while_waiting_to_reconnect() {
    let server = LocalTwitchServer::start().await.unwrap();
    let source = start_connected(&server).await;
    // Nothing listens any more: the source is in its backoff loop.
    drop(server);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!source.task.is_finished());
    source.stop().await.unwrap();
}
