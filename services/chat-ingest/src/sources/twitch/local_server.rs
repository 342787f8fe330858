//! A small server speaking Twitch's chat protocol on `127.0.0.1`, so tests, demos and the benchmark
//! exercise the real [`TwitchSource`](super::TwitchSource) over a real socket without Twitch. It
//! answers the handshake as Twitch does, broadcasts viewers' messages tagged exactly as Twitch tags
//! them, and records what the bot says. Built for throughput: one task and one buffered writer per
//! client, flushed once per burst, no per-message sleep.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use super::LineReader;
use super::irc::{IrcMessage, escape_tag_value, format::channel_name};

/// Lines queued per client before `say` waits for that client to catch up.
const CLIENT_QUEUE: usize = 8192;

/// Someone chatting, as Twitch identifies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The stable numeric id (`user-id` tag).
    pub user_id: String,
    /// The login, lower case (the prefix nick).
    pub login: String,
    /// The name as shown, any case, possibly with spaces or non-ASCII (`display-name` tag).
    pub display_name: String,
}

impl Viewer {
    pub fn new(user_id: impl Into<String>, login: impl Into<String>, display_name: impl Into<String>) -> Self {
        Viewer { user_id: user_id.into(), login: login.into(), display_name: display_name.into() }
    }
}

/// A PRIVMSG the bot sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentLine {
    /// Without `#`.
    pub channel: String,
    pub text: String,
    /// The `reply-parent-msg-id` tag, if the bot replied to a message.
    pub reply_to: Option<String>,
}

/// The server; stops accepting and drops every client when dropped.
pub struct LocalTwitchServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: CancellationToken,
}

struct Shared {
    state: Mutex<State>,
    /// Counters that waiters watch: channel joins, bot PRIVMSGs, lines received, connections.
    joins: watch::Sender<usize>,
    sent: watch::Sender<usize>,
    received: watch::Sender<usize>,
    connections: watch::Sender<usize>,
}

#[derive(Default)]
struct State {
    next_client: u64,
    clients: HashMap<u64, Client>,
    sent: Vec<SentLine>,
    next_sent: usize,
    received: Vec<String>,
    pass_tokens: Vec<String>,
    accepted_token: Option<String>,
    ignore_pings: bool,
}

struct Client {
    channels: HashSet<String>,
    lines: mpsc::Sender<Arc<str>>,
    task: AbortHandle,
}

