//! The dashboard and the overlay in a real browser: Debian's Chromium, driven headless by
//! playwright-core (`dashboard/tests/browser.mjs`), against a sandboxed Gavel whose bids come
//! through the pipeline from a local Twitch-protocol chat. The driver prints `STEP <name>` when
//! this side must act, waits for `GO`, and ends with `PASS` or `FAIL <reason>`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use gavel_auction_manager::engine::EngineConfig;
use gavel_auction_manager::users::{Role, create_user};
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::Wei;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::support::{eventually, sandbox};

const DRIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../dashboard/tests/browser.mjs");
const PASSWORD: &str = "a long enough password";

/// Runs a driver scenario; `act` is called with each STEP's name before `GO` is sent. Returns
/// the driver's last line.
async fn drive<F, Fut>(args: &[String], mut act: F) -> String
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut child = Command::new("node")
        .arg(DRIVER)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node dashboard/tests/browser.mjs (run scripts/setup: npm ci, Chromium)");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut last = String::new();
    while let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_secs(180), lines.next_line()).await {
        if let Some(step) = line.strip_prefix("STEP ") {
            act(step.to_owned()).await;
            stdin.write_all(b"GO\n").await.expect("GO");
        } else {
            last = line;
        }
    }
    let status = child.wait().await.expect("driver");
    assert!(status.success(), "the browser scenario failed: {last}");
    last
}

fn screenshot_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gavel-browser-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).expect("screenshot");
    assert!(bytes.len() > 1000 && bytes.starts_with(b"\x89PNG"), "a PNG screenshot at {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_follows_bids_voids_and_maintenance_and_refuses_what_it_must() {
    let mut sandbox = sandbox().await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    let seeded = sandbox.seed_viewers("twitch", 2, Wei::from(1_000_000_000_000_000_000u128)).await.expect("viewers");
    sandbox.site.public_url = Some("https://gavel.example".parse().expect("url"));
    let api: SocketAddr = sandbox.start_auction_manager(EngineConfig::default()).await.expect("auction-manager");
    let source = gavel::twitch::local_source(twitch.addr(), "gavel");
    sandbox.start_chat_ingest(sandbox.ingest_config("ingest-a"), vec![source], None);
    tokio::time::timeout(Duration::from_secs(20), twitch.wait_for_joins(1)).await.expect("joined");
    let admin = create_user(&sandbox.pool, "ada", Role::Admin, PASSWORD).await.expect("admin");
    create_user(&sandbox.pool, "vera", Role::Viewer, PASSWORD).await.expect("viewer");
    let start = Utc::now() + chrono::Duration::milliseconds(300);
    let lot = sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::seconds(600), (0, 0)).await.expect("lot");
    let marathon = gavel_store::lots::get(&sandbox.pool, lot).await.expect("lot").expect("lot").lot.marathon_id;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let [alice, bob] = [0, 1].map(|i| Viewer::new(&seeded[i].user_id, &seeded[i].login, ["Alice", "Bob"][i]));
    let base = format!("http://{api}");
    let shots = screenshot_dir();

    // An admin watches the lot: bids arrive live, a void brings the high bid back, maintenance
    // mode makes a chat bid bounce, a mutation without the CSRF token is refused.
    let args: Vec<String> =
        ["admin", "--base-url", &base, "--lot", &lot.0.to_string(), "--username", "ada", "--password", PASSWORD, "--screenshot"]
            .iter()
            .map(|s| s.to_string())
            .chain([shots.join("dashboard.png").display().to_string()])
            .collect();
    let last = drive(&args, |step| {
        let (twitch, alice, bob) = (&twitch, &alice, &bob);
        async move {
            match step.as_str() {
                "place-bid" => {
                    twitch.say("gavel", alice, "!bid 0.02").await;
                }
                "place-higher-bid" => {
                    twitch.say("gavel", bob, "!bid 0.03").await;
                }
                "bid-while-paused" => {
                    let asked = twitch.say("gavel", alice, "!bid 0.05").await;
                    eventually(Duration::from_secs(20), "the paused bid's rejection in chat", || {
                        let reply = twitch.sent().into_iter().find(|line| line.reply_to.as_deref() == Some(asked.as_str()));
                        std::future::ready(reply.is_some_and(|line| line.text.contains("paused")))
                    })
                    .await;
                }
                other => panic!("unknown step {other}"),
            }
        }
    })
    .await;
    assert_eq!(last, "PASS");
    assert_png(&shots.join("dashboard.png"));

    // A viewer-role account sees no switches and the server refuses its mutation.
    let args: Vec<String> =
        ["viewer", "--base-url", &base, "--username", "vera", "--password", PASSWORD].iter().map(|s| s.to_string()).collect();
    assert_eq!(drive(&args, |_| async {}).await, "PASS");

    // The admin asks for the join QR code; the overlay shows the lot, the high bid (Alice's,
    // after the void), a running countdown, and the viewer page's address with its QR code.
    let shown = reqwest::Client::new()
        .patch(format!("{base}/api/marathons/{}", marathon.0))
        .bearer_auth(&admin.token)
        .json(&serde_json::json!({ "show_join_qr": true }))
        .send()
        .await
        .expect("PATCH");
    assert!(shown.status().is_success(), "{}", shown.text().await.unwrap_or_default());
    // Shown as people read it aloud: without the scheme.
    let join = format!("gavel.example/m/{}", marathon.0);
    let args: Vec<String> = [
        "overlay",
        "--base-url",
        &base,
        "--marathon",
        &marathon.0.to_string(),
        "--expect-high",
        "0.02",
        "--expect-join",
        &join,
        "--screenshot",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([shots.join("overlay.png").display().to_string()])
    .collect();
    assert_eq!(drive(&args, |_| async {}).await, "PASS");
    assert_png(&shots.join("overlay.png"));

    if let Ok(keep) = std::env::var("GAVEL_SCREENSHOTS") {
        // `GAVEL_SCREENSHOTS=docs/screenshots scripts/test …` refreshes the README's pictures.
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).expect("screenshot folder");
        for name in ["dashboard.png", "overlay.png"] {
            std::fs::copy(shots.join(name), keep.join(name)).expect("copy screenshot");
        }
    }
    let _ = std::fs::remove_dir_all(&shots);
    sandbox.stop().await.expect("stop");
}
