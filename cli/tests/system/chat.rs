//! Viewers bid in Twitch chat (a local server speaking the protocol) and Gavel answers there.

use std::time::Duration;

use chrono::Utc;
use gavel_auction_manager::engine::EngineConfig;
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::Wei;

use crate::support::{eventually, sandbox};

const MILLI_ETH: u128 = 1_000_000_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_viewers_bid_in_chat_and_are_answered() {
    let mut sandbox = sandbox().await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    let start = Utc::now() + chrono::Duration::seconds(1);
    let end = start + chrono::Duration::seconds(5);
    let lot = sandbox.seed_lot("twitch:gavel", start, end, (0, 0)).await.expect("lot");
    let seeded = sandbox.seed_viewers("twitch", 3, Wei::from(100 * MILLI_ETH)).await.expect("viewers");
    // Carol has almost nothing: her bid is refused for lack of bidding power.
    sqlx::query("UPDATE escrow_ledger SET amount_wei = 1000 WHERE wallet = $1")
        .bind(format!("0x{:040x}", 3))
        .execute(&sandbox.pool)
        .await
        .expect("carol");
    let [alice, bob, carol] = [0, 1, 2].map(|i| Viewer::new(&seeded[i].user_id, &seeded[i].login, ["Alice", "Bob", "Carol"][i]));
    sandbox.start_auction_manager(EngineConfig::default()).await.expect("auction-manager");
    let source = gavel::twitch::local_source(twitch.addr(), "gavel");
    sandbox.start_chat_ingest(sandbox.ingest_config("ingest-a"), vec![source], None);
    tokio::time::timeout(Duration::from_secs(20), twitch.wait_for_joins(1)).await.expect("joined");
    tokio::time::sleep((start - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(100)).await;

    twitch.say("gavel", &alice, "!bid 0.01").await;
    twitch.say("gavel", &bob, "!bid 0.02").await;
    twitch.say("gavel", &carol, "!bid 5").await;
    twitch.say("gavel", &bob, "!bid lots").await;
    // The same chat message delivered twice is one bid.
    let line = format!(
        "@display-name=Alice;id=dup-1;tmi-sent-ts={};user-id={} :{}!{}@{}.tmi.twitch.tv PRIVMSG #gavel :!bid 0.03",
        Utc::now().timestamp_millis(),
        alice.user_id,
        alice.login,
        alice.login,
        alice.login
    );
    twitch.say_raw(&line).await;
    twitch.say_raw(&line).await;
    twitch.say("gavel", &alice, "hello chat").await;

    let pool = sandbox.pool.clone();
    eventually(Duration::from_secs(20), "five decisions", || {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM bids").fetch_one(&pool).await.unwrap_or(0) == 4 }
    })
    .await;
    let duplicates: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bids WHERE idempotency_key = 'twitch:dup-1'").fetch_one(&pool).await.expect("count");
    assert_eq!(duplicates, 1, "a message delivered twice is one bid");

    // The lot ends; the engine makes the winner final.
    eventually(Duration::from_secs(20), "the lot to close", || {
        let pool = pool.clone();
        async move { gavel_store::lots::get(&pool, lot).await.ok().flatten().is_some_and(|r| r.lot.winner_final_at.is_some()) }
    })
    .await;
    let record = gavel_store::lots::get(&pool, lot).await.expect("lot").expect("lot");
    let high = record.lot.high.expect("a winner");
    assert_eq!((high.bidder.as_str(), high.amount), ("twitch:1", Wei::from(30 * MILLI_ETH)));

    // Replies: each in reply to its message, rejections with their reason.
    eventually(Duration::from_secs(20), "the replies", || async {
        let sent = twitch.sent();
        sent.iter().any(|l| l.text.contains("your bidding power is 0.000000000000001 ETH"))
            && sent.iter().any(|l| l.text.contains("you were outbid"))
    })
    .await;
    let sent = twitch.sent();
    let texts: Vec<&str> = sent.iter().map(|line| line.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.starts_with("bid not taken: 'l' is not allowed in an amount")), "bob's typo is explained: {texts:?}");
    assert!(texts.iter().any(|t| t.contains("your bid leads: 0.03 ETH")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("@Bob you were outbid: 0.03 ETH leads")), "{texts:?}");
    assert!(sent.iter().filter(|l| l.text.starts_with("bid not taken")).all(|l| l.reply_to.is_some()), "rejections answer their message");
    assert!(!texts.iter().any(|t| t.contains("hello")), "other chat gets no answer");
    sandbox.stop().await.expect("stop");
}
