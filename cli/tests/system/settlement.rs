//! On-chain settlement on a real anvil: deposits read from the house's logs, `!link` in chat,
//! bidding through the pipeline, settlement, no sale, `gavel verify`, and the failures a live
//! show meets (a crash between sending and the receipt, a stuck transaction, a reorg, an RPC
//! outage).

use std::net::SocketAddr;
use std::time::Duration;

use alloy::primitives::U256;
use alloy::providers::Provider;
use chrono::Utc;
use gavel::sandbox::Sandbox;
use gavel_auction_manager::engine::EngineConfig;
use gavel_chain::bindings::LotStatus;
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::lot::LotState;
use gavel_domain::{BidderId, LotId, link};
use gavel_settlement::chain::Chain;
use gavel_settlement::watcher::Watcher;
use gavel_store::settlement::{Attempt, AttemptKind};
use gavel_store::{PgPool, bidders, lots};

use crate::chain::{MILLI_ETH, Proxy, TestChain, attempts, deploy_house, spawn_settlement, verify};
use crate::crash::kill;
use crate::support::{eventually, sandbox};

const WAIT: Duration = Duration::from_secs(60);

async fn lot_state(pool: &PgPool, lot: LotId) -> Option<LotState> {
    lots::get(pool, lot).await.ok().flatten().map(|record| record.lot.state)
}

pub(crate) async fn wait_completed(pool: &PgPool, lot: LotId) {
    eventually(WAIT, &format!("lot {lot} to be COMPLETED"), || async move { lot_state(pool, lot).await == Some(LotState::Completed) })
        .await;
}

/// The auction manager and one ingest instance reading `twitch`; returns the API's address.
pub(crate) async fn start_bidding(sandbox: &mut Sandbox, twitch: &LocalTwitchServer) -> SocketAddr {
    let api = sandbox.start_auction_manager(EngineConfig::default()).await.expect("auction-manager");
    let source = gavel::twitch::local_source(twitch.addr(), "gavel");
    sandbox.start_chat_ingest(sandbox.ingest_config("ingest-a"), vec![source], None);
    tokio::time::timeout(Duration::from_secs(20), twitch.wait_for_joins(1)).await.expect("joined");
    api
}