impl Shared {
    /// The state, even if a client task panicked while holding the lock: it holds only plain data.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl LocalTwitchServer {
    /// Binds `127.0.0.1:0` and starts accepting clients.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            joins: watch::Sender::new(0),
            sent: watch::Sender::new(0),
            received: watch::Sender::new(0),
            connections: watch::Sender::new(0),
        });
        let stop = CancellationToken::new();
        tokio::spawn(accept_clients(listener, shared.clone(), stop.clone()));
        Ok(LocalTwitchServer { addr, shared, stop })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A viewer says `text` in `channel`: every client joined to it gets the PRIVMSG, tagged as
    /// Twitch tags it. Returns the message's `id`.
    pub async fn say(&self, channel: &str, viewer: &Viewer, text: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let channel = channel_name(channel);
        let login = viewer.login.to_ascii_lowercase();
        let line = format!(
            "@badge-info=;badges=;color=;display-name={display_name};emotes=;first-msg=0;flags=;id={id};mod=0;returning-chatter=0;\
             room-id=1;subscriber=0;tmi-sent-ts={ts};turbo=0;user-id={user_id};user-type= \
             :{login}!{login}@{login}.tmi.twitch.tv PRIVMSG #{channel} :{text}",
            display_name = escape_tag_value(&viewer.display_name),
            ts = Utc::now().timestamp_millis(),
            user_id = escape_tag_value(&viewer.user_id),
            text = text.replace(['\r', '\n'], " "),
        );
        let line: Arc<str> = line.into();
        let targets: Vec<_> =
            self.shared.state().clients.values().filter(|c| c.channels.contains(&channel)).map(|c| c.lines.clone()).collect();
        broadcast(targets, line).await;
        id
    }

    /// Sends `line` exactly (CR/LF added) to every client: duplicates, malformed input, PINGs.
    pub async fn say_raw(&self, line: &str) {
        let targets: Vec<_> = self.shared.state().clients.values().map(|c| c.lines.clone()).collect();
        broadcast(targets, line.into()).await;
    }

    /// Asks every client to reconnect, as Twitch does before restarting a server.
    pub async fn send_reconnect(&self) {
        self.say_raw(":tmi.twitch.tv RECONNECT").await;
    }

    /// Drops every connection at once, as a network failure would.
    pub fn disconnect_all(&self) {
        for (_, client) in self.shared.state().clients.drain() {
            client.task.abort();
        }
    }

    /// Waits until `n` channel joins happened in total since start (a JOIN of two channels
    /// counts two; a rejoin after a reconnect counts again). Wrap in a timeout.
    pub async fn wait_for_joins(&self, n: usize) {
        wait_for_count(&self.shared.joins, n).await;
    }

    /// Waits until `n` connections were accepted in total since start. Wrap in a timeout.
    pub async fn wait_for_connections(&self, n: usize) {
        wait_for_count(&self.shared.connections, n).await;
    }

    /// Every PRIVMSG the bot sent, in order.
    pub fn sent(&self) -> Vec<SentLine> {
        self.shared.state().sent.clone()
    }

    /// The next PRIVMSG the bot sent that this method has not returned yet, waiting up to
    /// `timeout`.
    pub async fn next_sent(&self, timeout: Duration) -> Option<SentLine> {
        let mut changes = self.shared.sent.subscribe();
        tokio::time::timeout(timeout, async {
            loop {
                {
                    let mut state = self.shared.state();
                    if let Some(line) = state.sent.get(state.next_sent).cloned() {
                        state.next_sent += 1;
                        return Some(line);
                    }
                }
                changes.changed().await.ok()?;
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// Every line received from clients except PASS (see [`pass_tokens`](Self::pass_tokens)).
    pub fn received(&self) -> Vec<String> {
        self.shared.state().received.clone()
    }

    /// The first received line (PASS excluded) matching `predicate`, waiting up to `timeout`.
    pub async fn wait_for_received(&self, timeout: Duration, predicate: impl Fn(&str) -> bool) -> Option<String> {
        let mut changes = self.shared.received.subscribe();
        tokio::time::timeout(timeout, async {
            loop {
                if let Some(line) = self.shared.state().received.iter().find(|l| predicate(l)).cloned() {
                    return Some(line);
                }
                changes.changed().await.ok()?;
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// The tokens clients logged in with (`PASS oauth:<token>`), in order. A test server only.
    pub fn pass_tokens(&self) -> Vec<String> {
        self.shared.state().pass_tokens.clone()
    }

    /// From now on, a login with any other token fails the way Twitch fails it
    /// (`NOTICE * :Login authentication failed`, then the connection closes).
    pub fn accept_only_token(&self, token: &str) {
        self.shared.state().accepted_token = Some(token.to_owned());
    }

    /// Whether to leave clients' PINGs unanswered, as a dead connection would.
    pub fn ignore_pings(&self, ignore: bool) {
        self.shared.state().ignore_pings = ignore;
    }
}

impl Drop for LocalTwitchServer {
    fn drop(&mut self) {
        self.stop.cancel();
        self.disconnect_all();
    }
}

async fn wait_for_count(counter: &watch::Sender<usize>, n: usize) {
    let mut changes = counter.subscribe();
    // The sender lives as long as the server, which this borrow keeps alive.
    let _ = changes.wait_for(|count| *count >= n).await;
}

async fn broadcast(targets: Vec<mpsc::Sender<Arc<str>>>, line: Arc<str>) {
    for target in targets {
        // A client gone in the meantime just misses the line, as on Twitch.
        let _ = target.send(line.clone()).await;
    }
}

async fn accept_clients(listener: TcpListener, shared: Arc<Shared>, stop: CancellationToken) {
    loop {
        let stream = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "local twitch server: accept failed");
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let (lines, queue) = mpsc::channel(CLIENT_QUEUE);
        let mut state = shared.state();
        state.next_client += 1;
        let id = state.next_client;
        // Spawned under the lock so the client is registered before its task can remove it.
        let task = tokio::spawn(serve_client(id, stream, shared.clone(), queue)).abort_handle();
        state.clients.insert(id, Client { channels: HashSet::new(), lines, task });
        drop(state);
        shared.connections.send_modify(|n| *n += 1);
    }
}

/// What the server does after answering one line.
enum Next {
    Continue,
    Close,
}

async fn serve_client(id: u64, stream: TcpStream, shared: Arc<Shared>, mut queue: mpsc::Receiver<Arc<str>>) {
    let (read, write) = stream.into_split();
    let mut reader = LineReader::new(read);
    let mut writer = BufWriter::new(write);
    let mut login = ClientLogin::default();
    loop {
        let result = tokio::select! {
            line = reader.next_line() => match line {
                Ok(Some(line)) => match answer(id, &line, &mut login, &shared, &mut writer).await {
                    Ok(Next::Continue) => writer.flush().await,
                    Ok(Next::Close) => break,
                    Err(error) => Err(error),
                },
                Ok(None) | Err(_) => break,
            },
            Some(first) = queue.recv() => {
                let mut result = write_line(&mut writer, &first).await;
                // Everything already queued goes out in the same flush.
                while let (Ok(()), Ok(more)) = (&result, queue.try_recv()) {
                    result = write_line(&mut writer, &more).await;
                }
                match result {
                    Ok(()) => writer.flush().await,
                    Err(error) => Err(error),
                }
            }
        };
        if result.is_err() {
            break;
        }
    }
    let _ = writer.flush().await;
    shared.state().clients.remove(&id);
}

#[derive(Default)]
struct ClientLogin {
    token: Option<String>,
    nick: Option<String>,
}

async fn write_line<W: tokio::io::AsyncWrite + Unpin>(writer: &mut W, line: &str) -> std::io::Result<()> {
    writer.write_all(line.as_bytes()).await?;
    writer.write_all(b"\r\n").await
}

/// Answers one line from a client as Twitch would.
async fn answer<W: tokio::io::AsyncWrite + Unpin>(
    id: u64,
    line: &str,
    login: &mut ClientLogin,
    shared: &Shared,
    writer: &mut W,
) -> std::io::Result<Next> {
    let Ok(message) = IrcMessage::parse(line) else {
        return Ok(Next::Continue);
    };
    if message.command == "PASS" {
        let token = message.param(0).unwrap_or_default();
        let token = token.strip_prefix("oauth:").unwrap_or(token).to_owned();
        shared.state().pass_tokens.push(token.clone());
        login.token = Some(token);
        return Ok(Next::Continue);
    }
    shared.state().received.push(line.to_owned());
    shared.received.send_modify(|n| *n += 1);

    match message.command.as_str() {
        "CAP" if message.param(0) == Some("REQ") => {
            let caps = message.params.last().map(String::as_str).unwrap_or_default();
            write_line(writer, &format!(":tmi.twitch.tv CAP * ACK :{caps}")).await?;
        }
        "NICK" => {
            let nick = message.param(0).unwrap_or_default().to_ascii_lowercase();
            let accepted = shared.state().accepted_token.clone();
            if accepted.is_some_and(|accepted| login.token.as_ref() != Some(&accepted)) {
                write_line(writer, ":tmi.twitch.tv NOTICE * :Login authentication failed").await?;
                writer.flush().await?;
                return Ok(Next::Close);
            }
            for (code, text) in [
                ("001", "Welcome, GLHF!"),
                ("002", "Your host is tmi.twitch.tv"),
                ("003", "This server is rather new"),
                ("004", "-"),
                ("375", "-"),
                ("372", "You are in a maze of twisty passages, all alike."),
                ("376", ">"),
            ] {
                write_line(writer, &format!(":tmi.twitch.tv {code} {nick} :{text}")).await?;
            }
            login.nick = Some(nick);
        }
        "JOIN" => {
            // Twitch ignores JOINs before login.
            let Some(nick) = login.nick.clone() else {
                return Ok(Next::Continue);
            };
            let channels: Vec<String> =
                message.param(0).unwrap_or_default().split(',').map(channel_name).filter(|c| !c.is_empty()).collect();
            for channel in &channels {
                write_line(writer, &format!(":{nick}!{nick}@{nick}.tmi.twitch.tv JOIN #{channel}")).await?;
                write_line(writer, &format!(":{nick}.tmi.twitch.tv 353 {nick} = #{channel} :{nick}")).await?;
                write_line(writer, &format!(":{nick}.tmi.twitch.tv 366 {nick} #{channel} :End of /NAMES list")).await?;
            }
            if let Some(client) = shared.state().clients.get_mut(&id) {
                client.channels.extend(channels.iter().cloned());
            }
            shared.joins.send_modify(|n| *n += channels.len());
        }
        "PART" => {
            if let Some(client) = shared.state().clients.get_mut(&id) {
                for channel in message.param(0).unwrap_or_default().split(',') {
                    client.channels.remove(&channel_name(channel));
                }
            }
        }
        "PING" if !shared.state().ignore_pings => {
            let arg = message.params.last().map(String::as_str).unwrap_or("tmi.twitch.tv");
            write_line(writer, &format!(":tmi.twitch.tv PONG tmi.twitch.tv :{arg}")).await?;
        }
        "PRIVMSG" => {
            let sent = SentLine {
                channel: channel_name(message.param(0).unwrap_or_default()),
                text: message.param(1).unwrap_or_default().to_owned(),
                reply_to: message.tag("reply-parent-msg-id").map(str::to_owned),
            };
            shared.state().sent.push(sent);
            shared.sent.send_modify(|n| *n += 1);
        }
        "QUIT" => return Ok(Next::Close),
        _ => {}
    }
    Ok(Next::Continue)
}
