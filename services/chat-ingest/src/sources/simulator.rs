//! A simulated chat for demos: viewers `sim:1…N` take turns bidding in one channel, each bid a
//! step above the last, at a steady rate.

use std::time::Duration;

use chrono::Utc;
use futures_util::future::BoxFuture;
use gavel_domain::Wei;

use crate::source::{ChatMessage, ChatSource, SourceContext};

pub struct SimulatorSource {
    pub channel: String,
    pub viewers: u32,
    /// Messages per second (at least 1).
    pub per_second: u32,
    /// The first bid, and the step between bids.
    pub start: Wei,
    pub step: Wei,
}

impl ChatSource for SimulatorSource {
    fn platform(&self) -> &str {
        "sim"
    }

    fn run(self: Box<Self>, context: SourceContext) -> BoxFuture<'static, anyhow::Result<()>> {
        Box::pin(async move {
            let SourceContext { messages, mut outgoing, shutdown } = context;
            let mut tick = tokio::time::interval(Duration::from_secs(1) / self.per_second.max(1));
            let mut amount = self.start;
            for n in 0u64.. {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    line = outgoing.recv() => {
                        if let Some(line) = line {
                            tracing::info!(channel = %line.channel, text = %line.text, "simulated chat reply");
                        }
                        continue;
                    }
                    _ = tick.tick() => {}
                }
                let viewer = n % u64::from(self.viewers.max(1)) + 1;
                let message = ChatMessage {
                    platform: "sim".into(),
                    message_id: format!("{}-{n}", Utc::now().timestamp_micros()),
                    channel: self.channel.clone(),
                    user_id: viewer.to_string(),
                    login: format!("viewer{viewer}"),
                    display_name: format!("Viewer{viewer}"),
                    text: format!("!bid {}", amount.to_eth_string()),
                    sent_at: Some(Utc::now()),
                };
                if messages.send(message).await.is_err() {
                    break;
                }
                amount = amount.saturating_add(self.step);
            }
            Ok(())
        })
    }
}
