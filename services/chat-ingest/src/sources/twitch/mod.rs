//! Twitch chat over IRC, the platform most of Gavel's viewers bid from. [`TwitchSource`] logs the
//! bot in (keeping its OAuth token fresh for a marathon that lasts days), joins the marathon's
//! channels, turns each tagged `PRIVMSG` into a [`ChatMessage`] and says the replies, reconnecting by
//! itself whenever Twitch asks or the connection dies. [`LocalTwitchServer`] speaks the same protocol
//! locally for tests, demos and the benchmark.

pub mod auth;
pub mod irc;
pub mod local_server;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::time::Instant;

pub use auth::{AuthError, DEFAULT_REFRESH_MARGIN, TWITCH_TOKEN_URL, TokenKeeper, TwitchCredentials};
pub use irc::{IrcError, IrcMessage};
pub use local_server::{LocalTwitchServer, SentLine, Viewer};

use crate::source::{ChatMessage, ChatSource, Outgoing, SourceContext};

/// The platform name in [`ChatMessage::platform`].
pub const PLATFORM: &str = "twitch";

/// Twitch's chat server over TLS.
pub const TWITCH_IRC_HOST: &str = "irc.chat.twitch.tv";
pub const TWITCH_IRC_TLS_PORT: u16 = 6697;

/// The first reconnect delay; it doubles after each failed connection up to [`MAX_BACKOFF`].
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A connection that lasted this long was healthy: the next reconnect starts from the first delay.
const STABLE_CONNECTION: Duration = Duration::from_secs(60);
/// Bounds on connecting (TCP and TLS handshake) and on writing, so a stalled network is noticed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Twitch lines are well under this (tags included); a longer one is dropped rather than buffered.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Where and as whom to chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwitchConfig {
    pub host: String,
    pub port: u16,
    /// TLS for Twitch itself; plain TCP for [`LocalTwitchServer`].
    pub tls: bool,
    /// The bot account's login.
    pub bot_login: String,
    /// Channel logins to join, with or without `#`, any case.
    pub channels: Vec<String>,
    /// The OAuth token endpoint ([`TWITCH_TOKEN_URL`] in production).
    pub token_url: String,
}

impl TwitchConfig {
    /// Twitch's own chat server over TLS and its token endpoint.
    pub fn twitch(bot_login: impl Into<String>, channels: Vec<String>) -> Self {
        TwitchConfig {
            host: TWITCH_IRC_HOST.to_owned(),
            port: TWITCH_IRC_TLS_PORT,
            tls: true,
            bot_login: bot_login.into(),
            channels,
            token_url: TWITCH_TOKEN_URL.to_owned(),
        }
    }
}

/// How a silent connection is told apart from a dead one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// After this long without receiving anything, the bot sends a PING…
    pub idle: Duration,
    /// …and reconnects if no PONG arrives within this.
    pub pong_timeout: Duration,
}

impl Default for Keepalive {
    fn default() -> Self {
        Keepalive { idle: Duration::from_secs(5 * 60), pong_timeout: Duration::from_secs(10) }
    }
}

