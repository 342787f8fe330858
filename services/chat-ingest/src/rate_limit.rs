//! The per-user command rate limit, held in Redis so it holds across ingest instances.
//!
//! Each command is counted once per message id: the count a message got when first seen is
//! stored under its id, so a redundant instance seeing the same message gets the same verdict
//! instead of counting it again. Checks for a burst of messages go in one pipelined round trip.

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{Pipeline, Script};

const SCRIPT: &str = r#"
local seen = redis.call('GET', KEYS[1])
if seen then return tonumber(seen) end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
redis.call('SET', KEYS[1], n, 'PX', ARGV[2])
return n
"#;

/// What the limit says of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// The first message over the limit in its window: the viewer is told once.
    JustLimited,
    /// Further messages over the limit: ignored silently.
    Limited,
}

#[derive(Clone)]
pub struct RateLimiter {
    redis: ConnectionManager,
    script: Script,
    prefix: String,
    /// Commands allowed per user per window.
    pub limit: u32,
    pub window: Duration,
}

impl RateLimiter {
    pub fn new(redis: ConnectionManager, prefix: &str, limit: u32, window: Duration) -> Self {
        RateLimiter { redis, script: Script::new(SCRIPT), prefix: prefix.to_owned(), limit, window }
    }

    /// Verdicts for `(user, message)` pairs, in order, in one round trip.
    pub async fn check(&self, messages: &[(&str, &str)]) -> redis::RedisResult<Vec<Verdict>> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let window_ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        let mut pipe = Pipeline::new();
        for (user, message) in messages {
            pipe.cmd("EVALSHA")
                .arg(self.script.get_hash())
                .arg(2)
                .arg(format!("{}:rl:msg:{message}", self.prefix))
                .arg(format!("{}:rl:user:{user}", self.prefix))
                .arg(window_ms)
                // A message id is remembered for two windows: longer than any redelivery.
                .arg(window_ms.saturating_mul(2));
        }
        let mut redis = self.redis.clone();
        let counts: Vec<u64> = match pipe.query_async(&mut redis).await {
            Ok(counts) => counts,
            Err(error) if error.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                // Redis restarted (it keeps nothing on disk here): load the script and retry.
                self.script.prepare_invoke().load_async(&mut redis).await?;
                pipe.query_async(&mut redis).await?
            }
            Err(error) => return Err(error),
        };
        let limit = u64::from(self.limit);
        Ok(counts
            .into_iter()
            .map(|count| match count {
                n if n <= limit => Verdict::Allowed,
                n if n == limit + 1 => Verdict::JustLimited,
                _ => Verdict::Limited,
            })
            .collect())
    }
}
