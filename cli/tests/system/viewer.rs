//! The viewer's way in, in a real browser: the public marathon page (`/m/{marathon}`) with an
//! EIP-6963 test wallet that signs with anvil keys (`dashboard/tests/viewer.mjs` and
//! `wallet.mjs`). The viewer connects, deposits, links in chat, bids, wins, sees the NFT (its
//! metadata and image served here, as an IPFS gateway would), and withdraws; a second wallet
//! copies the first one's commitment and gains nothing. This side runs Gavel, the chain and the
//! chat, and acts on the driver's `STEP`s.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use axum::extract::Path;
use axum::response::IntoResponse;
use chrono::Utc;
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::lot::LotState;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use gavel_auction_manager::users::{Role, create_user};

use crate::browser;
use crate::chain::TestChain;
use crate::settlement::{ask, start_bidding, wait_completed};
use crate::support::sandbox;

const DRIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../dashboard/tests/viewer.mjs");
/// Blocks on top of a deposit before the watcher credits it: the page shows the count rising.
const REORG_DEPTH: u64 = 3;

/// A 1×1 PNG: the NFT's image.
const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63,
    0x60, 0x60, 0xf8, 0x0f, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5f, 0xe5, 0xc3, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// An IPFS gateway's stand-in: `/ipfs/meta/{n}.json` is token n's metadata, `/ipfs/img/{n}.png`
/// its image (nothing from IPFS is reachable here).
async fn serve_metadata() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new()
        .route(
            "/ipfs/meta/{file}",
            axum::routing::get(move |Path(file): Path<String>| async move {
                let token = file.trim_end_matches(".json").to_owned();
                let metadata = serde_json::json!({
                    "name": format!("Gavel Day {token}"),
                    "description": "A lot of the viewer journey test",
                    "image": format!("ipfs://img/{token}.png"),
                });
                // Another origin than the page's, as a real gateway is.
                ([(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], axum::Json(metadata))
            }),
        )
        .route(
            "/ipfs/img/{file}",
            axum::routing::get(|| async { ([(axum::http::header::CONTENT_TYPE, "image/png")], PIXEL).into_response() }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_deposits_links_bids_wins_and_withdraws_from_the_marathon_page() {
    let mut sandbox = sandbox().await;
    let chain = TestChain::start().await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    let metadata = serve_metadata().await;

    let mut settings = chain.settings(&chain.endpoint());
    settings.reorg_depth = REORG_DEPTH;
    sandbox.chain = Some(settings.clone());
    sandbox.site.ipfs_gateway = format!("http://{metadata}/ipfs/").parse().expect("gateway");
    sandbox.start_settlement(settings, None);
    let api = start_bidding(&mut sandbox, &twitch).await;

    // The lot opens now and runs until the journey asks for its end (`wait-settled`).
    let start = Utc::now() + chrono::Duration::seconds(2);
    let lot = sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::minutes(30), (0, 0)).await.expect("lot");
    sqlx::query("UPDATE lots SET token_uri = $2, image_url = $3 WHERE id = $1")
        .bind(lot.0)
        .bind(format!("ipfs://meta/{}.json", lot.0))
        .bind(format!("http://{metadata}/ipfs/img/{}.png", lot.0))
        .execute(&sandbox.pool)
        .await
        .expect("token uri");
    let marathon = gavel_store::lots::get(&sandbox.pool, lot).await.expect("lot").expect("lot").lot.marathon_id;
    let viewers = [Viewer::new("501", "alice", "Alice"), Viewer::new("502", "mallory", "Mallory")];

    let shots = std::env::temp_dir().join(format!("gavel-viewer-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let args: Vec<String> = [
        ("--base-url", format!("http://{api}")),
        ("--marathon", marathon.0.to_string()),
        ("--lot", lot.0.to_string()),
        ("--rpc-url", chain.endpoint()),
        ("--key-a", chain.key(5)),
        ("--key-b", chain.key(6)),
        ("--login", "alice".into()),
        ("--copier-login", "mallory".into()),
        ("--screenshots", shots.display().to_string()),
        ("--ipfs-gateway", format!("http://{metadata}/ipfs/")),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_owned(), value])
    .collect();

    let mut driver = Command::new("node")
        .arg(DRIVER)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node dashboard/tests/viewer.mjs (run scripts/setup)");
    let mut stdin = driver.stdin.take().expect("stdin");
    let mut lines = BufReader::new(driver.stdout.take().expect("stdout")).lines();
    let mut last = String::new();
    let mut said = Vec::new();
    while let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_secs(300), lines.next_line()).await {
        let Some(step) = line.strip_prefix("STEP ") else {
            last = line;
            continue;
        };
        let mut words = step.splitn(3, ' ');
        match (words.next(), words.next(), words.next()) {
            (Some("say"), Some(login), Some(text)) => {
                let viewer = viewers.iter().find(|viewer| viewer.login == login).expect("a known viewer");
                said.push((login.to_owned(), ask(&twitch, viewer, text).await));
            }
            (Some("wait-settled"), None, None) => {
                let state = gavel_store::lots::get(&sandbox.pool, lot).await.expect("lot").expect("lot").lot.state;
                assert_eq!(state, LotState::Active, "the lot is still open when the viewer has bid");
                sqlx::query("UPDATE lots SET ends_at = clock_timestamp() + interval '1 second' WHERE id = $1")
                    .bind(lot.0)
                    .execute(&sandbox.pool)
                    .await
                    .expect("end the lot");
                // The chain moves on as a live one does, so the settlement's log reaches the
                // reorg-safe depth.
                let mining = async {
                    loop {
                        chain.mine(1).await;
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                };
                tokio::select! {
                    () = wait_completed(&sandbox.pool, lot) => {}
                    () = mining => {}
                }
            }
            _ => panic!("unknown step {step}"),
        }
        stdin.write_all(b"GO\n").await.expect("GO");
    }
    let status = driver.wait().await.expect("driver");
    assert!(status.success() && last == "PASS", "the viewer journey failed: {last}");

    // What chat said: Alice linked; Mallory, with Alice's secret and a copied commitment, did not.
    let reply =
        |login: &str, prefix: &str| said.iter().find(|(who, text)| who == login && text.starts_with(prefix)).map(|(_, text)| text.clone());
    assert!(reply("alice", "linked to").is_some(), "{said:?}");
    assert!(reply("mallory", "not linked").is_some(), "{said:?}");

    let pictures =
        ["marathon", "join", "wallet"].into_iter().flat_map(|page| ["desktop", "phone"].map(|size| format!("viewer-{page}-{size}.png")));
    let pictures: Vec<String> = pictures.collect();
    for name in &pictures {
        let bytes = std::fs::read(shots.join(name)).expect("screenshot");
        assert!(bytes.len() > 1000 && bytes.starts_with(b"\x89PNG"), "{name}");
    }

    // The operators' view of the same show: the lot's settlement summed up, and the health page
    // with the chain as the settlement service reports it and each ingest instance up.
    create_user(&sandbox.pool, "ada", Role::Admin, browser::PASSWORD).await.expect("admin");
    let args = browser::scenario_args("settled", &format!("http://{api}"), marathon.0, lot.0, &shots);
    assert_eq!(browser::drive(&args, |step| async move { panic!("unknown step {step}") }).await, "PASS");
    let mut names: Vec<&str> = pictures.iter().map(String::as_str).collect();
    names.extend(["operator-settlement.png", "operator-health.png"]);
    for name in &names[pictures.len()..] {
        browser::assert_png(&shots.join(name));
    }
    browser::keep_screenshots(&shots, &names);
    sandbox.stop().await.expect("stop");
}
