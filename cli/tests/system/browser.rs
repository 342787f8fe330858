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
pub(crate) const PASSWORD: &str = "a long enough password";

/// Runs a driver scenario; `act` is called with each STEP's name before `GO` is sent. Returns
/// the driver's last line.
pub(crate) async fn drive<F, Fut>(args: &[String], mut act: F) -> String
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

pub(crate) fn screenshot_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gavel-browser-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

pub(crate) fn assert_png(path: &Path) {
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
    wait_open(&sandbox, lot).await;
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

    keep_screenshots(&shots, &["overlay.png"]);
    sandbox.stop().await.expect("stop");
}

/// Keeps the scenario's screenshots when `GAVEL_SCREENSHOTS` names a folder (`docs/screenshots`
/// refreshes the README's pictures), then removes the run's own folder.
pub(crate) fn keep_screenshots(shots: &Path, names: &[&str]) {
    if let Ok(keep) = std::env::var("GAVEL_SCREENSHOTS") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).expect("screenshot folder");
        for name in names {
            std::fs::copy(shots.join(name), keep.join(name)).expect("copy screenshot");
        }
    }
    let _ = std::fs::remove_dir_all(shots);
}

/// The operator's console at 1280×800 on a live lot: what is typed survives a burst of bids, a
/// pause reaches the overlay within a second and stops its countdown, a void and a ban-with-void
/// are undone, the trail says who did what, a cancelled day gets a new lot; then the other pages:
/// every form's bad input at its field, times with their zone, each ingest instance up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_console_holds_up_on_a_live_lot() {
    let mut sandbox = sandbox().await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    let seeded = sandbox.seed_viewers("twitch", 2, Wei::from(1_000_000_000_000_000_000u128)).await.expect("viewers");
    let api: SocketAddr = sandbox.start_auction_manager(EngineConfig::default()).await.expect("auction-manager");
    let source = gavel::twitch::local_source(twitch.addr(), "gavel");
    sandbox.start_chat_ingest(sandbox.ingest_config("ingest-a"), vec![source], None);
    tokio::time::timeout(Duration::from_secs(20), twitch.wait_for_joins(1)).await.expect("joined");
    create_user(&sandbox.pool, "ada", Role::Admin, PASSWORD).await.expect("admin");
    let [alice, bob] = [0, 1].map(|i| Viewer::new(&seeded[i].user_id, &seeded[i].login, ["Alice", "Bob"][i]));
    let base = format!("http://{api}");
    let shots = screenshot_dir();

    let start = Utc::now() + chrono::Duration::milliseconds(300);
    let lot = sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::seconds(900), (0, 0)).await.expect("lot");
    let marathon = gavel_store::lots::get(&sandbox.pool, lot).await.expect("lot").expect("lot").lot.marathon_id;
    wait_open(&sandbox, lot).await;
    let args = scenario_args("operator", &base, marathon.0, lot.0, &shots);
    let last = drive(&args, |step| {
        let (twitch, alice, bob) = (&twitch, &alice, &bob);
        async move {
            match step.as_str() {
                // 0.010, 0.011, … 0.029 ETH, Alice and Bob in turn: Bob's 0.029 last.
                "place-20-bids" => {
                    for i in 0..20u32 {
                        let viewer = if i % 2 == 0 { alice } else { bob };
                        twitch.say("gavel", viewer, &format!("!bid 0.0{}", 10 + i)).await;
                        tokio::time::sleep(Duration::from_millis(150)).await;
                    }
                }
                "place-bid-0.05" => {
                    twitch.say("gavel", alice, "!bid 0.05").await;
                }
                other => panic!("unknown step {other}"),
            }
        }
    })
    .await;
    assert_eq!(last, "PASS");
    for name in ["operator-live.png", "operator-paused.png"] {
        assert_png(&shots.join(name));
    }

    // The other pages, on a marathon of its own in Berlin's time zone, its lot with two bids.
    let start = Utc::now() + chrono::Duration::milliseconds(300);
    let lot = sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::seconds(900), (0, 0)).await.expect("lot");
    let marathon = gavel_store::lots::get(&sandbox.pool, lot).await.expect("lot").expect("lot").lot.marathon_id;
    sqlx::query("UPDATE marathons SET time_zone = 'Europe/Berlin' WHERE id = $1")
        .bind(marathon.0)
        .execute(&sandbox.pool)
        .await
        .expect("zone");
    wait_open(&sandbox, lot).await;
    for (viewer, amount) in [(&alice, "0.06"), (&bob, "0.07")] {
        twitch.say("gavel", viewer, &format!("!bid {amount}")).await;
    }
    eventually(Duration::from_secs(20), "both bids decided", || async {
        gavel_store::lots::get(&sandbox.pool, lot)
            .await
            .ok()
            .flatten()
            .and_then(|record| record.lot.high)
            .is_some_and(|high| high.bidder.as_str() == "twitch:2")
    })
    .await;
    let mut args = scenario_args("console", &base, marathon.0, lot.0, &shots);
    args.extend(["--zone".to_owned(), "Europe/Berlin".to_owned()]);
    assert_eq!(drive(&args, |step| async move { panic!("unknown step {step}") }).await, "PASS");
    assert_png(&shots.join("operator-form-errors.png"));

    keep_screenshots(&shots, &["operator-live.png", "operator-paused.png", "operator-form-errors.png"]);
    sandbox.stop().await.expect("stop");
}

/// A scenario's flags: the admin's login, the marathon and lot, where screenshots go.
pub(crate) fn scenario_args(scenario: &str, base: &str, marathon: i64, lot: i64, shots: &Path) -> Vec<String> {
    [
        scenario,
        "--base-url",
        base,
        "--marathon",
        &marathon.to_string(),
        "--lot",
        &lot.to_string(),
        "--username",
        "ada",
        "--password",
        PASSWORD,
        "--screenshot-dir",
        &shots.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Waits (bounded) until the scheduler has opened `lot`: chat bids sent before are refused.
async fn wait_open(sandbox: &gavel::sandbox::Sandbox, lot: gavel_domain::LotId) {
    eventually(Duration::from_secs(20), "the lot opened", || async {
        gavel_store::lots::get(&sandbox.pool, lot)
            .await
            .ok()
            .flatten()
            .is_some_and(|record| record.lot.state == gavel_domain::lot::LotState::Active)
    })
    .await;
}
