//! `!link` in chat against deposits credited as the chain watcher credits them: the rules of
//! the binding between a chat identity and a wallet (BRIEF, "Concepts"), each said in chat.

use alloy::primitives::Address;
use gavel::sandbox::Sandbox;
use gavel_auction_manager::moderation;
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::{BidderId, Wei, link};
use gavel_store::bidders::{self, LedgerEntry, LedgerKind};
use gavel_store::users::User;

use crate::settlement::{ask, start_bidding};
use crate::support::sandbox;

const MILLI_ETH: u128 = 1_000_000_000_000_000;

fn wallet(n: u8) -> Address {
    Address::with_last_byte(n)
}

/// Credits a deposit of `wallet` carrying `commitment` (zero: a top-up with no secret), as the
/// chain watcher does once its block is final.
async fn credit(sandbox: &Sandbox, wallet: Address, commitment: alloy::primitives::B256, milli: u128) {
    let seq: i64 = sqlx::query_scalar("SELECT count(*) FROM escrow_ledger").fetch_one(&sandbox.pool).await.expect("count");
    let entry = LedgerEntry {
        wallet: format!("{wallet:#x}"),
        kind: LedgerKind::Deposit,
        amount: Wei::from(milli * MILLI_ETH),
        commitment: Some(format!("{commitment:#x}")),
        tx_hash: format!("0x{:064x}", seq + 1),
        log_index: 0,
        block_number: 1,
    };
    assert!(bidders::credit(&sandbox.pool, &entry).await.expect("credit"));
}

async fn wallet_of(sandbox: &Sandbox, id: &str) -> Option<String> {
    bidders::get(&sandbox.pool, &BidderId::parse(id).expect("id")).await.expect("bidder").and_then(|bidder| bidder.wallet)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_binds_one_identity_to_one_wallet_by_its_own_commitment() {
    let mut sandbox = sandbox().await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    sandbox.site.public_url = Some("https://gavel.example/".parse().expect("url"));
    start_bidding(&mut sandbox, &twitch).await;
    let start = chrono::Utc::now() + chrono::Duration::milliseconds(500);
    sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::minutes(5), (0, 0)).await.expect("lot");
    crate::settlement::sleep_until(start + chrono::Duration::milliseconds(1200)).await;
    let [alice, bob, mallory] = [("1", "alice"), ("2", "bob"), ("3", "mallory")].map(|(id, login)| Viewer::new(id, login, login));
    let alices = |w: Address| link::commitment("twitch:alice", "s3cret-a", w);

    // An unlinked viewer's bid is refused with the way in.
    let refused = ask(&twitch, &alice, "!bid 0.01").await;
    assert!(refused.contains("link your wallet first") && refused.contains("join at https://gavel.example"), "{refused}");

    // Mallory copies Alice's commitment from the calldata of Alice's deposit and deposits first:
    // it binds nothing, to either of them, and Alice's own deposit still links.
    credit(&sandbox, wallet(3), alices(wallet(1)), 10).await;
    credit(&sandbox, wallet(1), alices(wallet(1)), 50).await;
    assert!(ask(&twitch, &mallory, "!link s3cret-a").await.starts_with("not linked"));
    let linked = ask(&twitch, &alice, "!link s3cret-a").await;
    assert!(linked.contains("your bidding power is 0.05 ETH"), "{linked}");
    assert_eq!(wallet_of(&sandbox, "twitch:1").await, Some(format!("{:#x}", wallet(1))));
    assert_eq!(wallet_of(&sandbox, "twitch:3").await, None);

    // A top-up from the linked wallet needs no secret: a zero commitment adds to its power.
    credit(&sandbox, wallet(1), alloy::primitives::B256::ZERO, 20).await;
    let balance = ask(&twitch, &alice, "!balance").await;
    assert!(balance.contains("0.07 ETH"), "{balance}");

    // One identity, one wallet: Alice's deposit from a second wallet does not move her link.
    credit(&sandbox, wallet(4), link::commitment("twitch:alice", "other", wallet(4)), 5).await;
    let again = ask(&twitch, &alice, "!link other").await;
    assert!(again.contains("already linked"), "{again}");
    assert_eq!(wallet_of(&sandbox, "twitch:1").await, Some(format!("{:#x}", wallet(1))));

    // One wallet, one identity: a deposit of Alice's wallet committing to Bob's handle does not
    // bind Bob to it, and Bob is told why.
    credit(&sandbox, wallet(1), link::commitment("twitch:bob", "b0b", wallet(1)), 1).await;
    let taken = ask(&twitch, &bob, "!link b0b").await;
    assert!(taken.contains("already linked to another viewer"), "{taken}");
    assert_eq!(wallet_of(&sandbox, "twitch:2").await, None);

    // Bob mistyped his handle when depositing: nothing binds; a small new deposit with the right
    // commitment mends it.
    credit(&sandbox, wallet(2), link::commitment("twitch:bbo", "b0b-2", wallet(2)), 30).await;
    assert!(ask(&twitch, &bob, "!link b0b-2").await.starts_with("not linked"));
    credit(&sandbox, wallet(2), link::commitment("twitch:bob", "b0b-3", wallet(2)), 1).await;
    let mended = ask(&twitch, &bob, "!link b0b-3").await;
    assert!(mended.contains("your bidding power is 0.031 ETH"), "{mended}");

    // An admin unlinks Alice (lost wallet): her old secret no longer binds the old wallet; a
    // fresh deposit from her new wallet does.
    gavel_auction_manager::users::create_user(&sandbox.pool, "ada", gavel_auction_manager::users::Role::Admin, "a long enough password")
        .await
        .expect("admin");
    let (user, _): (User, String) = gavel_store::users::with_password(&sandbox.pool, "ada").await.expect("user").expect("ada");
    let unlinked = moderation::unlink_bidder(&sandbox.pool, &user, &BidderId::parse("twitch:1").expect("id"), "lost her wallet")
        .await
        .expect("unlink");
    assert_eq!(unlinked.wallet, None);
    let audit = gavel_store::audit::for_target(&sandbox.pool, "bidder:twitch:1").await.expect("audit");
    assert!(audit.iter().any(|entry| entry.action == "bidder.unlink" && entry.details["reason"] == "lost her wallet"), "{audit:?}");
    assert!(ask(&twitch, &alice, "!link s3cret-a").await.starts_with("not linked"));
    assert_eq!(wallet_of(&sandbox, "twitch:1").await, None);
    credit(&sandbox, wallet(5), link::commitment("twitch:alice", "fresh", wallet(5)), 40).await;
    let relinked = ask(&twitch, &alice, "!link fresh").await;
    assert!(relinked.contains("your bidding power is 0.04 ETH"), "{relinked}");
    assert_eq!(wallet_of(&sandbox, "twitch:1").await, Some(format!("{:#x}", wallet(5))));

    sandbox.stop().await.expect("stop");
}
