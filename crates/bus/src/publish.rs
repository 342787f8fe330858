//! Publishing with publisher confirms. A batch is published in full, then every confirm is
//! awaited; any nack or channel failure fails the batch, and the caller publishes it again.
//! Consumers deduplicate (bids by idempotency key, events by id), so a retry never doubles.

use futures_util::future::try_join_all;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Connection};

/// Delivery mode 2: the broker writes the message to disk.
const PERSISTENT: u8 = 2;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("RabbitMQ: {0}")]
    Broker(#[from] lapin::Error),
    #[error("RabbitMQ refused {0} message(s) (nack)")]
    Nacked(usize),
}

/// One message to publish.
pub struct Outgoing<'a> {
    pub routing_key: &'a str,
    pub payload: &'a [u8],
    /// Set as the AMQP message id, for consumers that deduplicate.
    pub message_id: &'a str,
}

/// A channel in confirm mode.
pub struct ConfirmedPublisher {
    channel: Channel,
}

impl ConfirmedPublisher {
    pub async fn open(connection: &Connection) -> Result<Self, lapin::Error> {
        let channel = connection.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        Ok(ConfirmedPublisher { channel })
    }

    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// Publishes `messages` to `exchange` and returns once the broker has confirmed all of them.
    pub async fn publish_all(&self, exchange: &str, messages: &[Outgoing<'_>]) -> Result<(), PublishError> {
        let mut confirms = Vec::with_capacity(messages.len());
        for message in messages {
            let properties = BasicProperties::default()
                .with_delivery_mode(PERSISTENT)
                .with_content_type("application/json".into())
                .with_message_id(message.message_id.into());
            let confirm = self
                .channel
                .basic_publish(exchange.into(), message.routing_key.into(), BasicPublishOptions::default(), message.payload, properties)
                .await?;
            confirms.push(confirm);
        }
        let confirmations = try_join_all(confirms).await?;
        let nacked = confirmations.iter().filter(|confirmation| confirmation.is_nack()).count();
        if nacked > 0 { Err(PublishError::Nacked(nacked)) } else { Ok(()) }
    }
}
