//! What every chat source is: something that, given a context, turns a platform's chat into
//! [`ChatMessage`]s and writes [`Outgoing`] replies back to it, until shut down. Adding a source
//! is one module implementing [`ChatSource`].

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A chat message as a source saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// `twitch`, `webhook`, `sim`…: the first half of ids made from this message.
    pub platform: String,
    /// The platform's id of the message (Twitch's `id` tag): the idempotency key.
    pub message_id: String,
    /// The channel, without the platform (Twitch: the channel login, no `#`).
    pub channel: String,
    /// The platform's stable user id (Twitch's `user-id` tag).
    pub user_id: String,
    /// The login, lower case.
    pub login: String,
    pub display_name: String,
    pub text: String,
    /// The platform's own timestamp (Twitch's `tmi-sent-ts`), for audit only.
    pub sent_at: Option<DateTime<Utc>>,
}

impl ChatMessage {
    /// `platform:message_id`: unique across platforms.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform, self.message_id)
    }

    /// `platform:channel`, as marathons list their channels.
    pub fn channel_key(&self) -> String {
        format!("{}:{}", self.platform, self.channel)
    }

    /// The bidder who typed it; an error when the platform's user id cannot name one.
    pub fn bidder(&self) -> Result<gavel_domain::BidderId, gavel_domain::ids::InvalidBidderId> {
        gavel_domain::BidderId::of(&self.platform, &self.user_id)
    }
}

/// A line to say in a channel, optionally as a reply to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub channel: String,
    pub text: String,
    /// The platform's id of the message answered (Twitch: `reply-parent-msg-id`).
    pub reply_to: Option<String>,
}

/// What a source is given to run.
pub struct SourceContext {
    /// Where received messages go; a full channel slows the source down rather than dropping.
    pub messages: mpsc::Sender<ChatMessage>,
    /// Lines to say in chat on this source's platform.
    pub outgoing: mpsc::Receiver<Outgoing>,
    pub shutdown: CancellationToken,
}

pub trait ChatSource: Send {
    /// The platform name, as in [`ChatMessage::platform`].
    fn platform(&self) -> &str;

    /// Runs until `shutdown`; reconnects by itself after errors it can recover from.
    fn run(self: Box<Self>, context: SourceContext) -> BoxFuture<'static, anyhow::Result<()>>;
}
