//! The per-user limit in Redis: counted once per message id, so redundant instances agree.

use std::time::Duration;

use gavel_chat_ingest::rate_limit::{RateLimiter, Verdict};

#[tokio::test]
async fn each_message_counts_once_and_the_limit_speaks_once() {
    let client = redis::Client::open("redis://127.0.0.1:6379").expect("url");
    let redis = redis::aio::ConnectionManager::new(client).await.expect("Redis");
    // A key prefix of this test's own; its keys expire with the window.
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let limiter = RateLimiter::new(redis, &prefix, 2, Duration::from_secs(5));
    let first = limiter.check(&[("twitch:1", "m1"), ("twitch:1", "m2"), ("twitch:2", "n1")]).await.expect("check");
    assert_eq!(first, [Verdict::Allowed, Verdict::Allowed, Verdict::Allowed]);
    // Another instance sees the same messages: same verdicts, nothing counted again.
    let again = limiter.check(&[("twitch:1", "m1"), ("twitch:1", "m2")]).await.expect("check");
    assert_eq!(again, [Verdict::Allowed, Verdict::Allowed]);
    let more = limiter.check(&[("twitch:1", "m3"), ("twitch:1", "m4"), ("twitch:2", "n2")]).await.expect("check");
    assert_eq!(more, [Verdict::JustLimited, Verdict::Limited, Verdict::Allowed], "told once, then ignored");
    assert_eq!(limiter.check(&[("twitch:1", "m3")]).await.expect("check"), [Verdict::JustLimited], "the same verdict for the same message");
}
