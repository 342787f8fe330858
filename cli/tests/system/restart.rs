//! The `gavel` binary as an operator runs it: migrate, create an admin, run, be killed, restart.

use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use gavel_bus::topology::Topology;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

/// A database URL for the test's own database, on the server DATABASE_URL names.
async fn database_url(pool: &sqlx::PgPool) -> String {
    let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(pool).await.expect("name");
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port()
}

/// Each test's own RabbitMQ namespace, deleted when the test ends, pass or fail.
struct Namespace(String);

impl Namespace {
    fn new() -> Self {
        Namespace(format!("test-{}", uuid::Uuid::new_v4().simple()))
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        // The test's runtime may be shutting down: delete from a runtime of our own.
        let namespace = self.0.clone();
        let deleted = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let connection = gavel_bus::connect(RABBITMQ_URL, "gavel test cleanup").await.expect("RabbitMQ");
                let channel = connection.create_channel().await.expect("channel");
                Topology::new(&namespace).delete(&channel).await.expect("delete the test's topology");
            })
        })
        .join();
        if deleted.is_err() {
            eprintln!("could not delete RabbitMQ namespace {}", self.0);
        }
    }
}

const RABBITMQ_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

fn gavel(database_url: &str, namespace: &Namespace, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gavel"));
    command
        .env("GAVEL__DATABASE__URL", database_url)
        .env("GAVEL__RABBITMQ__NAMESPACE", &namespace.0)
        .env("GAVEL__HTTP__ADDRESS", format!("127.0.0.1:{port}"))
        .env("GAVEL__LOG__FORMAT", "json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn create_admin(database_url: &str, namespace: &Namespace) -> String {
    let mut child =
        gavel(database_url, namespace, 0).args(["admin", "create", "--username", "ada", "--role", "admin"]).spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"correct horse battery staple\n").await.expect("password");
    drop(stdin);
    let output = child.wait_with_output().await.expect("admin create");
    assert!(output.status.success(), "admin create failed");
    let token = String::from_utf8(output.stdout).expect("utf-8").trim().to_owned();
    assert!(token.starts_with("gvl_") && token.len() == 68, "one token on stdout, nothing else: {token:?}");
    token
}

struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<(reqwest::StatusCode, Value), reqwest::Error> {
        let mut request =
            self.client.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token).timeout(Duration::from_secs(5));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    async fn created(&self, path: &str, body: Value) -> i64 {
        let (status, body) = self.call(reqwest::Method::POST, path, Some(body)).await.expect("request");
        assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
        body["id"].as_i64().expect("id")
    }

    /// Waits (bounded) until the lot is in `state`.
    async fn wait_for_state(&self, lot: i64, state: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok((_, body)) = self.call(reqwest::Method::GET, &format!("/api/lots/{lot}"), None).await
                && body["state"] == state
            {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "lot {lot} never reached {state}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn wait_until_up(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.client.get(format!("{}/health", self.base)).send().await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "gavel never answered /health");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn sleep_until(at: DateTime<Utc>) {
    if let Ok(wait) = (at - Utc::now()).to_std() {
        tokio::time::sleep(wait).await;
    }
}

async fn kill(mut child: Child) {
    child.start_kill().expect("SIGKILL");
    let status = child.wait().await.expect("wait");
    assert!(status.code().is_none(), "killed by a signal, not exited: {status:?}");
}

/// Every lot event of `lot`, as (type, occurred_at).
async fn lot_events(pool: &sqlx::PgPool, lot: i64) -> Vec<(String, DateTime<Utc>)> {
    sqlx::query_as("SELECT event_type, occurred_at FROM outbox WHERE lot_id = $1 ORDER BY id")
        .bind(lot)
        .fetch_all(pool)
        .await
        .expect("events")
}

fn assert_within(what: &str, at: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) {
    assert!(from <= at && at <= to, "{what} at {at}, expected between {from} and {to}");
}

/// Scheduler passes under load on a 2-core machine: on time means within this of the instant.
const ON_TIME: chrono::Duration = chrono::Duration::milliseconds(1_000);

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_killed_gavel_resumes_every_lot_exactly_once(pool: sqlx::PgPool) {
    let url = database_url(&pool).await;
    let namespace = Namespace::new();
    let migrate = gavel(&url, &namespace, 0).arg("migrate").status().await.expect("migrate");
    assert!(migrate.success(), "gavel migrate is idempotent on a migrated database");
    let token = create_admin(&url, &namespace).await;
    let port = free_port();
    let api = Api { client: reqwest::Client::new(), base: format!("http://127.0.0.1:{port}"), token };

    let run = || gavel(&url, &namespace, port).args(["run", "all"]).spawn().expect("gavel run all");
    let process = run();
    api.wait_until_up().await;
    let marathon = api
        .created(
            "/api/marathons",
            json!({
            "name": "Crash marathon", "first_day": "2030-01-01", "days": 2, "time_zone": "UTC", "opening_time": "00:00",
            "lot_duration_secs": 3, "reserve_wei": "1", "increment_bps": 0, "min_increment_wei": "1",
            "anti_snipe_window_secs": 0, "anti_snipe_extension_secs": 0, "anti_snipe_max_extensions": 0, "no_sale": "burn" }),
        )
        .await;
    let t0 = Utc::now().trunc_subsecs(3);
    let seconds = |s: i64| t0 + chrono::Duration::seconds(s);
    let lot_body = |day: u32, start: DateTime<Utc>, end: DateTime<Utc>| json!({ "day_index": day, "token_uri": format!("ipfs://lot{day}"), "image_url": "https://img.example/x.png", "starts_at": start, "ends_at": end });
    let (a_start, a_end, b_start, b_end) = (seconds(2), seconds(4), seconds(7), seconds(10));
    let lot_a = api.created(&format!("/api/marathons/{marathon}/lots"), lot_body(0, a_start, a_end)).await;
    let lot_b = api.created(&format!("/api/marathons/{marathon}/lots"), lot_body(1, b_start, b_end)).await;

    // Lot A runs its course, seen through the API; the process dies between the two lots.
    api.wait_for_state(lot_a, "ACTIVE").await;
    api.wait_for_state(lot_a, "PROCESSING").await;
    kill(process).await;

    // Lot B's start passes while nothing runs; the restart opens it at once.
    sleep_until(b_start + chrono::Duration::seconds(1)).await;
    let first_restart = Utc::now();
    let process = run();
    api.wait_for_state(lot_b, "ACTIVE").await;

    // Killed exactly at lot B's end: the transition either committed or it did not.
    sleep_until(b_end).await;
    kill(process).await;
    let killed_at = Utc::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let second_restart = Utc::now();
    let process = run();
    api.wait_for_state(lot_b, "PROCESSING").await;
    // No ingest instance ever ran, so nothing holds the winners back: both lots close.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while sqlx::query_scalar::<_, i64>("SELECT count(*) FROM lots WHERE winner_final_at IS NOT NULL").fetch_one(&pool).await.expect("count")
        < 2
    {
        assert!(tokio::time::Instant::now() < deadline, "the lots never closed");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    kill(process).await;

    let a = lot_events(&pool, lot_a).await;
    assert_eq!(
        a.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["lot.opened", "lot.processing", "lot.closed"],
        "lot A: each transition once"
    );
    assert_within("lot A opened", a[0].1, a_start, a_start + ON_TIME);
    assert_within("lot A processing", a[1].1, a_end, a_end + ON_TIME);

    let b = lot_events(&pool, lot_b).await;
    assert_eq!(
        b.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["lot.opened", "lot.processing", "lot.closed"],
        "lot B: each transition once"
    );
    assert_within("lot B opened on restart", b[0].1, first_restart, first_restart + chrono::Duration::seconds(10));
    let closed = b[1].1;
    let on_time = closed >= b_end && closed <= killed_at;
    let on_restart = closed >= second_restart && closed <= second_restart + chrono::Duration::seconds(10);
    assert!(
        on_time || on_restart,
        "lot B processing at {closed}: neither at its end ({b_end}, killed {killed_at}) nor on restart ({second_restart})"
    );

    let closed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE event_type = 'lot.closed'").fetch_one(&pool).await.expect("closed");
    assert_eq!(closed, 2, "each lot closed exactly once");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn bad_configuration_is_refused_without_echoing_secrets(pool: sqlx::PgPool) {
    let url = database_url(&pool).await;
    let namespace = Namespace::new();
    let output = gavel(&url, &namespace, 0)
        .env("GAVEL__HTTP__ADDRESS", "everywhere")
        .arg("migrate")
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("address"), "the bad key is named: {stderr}");
    let output = gavel(&url, &namespace, 0)
        .env("GAVEL__DATABASE__URL", "postgres://ada:s3cret-pw@127.0.0.1:notaport/x")
        .arg("migrate")
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("database.url") && !stderr.contains("s3cret-pw"), "named, never echoed: {stderr}");
}

/// README's getting-started order on a fresh database: `gavel admin create` before any `gavel
/// migrate` or `gavel run` makes the tables itself, instead of failing on `relation "users" does
/// not exist` after asking for the password.
#[sqlx::test(migrations = false)]
async fn admin_create_on_a_fresh_database_makes_its_tables_first(pool: sqlx::PgPool) {
    let url = database_url(&pool).await;
    create_admin(&url, &Namespace::new()).await;
    let users: Vec<String> = sqlx::query_scalar("SELECT username FROM users").fetch_all(&pool).await.expect("the users table");
    assert_eq!(users, ["ada"]);
}
