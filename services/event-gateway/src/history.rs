//! Recent events in Redis, a sorted set scored by `seq`, for replay to reconnecting clients.
//! Only a cache: when it cannot answer (flushed, trimmed past the client's point, down),
//! replay reads PostgreSQL's outbox instead.

use gavel_domain::events::EventEnvelope;

use crate::hub::Published;
use redis::aio::ConnectionManager;

#[derive(Clone)]
pub struct History {
    redis: ConnectionManager,
    key: String,
    len: usize,
}

impl History {
    pub fn new(redis: ConnectionManager, prefix: &str, len: usize) -> Self {
        History { redis, key: format!("{prefix}:events"), len: len.max(1) }
    }

    /// Adds an event and trims the oldest beyond the length kept.
    pub async fn append(&self, event: &Published) -> redis::RedisResult<()> {
        let mut redis = self.redis.clone();
        let keep = isize::try_from(self.len).unwrap_or(isize::MAX);
        redis::pipe()
            .zadd(&self.key, &event.json, event.envelope.seq)
            .ignore()
            .zremrangebyrank(&self.key, 0, -keep - 1)
            .ignore()
            .query_async(&mut redis)
            .await
    }

    /// The events after `seq`, in order, if the history holds every one of them from `seq + 1`;
    /// `None` when it does not (or Redis fails), so the caller reads PostgreSQL.
    pub async fn after(&self, seq: i64, limit: usize) -> Option<Vec<EventEnvelope>> {
        let mut redis = self.redis.clone();
        let oldest: Vec<(String, i64)> =
            redis::cmd("ZRANGE").arg(&self.key).arg(0).arg(0).arg("WITHSCORES").query_async(&mut redis).await.ok()?;
        let (_, oldest) = oldest.first()?;
        if *oldest > seq.saturating_add(1) {
            return None;
        }
        let found: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(&self.key)
            .arg(format!("({seq}"))
            .arg("+inf")
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut redis)
            .await
            .ok()?;
        let events: Vec<EventEnvelope> = found.iter().map(|json| serde_json::from_str(json).ok()).collect::<Option<_>>()?;
        // A hole (no gateway was running while some events went by) sends the caller to
        // PostgreSQL too.
        let contiguous = events.iter().zip(seq.saturating_add(1)..).all(|(event, expected)| event.seq == expected);
        contiguous.then_some(events)
    }
}