/// What Gavel answers in chat to `viewer` saying `text`. Said again if no answer comes within
/// 5 s, as a viewer would: an instance answers only once it holds the speaker lease, which a
/// loaded machine may take a moment to take after start.
pub(crate) async fn ask(twitch: &LocalTwitchServer, viewer: &Viewer, text: &str) -> String {
    for _ in 0..6 {
        let id = twitch.say("gavel", viewer, text).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while tokio::time::Instant::now() < deadline {
            if let Some(line) = twitch.sent().into_iter().find(|line| line.reply_to.as_deref() == Some(id.as_str())) {
                return line.text;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    panic!("no answer to {text:?}");
}

pub(crate) async fn deposits_credited(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM escrow_ledger WHERE kind = 'deposit'").fetch_one(pool).await.expect("ledger")
}

/// The first closing transaction of `lot`, once it is recorded and in anvil's mempool.
async fn close_in_mempool(pool: &PgPool, chain: &TestChain, lot: LotId) -> Attempt {
    let sent = || async { attempts(pool, lot).await.into_iter().find(|a| a.action == "close" && a.kind == AttemptKind::Sent) };
    eventually(WAIT, "the settlement sent and in the mempool", || async {
        let Some(close) = sent().await else { return false };
        let hash = close.tx_hash.as_deref().unwrap_or_default().parse().expect("hash");
        chain.provider.get_transaction_by_hash(hash).await.ok().flatten().is_some()
    })
    .await;
    sent().await.expect("sent")
}

pub(crate) async fn sleep_until(at: chrono::DateTime<Utc>) {
    tokio::time::sleep((at - Utc::now()).to_std().unwrap_or_default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposits_link_bids_and_settlement_move_the_nft_and_the_money() {
    let mut sandbox = sandbox().await;
    let chain = TestChain::start().await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    let pool = sandbox.pool.clone();

    // Mallory (account 3) front-runs Alice (account 1): she copies Alice's commitment from the
    // pending deposit's calldata and deposits with it first. The house takes both deposits (a
    // copy cannot make Alice's revert), and the copy binds nothing: the commitment was computed
    // for Alice's wallet. Bob (account 2) deposits with his own.
    let alices = link::commitment(&link::handle("twitch", "alice"), "alice-secret", chain.account(1));
    let copied = chain.deposit_with(3, alices, 50 * MILLI_ETH).await.expect("a copied commitment is taken, not refused");
    assert!(copied.status());
    let deposited = chain.deposit(1, &link::handle("twitch", "alice"), "alice-secret", 100 * MILLI_ETH).await.expect("alice deposits");
    assert!(deposited.status(), "the owner's deposit is not blocked by the copy");
    chain.deposit(2, &link::handle("twitch", "bob"), "bob-secret", 100 * MILLI_ETH).await.expect("bob deposits");

    sandbox.start_settlement(chain.settings(&chain.endpoint()), None);
    let api = start_bidding(&mut sandbox, &twitch).await;
    eventually(WAIT, "the three deposits credited from the chain", || async { deposits_credited(&pool).await == 3 }).await;

    let [alice, bob, mallory] = [("1", "alice"), ("2", "bob"), ("3", "mallory")].map(|(id, login)| Viewer::new(id, login, login));
    assert!(ask(&twitch, &alice, "!link alice-secret").await.contains("your bidding power is 0.1 ETH"));
    assert!(ask(&twitch, &bob, "!link bob-secret").await.contains("your bidding power is 0.1 ETH"));
    // Mallory saw Alice's secret in chat; from Mallory's login it makes another commitment.
    assert!(ask(&twitch, &mallory, "!link alice-secret").await.starts_with("not linked"));
    let wallet_of = |id: &str| {
        let pool = pool.clone();
        let id = BidderId::parse(id).expect("id");
        async move { bidders::get(&pool, &id).await.expect("bidder").and_then(|b| b.wallet) }
    };
    assert_eq!(wallet_of("twitch:1").await, Some(chain.account(1).to_string().to_lowercase()));
    assert_eq!(wallet_of("twitch:2").await, Some(chain.account(2).to_string().to_lowercase()));
    assert_eq!(wallet_of("twitch:3").await, None, "a copied secret binds nothing");

    // The lots: seeded now that everyone is linked, so no set-up time eats into their bidding.
    let start = Utc::now() + chrono::Duration::seconds(1);
    let end = start + chrono::Duration::seconds(4);
    let sold = sandbox.seed_lot("twitch:gavel", start, end, (0, 0)).await.expect("lot");
    let unsold = sandbox.seed_lot("twitch:quiet", start, end, (0, 0)).await.expect("lot");
    sleep_until(start + chrono::Duration::milliseconds(200)).await;
    for (viewer, text) in [(&alice, "!bid 0.01"), (&bob, "!bid 0.02"), (&alice, "!bid 0.03")] {
        twitch.say("gavel", viewer, text).await;
    }
    wait_completed(&pool, sold).await;
    wait_completed(&pool, unsold).await;

    // The winner holds the NFT; the treasury is owed exactly the winning amount, and gets it.
    let amount = U256::from(30 * MILLI_ETH);
    assert_eq!(chain.owner_of(sold).await, Some(chain.account(1)));
    let on_chain = chain.lot(sold).await;
    assert_eq!(
        (LotStatus::from_abi(on_chain.status), on_chain.winner, on_chain.amount),
        (Some(LotStatus::Settled), chain.account(1), amount)
    );
    assert_eq!(chain.escrow(1).await, U256::from(70 * MILLI_ETH), "the winner's escrow fell by the amount");
    assert_eq!(chain.escrow(2).await, U256::from(100 * MILLI_ETH), "the loser's escrow is untouched");
    assert_eq!(chain.house.treasuryProceeds().call().await.expect("proceeds"), amount);
    let before = chain.balance(chain.treasury()).await;
    chain.house.claimProceeds().from(chain.account(5)).send().await.expect("claim").get_receipt().await.expect("claimed");
    assert_eq!(chain.balance(chain.treasury()).await - before, amount, "the treasury received exactly the winning amount");
    // Bidding power follows: the payment is in the ledger as the lot completes.
    let alice_id = BidderId::parse("twitch:1").expect("id");
    assert_eq!(bidders::power(&pool, &alice_id).await.expect("power").map(|p| p.as_u256()), Some(U256::from(70 * MILLI_ETH)));

    // The lot nobody bid on: no sale, its token burned (the marathon's policy).
    let quiet = chain.lot(unsold).await;
    assert_eq!(LotStatus::from_abi(quiet.status), Some(LotStatus::NoSale));
    assert_eq!(chain.owner_of(unsold).await, None, "burned");

    // `gavel verify`: the published log matches the chain; any tampering does not.
    let settings = chain.settings(&chain.endpoint());
    assert!(verify(api, &settings, sold).await, "verify passes for the settled lot");
    assert!(verify(api, &settings, unsold).await, "and for the lot with no sale");
    let tamper = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query(sql).bind(sold.0).execute(&pool).await.expect("tamper") }
    };
    tamper("UPDATE bid_log SET amount_wei = amount_wei + 1 WHERE lot_id = $1 AND position = 1").await;
    assert!(!verify(api, &settings, sold).await, "an altered amount fails");
    tamper("UPDATE bid_log SET amount_wei = amount_wei - 1 WHERE lot_id = $1 AND position = 1").await;
    tamper("UPDATE bid_log SET bidder_id = 'twitch:2' WHERE lot_id = $1 AND position = 1").await;
    assert!(!verify(api, &settings, sold).await, "an altered bidder fails");
    tamper("UPDATE bid_log SET bidder_id = 'twitch:1' WHERE lot_id = $1 AND position = 1").await;
    assert!(verify(api, &settings, sold).await, "restored, it passes again");
    tamper("UPDATE bid_log SET position = -position WHERE lot_id = $1 AND position IN (1, 2)").await;
    tamper("UPDATE bid_log SET position = CASE position WHEN -1 THEN 2 ELSE 1 END WHERE lot_id = $1 AND position < 0").await;
    assert!(!verify(api, &settings, sold).await, "a changed order fails");
    tamper("UPDATE bid_log SET position = -position WHERE lot_id = $1 AND position IN (1, 2)").await;
    tamper("UPDATE bid_log SET position = CASE position WHEN -1 THEN 2 ELSE 1 END WHERE lot_id = $1 AND position < 0").await;
    assert!(verify(api, &settings, sold).await, "restored, it passes again");
    tamper("DELETE FROM bid_log WHERE lot_id = $1 AND position = (SELECT max(position) FROM bid_log WHERE lot_id = $1)").await;
    assert!(!verify(api, &settings, sold).await, "a deleted entry fails");

    sandbox.stop().await.expect("stop");
}

/// A lot in `twitch:gavel` that Alice (account 1, funded through the chain and linked in chat)
/// bids on; returns it and its end.
async fn lot_with_a_winner(sandbox: &mut Sandbox, chain: &TestChain, twitch: &LocalTwitchServer) -> (LotId, chrono::DateTime<Utc>) {
    chain.deposit(1, &link::handle("twitch", "alice"), "s", 100 * MILLI_ETH).await.expect("deposit");
    let pool = sandbox.pool.clone();
    // Credited by the watcher (the settlement process's), then linked in chat.
    eventually(WAIT, "the deposit credited", || async { deposits_credited(&pool).await == 1 }).await;
    start_bidding(sandbox, twitch).await;
    let alice = Viewer::new("1", "alice", "Alice");
    assert!(ask(twitch, &alice, "!link s").await.contains("your bidding power is 0.1 ETH"));
    let start = Utc::now() + chrono::Duration::seconds(1);
    let lot = sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::seconds(3), (0, 0)).await.expect("lot");
    sleep_until(start + chrono::Duration::milliseconds(200)).await;
    twitch.say("gavel", &alice, "!bid 0.04").await;
    (lot, start + chrono::Duration::seconds(3))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settlement_killed_between_sending_and_the_receipt_settles_once() {
    let mut sandbox = sandbox().await;
    let chain = TestChain::start().await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    let settings = chain.settings(&chain.endpoint());
    let logs = tempdir();
    let first = spawn_settlement(&sandbox.database_url, &settings, &logs.join("first.log"));
    let (lot, _end) = lot_with_a_winner(&mut sandbox, &chain, &twitch).await;
    let pool = sandbox.pool.clone();
    eventually(WAIT, "the lot opened on chain", || async { chain.owner_of(lot).await == Some(*chain.house.address()) }).await;

    // Blocks stop: the settlement transaction waits in the mempool, and the process dies there.
    chain.set_automine(false).await;
    let sent = close_in_mempool(&pool, &chain, lot).await;
    kill(first).await;
    assert_eq!(lot_state(&pool, lot).await, Some(LotState::Processing));
    assert_eq!(chain.closings(lot).await, 0, "nothing mined yet");

    let second = spawn_settlement(&sandbox.database_url, &settings, &logs.join("second.log"));
    eventually(WAIT, "the restart to read the lot's state on chain", || async {
        attempts(&pool, lot).await.iter().any(|a| a.id > sent.id && a.kind == AttemptKind::ChainState)
    })
    .await;
    // Give it time to (wrongly) send again before any block is mined.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after: Vec<_> = attempts(&pool, lot).await.into_iter().filter(|a| a.id > sent.id).collect();
    assert_eq!(after.first().map(|a| a.kind), Some(AttemptKind::ChainState), "the chain is read before anything else: {after:?}");
    assert!(!after.iter().any(|a| matches!(a.kind, AttemptKind::Sent | AttemptKind::Replaced)), "nothing is signed again: {after:?}");

    chain.mine(1).await;
    chain.set_automine(true).await;
    wait_completed(&pool, lot).await;
    kill(second).await;

    assert_eq!(chain.closings(lot).await, 1, "exactly one settlement on chain");
    assert_eq!(chain.owner_of(lot).await, Some(chain.account(1)));
    let all = attempts(&pool, lot).await;
    let receipts = chain.receipts(&all).await;
    assert!(receipts.iter().all(|(_, receipt)| receipt.as_ref().is_none_or(|r| r.status())), "no transaction reverted: {receipts:?}");
    let mined: Vec<&String> = receipts.iter().filter(|(_, r)| r.is_some()).map(|(hash, _)| hash).collect();
    assert!(mined.contains(&sent.tx_hash.as_ref().expect("hash")), "the transaction sent before the crash is the one mined");
    sandbox.stop().await.expect("stop");
    let _ = std::fs::remove_dir_all(logs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settlement_stuck_on_a_low_fee_is_replaced_and_confirmed() {
    let mut sandbox = sandbox().await;
    let chain = TestChain::start().await;
    let start = Utc::now() + chrono::Duration::seconds(1);
    let lot = sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::seconds(2), (0, 0)).await.expect("lot");
    let pool = sandbox.pool.clone();
    sandbox.start_settlement(chain.settings(&chain.endpoint()), None);
    sandbox.start_auction_manager(EngineConfig::default()).await.expect("auction-manager");
    eventually(WAIT, "the lot opened on chain", || async { chain.owner_of(lot).await.is_some() }).await;

    chain.set_automine(false).await;
    let first = close_in_mempool(&pool, &chain, lot).await;
    // The base fee jumps past what the transaction offers, so blocks go by without it.
    let offered = first.max_fee_per_gas.expect("fee").as_u256();
    let _: serde_json::Value =
        chain.provider.raw_request("anvil_setNextBlockBaseFeePerGas".into(), (offered * U256::from(20),)).await.expect("base fee");
    eventually(WAIT, "the lot to complete while blocks are mined", || async {
        chain.mine(1).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        lot_state(&pool, lot).await == Some(LotState::Completed)
    })
    .await;
    chain.set_automine(true).await;

    let all = attempts(&pool, lot).await;
    let replaced: Vec<_> = all.iter().filter(|a| a.kind == AttemptKind::Replaced).collect();
    assert!(!replaced.is_empty(), "the stuck transaction was replaced: {all:?}");
    assert!(replaced.iter().all(|a| a.nonce == first.nonce && a.tx_hash != first.tx_hash), "same nonce, another transaction");
    assert!(replaced.iter().all(|a| a.max_fee_per_gas > first.max_fee_per_gas), "with a higher fee");
    let confirmed = all.iter().find(|a| a.action == "close" && a.kind == AttemptKind::Confirmed).expect("confirmed");
    assert!(replaced.iter().any(|a| a.tx_hash == confirmed.tx_hash), "a replacement is what was mined");
    assert_eq!(chain.closings(lot).await, 1);
    let first_hash = first.tx_hash.as_deref().expect("hash").parse().expect("hash");
    assert!(chain.provider.get_transaction_receipt(first_hash).await.expect("receipt").is_none(), "the underpriced one never mined");
    sandbox.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_lot_whose_token_was_minted_is_closed_as_no_sale() {
    let mut sandbox = sandbox().await;
    let chain = TestChain::start().await;
    let start = Utc::now() + chrono::Duration::milliseconds(500);
    let lot = sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::seconds(60), (0, 0)).await.expect("lot");
    let pool = sandbox.pool.clone();
    sandbox.start_settlement(chain.settings(&chain.endpoint()), None);
    sandbox.start_auction_manager(EngineConfig::default()).await.expect("auction-manager");
    eventually(WAIT, "the lot opened on chain", || async { chain.owner_of(lot).await.is_some() }).await;

    let admin = gavel_auction_manager::users::create_user(&pool, "ada", gavel_auction_manager::users::Role::Admin, "a long password")
        .await
        .expect("admin");
    gavel_auction_manager::moderation::cancel_lot(&pool, &admin.user, lot, "artist withdrew the piece", Utc::now()).await.expect("cancel");
    eventually(WAIT, "the cancelled lot closed on chain", || async {
        LotStatus::from_abi(chain.lot(lot).await.status) == Some(LotStatus::NoSale)
    })
    .await;
    assert_eq!(chain.owner_of(lot).await, None, "its token burned (the marathon's policy)");
    assert_eq!(lot_state(&pool, lot).await, Some(LotState::Cancelled), "and the lot stays CANCELLED");
    eventually(WAIT, "the closing confirmed", || async {
        attempts(&pool, lot).await.iter().any(|a| a.action == "close" && a.kind == AttemptKind::Confirmed)
    })
    .await;
    assert_eq!(chain.closings(lot).await, 1);
    sandbox.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gavel_house_deploy_makes_the_signer_the_operator_of_a_new_house() {
    let chain = TestChain::start().await;
    let mut settings = chain.settings(&chain.endpoint());
    settings.auction_house = None;
    let deployed = deploy_house(&settings, chain.treasury()).await;
    let address: alloy::primitives::Address = deployed["auction_house"].as_str().expect("address").parse().expect("address");
    assert_ne!(&address, chain.house.address(), "a new house");
    let house = gavel_chain::bindings::AuctionHouse::new(address, chain.provider.clone());
    let operator_role = house.OPERATOR_ROLE().call().await.expect("role");
    assert!(house.hasRole(operator_role, chain.account(0)).call().await.expect("hasRole"), "the signer operates it");
    assert_eq!(house.treasury().call().await.expect("treasury"), chain.treasury());
    assert_eq!(deployed["nft"].as_str().map(str::to_lowercase), Some(house.nft().call().await.expect("nft").to_string().to_lowercase()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_counts_only_below_the_reorg_safe_depth_and_a_reorged_one_never() {
    let sandbox = sandbox().await;
    let chain = TestChain::start().await;
    let pool = sandbox.pool.clone();
    let mut settings = chain.settings(&chain.endpoint());
    settings.reorg_depth = 3;
    let watcher = Watcher::new(pool.clone(), Chain::connect(&settings).expect("chain"), &settings);
    let (alice, bob) = (BidderId::parse("twitch:1").expect("id"), BidderId::parse("twitch:2").expect("id"));
    bidders::upsert_many(&pool, &[alice.as_str(), bob.as_str()], &["alice", "bob"], &["Alice", "Bob"]).await.expect("bidders");
    bidders::bind_wallet(&pool, &alice, &chain.account(1).to_string()).await.expect("bind");
    bidders::bind_wallet(&pool, &bob, &chain.account(2).to_string()).await.expect("bind");
    let power = |id: &BidderId| {
        let (pool, id) = (pool.clone(), id.clone());
        async move { bidders::power(&pool, &id).await.expect("power").map(|p| p.as_u256()).unwrap_or_default() }
    };

    let kept = chain.deposit(1, "twitch:alice", "a", 10 * MILLI_ETH).await.expect("deposit");
    let kept_block = kept.block_number.expect("block");
    watcher.pass().await.expect("pass");
    assert_eq!(power(&alice).await, U256::ZERO, "not counted within the reorg-safe depth");

    let snapshot: U256 = chain.provider.raw_request("evm_snapshot".into(), ()).await.expect("snapshot");
    chain.deposit(2, "twitch:bob", "b", 20 * MILLI_ETH).await.expect("deposit");
    chain.mine(1).await;
    watcher.pass().await.expect("pass");
    assert_eq!(power(&alice).await, U256::ZERO, "still within the depth");
    assert_eq!(power(&bob).await, U256::ZERO);
    // The chain reorganises: Bob's deposit and the block after it are gone.
    let reverted: bool = chain.provider.raw_request("evm_revert".into(), (snapshot,)).await.expect("revert");
    assert!(reverted);
    assert_eq!(chain.head().await, kept_block);

    chain.mine(3).await;
    watcher.pass().await.expect("pass");
    assert_eq!(power(&alice).await, U256::from(10 * MILLI_ETH), "counted once past the depth");
    chain.mine(10).await;
    watcher.pass().await.expect("pass");
    assert_eq!(power(&bob).await, U256::ZERO, "a deposit removed by the reorg is never counted");
    assert_eq!(power(&alice).await, U256::from(10 * MILLI_ETH), "counted once");
    assert_eq!(deposits_credited(&pool).await, 1);
    sandbox.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_paid_short_after_a_settlement_leaves_the_right_bidding_power() {
    let sandbox = sandbox().await;
    let chain = TestChain::start().await;
    let pool = sandbox.pool.clone();
    let settings = chain.settings(&chain.endpoint());
    let watcher = Watcher::new(pool.clone(), Chain::connect(&settings).expect("chain"), &settings);
    let alice = BidderId::parse("twitch:1").expect("id");
    bidders::upsert_many(&pool, &[alice.as_str()], &["alice"], &["Alice"]).await.expect("bidder");
    bidders::bind_wallet(&pool, &alice, &chain.account(1).to_string()).await.expect("bind");
    let power = || async { bidders::power(&pool, &alice).await.expect("power").map(|p| p.as_u256()) };
    let eth = |milli: u128| U256::from(milli * MILLI_ETH);

    // Alice deposits 1 ETH and asks for all of it back; while the request waits, a lot she won
    // settles for 0.8, so the withdrawal pays only the 0.2 left.
    chain.deposit(1, "twitch:alice", "a", 1000 * MILLI_ETH).await.expect("deposit");
    let house = &chain.house;
    house.requestWithdrawal(eth(1000)).from(chain.account(1)).send().await.expect("request").get_receipt().await.expect("requested");
    house.openLot(U256::from(7), "ipfs://7".into()).send().await.expect("open").get_receipt().await.expect("opened");
    let settle = house.settleLot(U256::from(7), chain.account(1), eth(800), alloy::primitives::B256::ZERO);
    settle.send().await.expect("settle").get_receipt().await.expect("settled");
    let _: i64 = chain.provider.raw_request("evm_increaseTime".into(), (86_401,)).await.expect("time passes");
    chain.mine(1).await;
    let withdraw = house.withdraw().from(chain.account(1)).send().await.expect("withdraw").get_receipt().await.expect("withdrawn");
    assert!(withdraw.status());
    assert_eq!(chain.escrow(1).await, U256::ZERO);
    watcher.pass().await.expect("pass");
    assert_eq!(power().await, Some(U256::ZERO), "nothing left");

    // The 0.8 the withdrawal asked for but did not pay is not held against her: a new deposit
    // is all bidding power.
    chain.deposit(1, "twitch:alice", "a", 500 * MILLI_ETH).await.expect("deposit");
    watcher.pass().await.expect("pass");
    assert_eq!(power().await, Some(eth(500)));
    assert_eq!(chain.escrow(1).await, eth(500));
    sandbox.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settlement_rides_out_an_rpc_outage() {
    let mut sandbox = sandbox().await;
    let chain = TestChain::start().await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    let anvil_address = SocketAddr::from(([127, 0, 0, 1], chain.anvil.port()));
    let proxy = Proxy::start(anvil_address).await;
    // A provider's URL carries its key; it must show up nowhere.
    let settings = chain.settings(&format!("{}/?apikey=SECRETKEY42", proxy.url()));
    let logs = tempdir();
    let log = logs.join("settlement.log");
    let process = spawn_settlement(&sandbox.database_url, &settings, &log);
    let (lot, end) = lot_with_a_winner(&mut sandbox, &chain, &twitch).await;
    let pool = sandbox.pool.clone();
    // Opened, and known to the service as opened: the outage below hits the closing alone.
    eventually(WAIT, "the opening confirmed", || async {
        attempts(&pool, lot).await.iter().any(|a| a.action == "open" && a.kind == AttemptKind::Confirmed)
    })
    .await;

    // The endpoint goes away before the lot closes and stays away while it is due to settle.
    proxy.cut().await;
    sleep_until(end).await;
    eventually(WAIT, "the outage recorded", || async {
        attempts(&pool, lot).await.iter().any(|a| a.action == "close" && a.kind == AttemptKind::RpcError)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(lot_state(&pool, lot).await, Some(LotState::Processing));
    proxy.restore();
    wait_completed(&pool, lot).await;
    kill(process).await;

    assert_eq!(chain.owner_of(lot).await, Some(chain.account(1)));
    assert_eq!(chain.closings(lot).await, 1);
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("RPC endpoint failing"), "the outage is in the logs");
    assert!(text.contains("settlement proceeding again"), "and its end");
    assert!(!text.contains(chain.operator_key().trim_start_matches("0x")), "the signer key never reaches the log");
    assert!(!text.contains("SECRETKEY42"), "nor the RPC URL's key");
    let recorded = attempts(&pool, lot).await;
    assert!(recorded.iter().all(|a| !a.detail.contains("SECRETKEY42")), "nor the recorded attempts");
    sandbox.stop().await.expect("stop");
    let _ = std::fs::remove_dir_all(logs);
}

/// A folder for process logs; the test removes it when it passes (a failure leaves it to read).
fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gavel-settlement-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