/// Why the Twitch connection failed; the source recovers from all of these by reconnecting,
/// except a receiver gone and a refresh token refused.
#[derive(Debug, thiserror::Error)]
pub enum TwitchError {
    #[error("cannot connect to {address}")]
    Connect {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("timed out connecting to {0}")]
    ConnectTimeout(String),
    #[error("{0:?} is not a valid TLS server name")]
    ServerName(String),
    #[error("TLS client setup failed")]
    TlsConfig(#[from] rustls::Error),
    #[error("connection to Twitch chat lost")]
    Io(#[from] std::io::Error),
    #[error("timed out writing to Twitch chat")]
    WriteTimeout,
    #[error("cannot get a Twitch access token")]
    Auth(#[from] AuthError),
    #[error("the receiver of chat messages is gone")]
    ReceiverClosed,
}

/// The Twitch chat source.
pub struct TwitchSource {
    config: TwitchConfig,
    tokens: Arc<TokenKeeper>,
    keepalive: Keepalive,
}

impl TwitchSource {
    /// A source logging in with `credentials`, refreshed against `config.token_url`.
    pub fn new(config: TwitchConfig, credentials: TwitchCredentials) -> Self {
        let tokens = Arc::new(TokenKeeper::new(credentials, config.token_url.clone()));
        TwitchSource { config, tokens, keepalive: Keepalive::default() }
    }

    /// Replaces the keepalive timings (tests use short ones).
    pub fn with_keepalive(mut self, keepalive: Keepalive) -> Self {
        self.keepalive = keepalive;
        self
    }

    /// The token keeper, to persist the rotated refresh token (`TokenKeeper::credentials`).
    pub fn tokens(&self) -> Arc<TokenKeeper> {
        self.tokens.clone()
    }

    async fn run_until_shutdown(self, mut context: SourceContext) -> anyhow::Result<()> {
        let mut backoff = Backoff::new(INITIAL_BACKOFF, MAX_BACKOFF);
        let mut force_refresh = false;
        loop {
            let token = tokio::select! {
                _ = context.shutdown.cancelled() => return Ok(()),
                token = self.token(force_refresh) => token,
            };
            let started = Instant::now();
            let ended = match token {
                Ok(token) => {
                    force_refresh = false;
                    self.session(&token, &mut context).await
                }
                Err(error) if error.is_permanent() => {
                    return Err(anyhow::Error::new(error).context("Twitch refused to refresh the bot's token; authorize the bot again"));
                }
                Err(error) => Err(TwitchError::Auth(error)),
            };
            match ended {
                Ok(Ended::Shutdown) => return Ok(()),
                Ok(Ended::LoginFailed) => {
                    tracing::warn!("twitch rejected the bot's login; refreshing its token before reconnecting");
                    force_refresh = true;
                }
                Ok(Ended::Reconnect(reason)) => tracing::info!(reason, "reconnecting to twitch chat"),
                Err(TwitchError::ReceiverClosed) => return Err(TwitchError::ReceiverClosed.into()),
                Err(error) => tracing::warn!(error = format!("{:#}", anyhow::Error::new(error)), "twitch chat connection failed"),
            }
            if started.elapsed() >= STABLE_CONNECTION {
                backoff.reset();
            }
            let delay = backoff.next_delay();
            tokio::select! {
                _ = context.shutdown.cancelled() => return Ok(()),
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    async fn token(&self, force_refresh: bool) -> Result<SecretString, AuthError> {
        if force_refresh { self.tokens.refresh().await } else { self.tokens.access_token().await }
    }

    /// One connection, from login until it ends.
    async fn session(&self, token: &SecretString, context: &mut SourceContext) -> Result<Ended, TwitchError> {
        let stream = tokio::select! {
            _ = context.shutdown.cancelled() => return Ok(Ended::Shutdown),
            stream = self.connect() => stream?,
        };
        let (read, write) = tokio::io::split(stream);
        let mut reader = LineReader::new(read);
        let mut writer = BufWriter::new(write);
        let pass = irc::format::pass(token);
        send(&mut writer, &[&irc::format::cap_req(), pass.expose_secret(), &irc::format::nick(&self.config.bot_login)]).await?;

        let mut link = Link { last_received: Instant::now(), ping_sent: None };
        let keepalive = tokio::time::sleep(self.keepalive.idle);
        tokio::pin!(keepalive);
        let mut outgoing_open = true;
        loop {
            tokio::select! {
                biased;
                _ = context.shutdown.cancelled() => return Ok(Ended::Shutdown),
                line = reader.next_line() => {
                    let Some(line) = line? else {
                        return Ok(Ended::Reconnect("the server closed the connection"));
                    };
                    link.last_received = Instant::now();
                    if let Some(ended) = self.answer(&line, &mut link, &mut writer, context).await? {
                        return Ok(ended);
                    }
                }
                outgoing = context.outgoing.recv(), if outgoing_open => match outgoing {
                    Some(Outgoing { channel, text, reply_to }) => {
                        send(&mut writer, &[&irc::format::privmsg(&channel, &text, reply_to.as_deref())]).await?;
                    }
                    // Nobody will ask for replies any more; keep reading chat.
                    None => outgoing_open = false,
                },
                () = &mut keepalive => {
                    let now = Instant::now();
                    match link.ping_sent {
                        Some(sent) if now >= sent + self.keepalive.pong_timeout => {
                            return Ok(Ended::Reconnect("no PONG to the keepalive PING"));
                        }
                        Some(sent) => keepalive.as_mut().reset(sent + self.keepalive.pong_timeout),
                        None if now >= link.last_received + self.keepalive.idle => {
                            send(&mut writer, &[&irc::format::ping("tmi.twitch.tv")]).await?;
                            link.ping_sent = Some(now);
                            keepalive.as_mut().reset(now + self.keepalive.pong_timeout);
                        }
                        // Checked lazily rather than reset on every line, which would cost a timer
                        // update per chat message.
                        None => keepalive.as_mut().reset(link.last_received + self.keepalive.idle),
                    }
                }
            }
        }
    }

    /// Handles one received line; `Some` ends the session.
    async fn answer<W: AsyncWrite + Unpin>(
        &self,
        line: &str,
        link: &mut Link,
        writer: &mut W,
        context: &mut SourceContext,
    ) -> Result<Option<Ended>, TwitchError> {
        let message = match IrcMessage::parse(line) {
            Ok(message) => message,
            Err(error) => {
                tracing::debug!(%error, "ignoring an unparseable twitch line");
                return Ok(None);
            }
        };
        match message.command.as_str() {
            "PING" => send(writer, &[&irc::format::pong(message.params.last().map(String::as_str).unwrap_or_default())]).await?,
            "PONG" => link.ping_sent = None,
            "RECONNECT" => return Ok(Some(Ended::Reconnect("the server asked to reconnect"))),
            "001" => {
                tracing::info!(channels = ?self.config.channels, "logged in to twitch chat");
                if !self.config.channels.is_empty() {
                    send(writer, &[&irc::format::join(&self.config.channels)]).await?;
                }
            }
            "NOTICE" => {
                let text = message.params.last().map(String::as_str).unwrap_or_default();
                if is_login_failure(text) {
                    return Ok(Some(Ended::LoginFailed));
                }
                tracing::info!(notice = text, msg_id = message.tag("msg-id"), "twitch notice");
            }
            "CAP" if message.param(1) == Some("NAK") => {
                tracing::warn!("twitch refused the tags capability; messages will lack ids and be skipped");
            }
            "PRIVMSG" => match chat_message(&message) {
                Ok(chat) => {
                    tokio::select! {
                        biased;
                        _ = context.shutdown.cancelled() => return Ok(Some(Ended::Shutdown)),
                        sent = context.messages.send(chat) => sent.map_err(|_| TwitchError::ReceiverClosed)?,
                    }
                }
                Err(reason) => tracing::debug!(%reason, channel = message.param(0), "skipping a twitch PRIVMSG"),
            },
            _ => {}
        }
        Ok(None)
    }

    async fn connect(&self) -> Result<Box<dyn ChatStream>, TwitchError> {
        let address = format!("{}:{}", self.config.host, self.config.port);
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((self.config.host.as_str(), self.config.port)))
            .await
            .map_err(|_| TwitchError::ConnectTimeout(address.clone()))?
            .map_err(|source| TwitchError::Connect { address: address.clone(), source })?;
        tcp.set_nodelay(true)?;
        if !self.config.tls {
            return Ok(Box::new(tcp));
        }
        let server_name = rustls::pki_types::ServerName::try_from(self.config.host.clone())
            .map_err(|_| TwitchError::ServerName(self.config.host.clone()))?;
        let tls = tokio::time::timeout(CONNECT_TIMEOUT, tls_connector()?.connect(server_name, tcp))
            .await
            .map_err(|_| TwitchError::ConnectTimeout(address.clone()))?
            .map_err(|source| TwitchError::Connect { address, source })?;
        Ok(Box::new(tls))
    }
}

impl ChatSource for TwitchSource {
    fn platform(&self) -> &str {
        PLATFORM
    }

    fn run(self: Box<Self>, context: SourceContext) -> BoxFuture<'static, anyhow::Result<()>> {
        Box::pin(self.run_until_shutdown(context))
    }
}

/// How a session ended when it did not fail.
enum Ended {
    Shutdown,
    Reconnect(&'static str),
    LoginFailed,
}

/// Keepalive bookkeeping for one connection.
struct Link {
    last_received: Instant,
    ping_sent: Option<Instant>,
}

/// A plain or TLS connection.
trait ChatStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> ChatStream for T {}

/// A TLS client trusting the Mozilla roots. The provider is passed explicitly rather than
/// installed process-wide, so it cannot clash with another crate's choice.
fn tls_connector() -> Result<tokio_rustls::TlsConnector, rustls::Error> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// Writes lines, each ending in CR/LF, and flushes them, within [`WRITE_TIMEOUT`].
async fn send<W: AsyncWrite + Unpin>(writer: &mut W, lines: &[&str]) -> Result<(), TwitchError> {
    let write = async {
        for line in lines {
            writer.write_all(line.as_bytes()).await?;
            writer.write_all(b"\r\n").await?;
        }
        writer.flush().await
    };
    tokio::time::timeout(WRITE_TIMEOUT, write).await.map_err(|_| TwitchError::WriteTimeout)?.map_err(TwitchError::Io)
}

/// What Twitch says, in a `NOTICE *`, when the token is wrong or expired.
fn is_login_failure(notice: &str) -> bool {
    ["Login authentication failed", "Login unsuccessful", "Improperly formatted auth"].iter().any(|failure| notice.contains(failure))
}

/// What a PRIVMSG lacks to be a chat message Gavel can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
enum Missing {
    #[error("no `id` tag")]
    Id,
    #[error("no `user-id` tag")]
    UserId,
    #[error("no sender in the prefix")]
    Sender,
    #[error("no channel or text")]
    ChannelOrText,
}

/// A tagged PRIVMSG as a [`ChatMessage`].
fn chat_message(message: &IrcMessage) -> Result<ChatMessage, Missing> {
    let non_empty = |key| message.tag(key).filter(|v| !v.is_empty());
    let message_id = non_empty("id").ok_or(Missing::Id)?;
    let user_id = non_empty("user-id").ok_or(Missing::UserId)?;
    let login = message.nick().ok_or(Missing::Sender)?.to_lowercase();
    let (Some(channel), Some(text)) = (message.param(0), message.param(1)) else {
        return Err(Missing::ChannelOrText);
    };
    let display_name = non_empty("display-name").map_or_else(|| login.clone(), str::to_owned);
    let sent_at = message.tag("tmi-sent-ts").and_then(|ts| ts.parse::<i64>().ok()).and_then(chrono::DateTime::from_timestamp_millis);
    Ok(ChatMessage {
        platform: PLATFORM.to_owned(),
        message_id: message_id.to_owned(),
        channel: channel.trim_start_matches('#').to_lowercase(),
        user_id: user_id.to_owned(),
        login,
        display_name,
        text: text.to_owned(),
        sent_at,
    })
}

/// Doubling delays between reconnects.
#[derive(Debug)]
struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    fn new(initial: Duration, max: Duration) -> Self {
        Backoff { initial, max, next: initial }
    }

    fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    fn reset(&mut self) {
        self.next = self.initial;
    }
}

/// Reads CR/LF- or LF-terminated lines of at most [`MAX_LINE_BYTES`], decoding invalid UTF-8
/// lossily, and skipping longer lines instead of buffering them. Cancel-safe: a partial line stays
/// in the reader, so `next_line` can race other branches in `select!`.
pub(crate) struct LineReader<R> {
    inner: BufReader<R>,
    line: Vec<u8>,
    /// Inside a line too long to keep, dropping bytes until its end.
    skipping: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineReader { inner: BufReader::new(inner), line: Vec::new(), skipping: false }
    }

    /// The next line without its terminator, or `None` at the end of the stream.
    pub(crate) async fn next_line(&mut self) -> std::io::Result<Option<String>> {
        loop {
            // The only await: everything after it runs to completion, which makes this cancel-safe.
            let available = self.inner.fill_buf().await?;
            if available.is_empty() {
                return Ok(None);
            }
            let (chunk, complete) = match available.iter().position(|&b| b == b'\n') {
                Some(end) => (&available[..end], true),
                None => (available, false),
            };
            let used = chunk.len() + usize::from(complete);
            if !self.skipping {
                self.line.extend_from_slice(chunk);
            }
            self.inner.consume(used);
            if self.line.len() > MAX_LINE_BYTES {
                self.line.clear();
                self.skipping = true;
            }
            if complete {
                if std::mem::take(&mut self.skipping) {
                    tracing::warn!(max = MAX_LINE_BYTES, "dropped an overlong line from twitch chat");
                    continue;
                }
                let line = String::from_utf8_lossy(&self.line).trim_end_matches('\r').to_owned();
                self.line.clear();
                return Ok(Some(line));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_tagged_privmsg_becomes_a_chat_message() {
        let line =
            "@display-name=Big\\sAl;id=m-1;tmi-sent-ts=1700000000123;user-id=42 :BigAl!bigal@bigal.tmi.twitch.tv PRIVMSG #Chan :!bid 0.05";
        let message = chat_message(&IrcMessage::parse(line).unwrap()).unwrap();
        assert_eq!(
            message,
            ChatMessage {
                platform: "twitch".to_owned(),
                message_id: "m-1".to_owned(),
                channel: "chan".to_owned(),
                user_id: "42".to_owned(),
                login: "bigal".to_owned(),
                display_name: "Big Al".to_owned(),
                text: "!bid 0.05".to_owned(),
                sent_at: Some(Utc.timestamp_millis_opt(1_700_000_000_123).unwrap()),
            }
        );
    }

    #[test]
    fn missing_fields_are_reasons_not_panics() {
        let parse = |line: &str| chat_message(&IrcMessage::parse(line).unwrap());
        assert_eq!(parse("@user-id=1 :a!a@a PRIVMSG #c :x"), Err(Missing::Id));
        assert_eq!(parse("@id=;user-id=1 :a!a@a PRIVMSG #c :x"), Err(Missing::Id));
        assert_eq!(parse("@id=m :a!a@a PRIVMSG #c :x"), Err(Missing::UserId));
        assert_eq!(parse("@id=m;user-id=1 PRIVMSG #c :x"), Err(Missing::Sender));
        assert_eq!(parse("@id=m;user-id=1 :a!a@a PRIVMSG #c"), Err(Missing::ChannelOrText));

        let message = parse("@id=m;user-id=1;display-name=;tmi-sent-ts=soon :a!a@a PRIVMSG #c :x").unwrap();
        assert_eq!((message.display_name.as_str(), message.sent_at), ("a", None));
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let mut backoff = Backoff::new(INITIAL_BACKOFF, MAX_BACKOFF);
        let delays: Vec<u128> = (0..11).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), INITIAL_BACKOFF);
    }

    #[test]
    fn login_failures_are_recognised() {
        assert!(is_login_failure("Login authentication failed"));
        assert!(is_login_failure("Improperly formatted auth"));
        assert!(!is_login_failure("This room is in slow mode."));
    }

    #[test]
    fn the_tls_client_builds_without_a_process_wide_provider() {
        assert!(tls_connector().is_ok());
    }

    #[tokio::test]
    async fn lines_are_split_bounded_and_decoded_lossily() {
        let mut input = b"PING :a\r\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        input.extend_from_slice(b"\r\nb\xff\nc");
        let mut reader = LineReader::new(&input[..]);
        assert_eq!(reader.next_line().await.unwrap().as_deref(), Some("PING :a"));
        assert_eq!(reader.next_line().await.unwrap().as_deref(), Some("b\u{fffd}"));
        // An unterminated last line is not a line.
        assert_eq!(reader.next_line().await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_tls_handshake_failure_is_an_error_not_a_panic() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream.write_all(b"not tls\r\n").await;
            }
        });
        let config = TwitchConfig {
            host: "localhost".to_owned(),
            port,
            tls: true,
            bot_login: "bot".to_owned(),
            channels: vec![],
            token_url: "http://127.0.0.1:1/".to_owned(),
        };
        let credentials = TwitchCredentials {
            client_id: String::new(),
            client_secret: SecretString::from(String::new()),
            access_token: SecretString::from("t".to_owned()),
            refresh_token: SecretString::from(String::new()),
            expires_at: None,
        };
        let source = TwitchSource::new(config, credentials);
        assert!(source.connect().await.is_err());
    }
}
