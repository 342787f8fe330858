use std::net::SocketAddr;

use chrono::{DateTime, Utc};
use gavel_auction_manager::engine::EngineConfig;
use gavel_auction_manager::users::{Role, create_user};
use gavel_auction_manager::{Application, Config};
use gavel_bus::topology::Topology;
use gavel_store::PgPool;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

pub const ETH: u128 = 1_000_000_000_000_000_000;

/// Now, at the millisecond: PostgreSQL keeps microseconds, so times compared after a round trip
/// must not carry nanoseconds.
pub fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(3)
}

pub const RABBITMQ_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// A namespace of the broker's own for one test, removed by the broker once the test is over.
pub fn test_topology() -> Topology {
    Topology::ephemeral(format!("test-{}", uuid::Uuid::new_v4().simple()), std::time::Duration::from_secs(20))
}

/// The service running on a fresh database and its own RabbitMQ namespace, with one user of
/// each role.
pub struct TestApp {
    pub address: SocketAddr,
    pub pool: PgPool,
    pub topology: Topology,
    pub admin: String,
    pub operator: String,
    pub viewer: String,
    client: reqwest::Client,
    shutdown: CancellationToken,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> TestApp {
        // Logs show with a failing test's output (RUST_LOG=debug for more).
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        let token = |name: &'static str, role| {
            let pool = pool.clone();
            async move { create_user(&pool, name, role, "correct horse battery staple").await.expect("user").token }
        };
        let (admin, operator, viewer) =
            (token("ada", Role::Admin).await, token("otto", Role::Operator).await, token("vera", Role::Viewer).await);
        let topology = test_topology();
        let config = Config {
            http_address: "127.0.0.1:0".parse().expect("address"),
            topology: topology.clone(),
            engine: EngineConfig::default(),
            with_relay: true,
            web: Default::default(),
        };
        let connection = gavel_bus::connect(RABBITMQ_URL, "gavel test").await.expect("RabbitMQ");
        let app = Application::build(config, pool.clone(), std::sync::Arc::new(connection)).await.expect("build");
        let address = app.local_addr().expect("address");
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run(shutdown.clone()));
        TestApp { address, pool, topology, admin, operator, viewer, client: reqwest::Client::new(), shutdown }
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.builder(method, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::send(request).await
    }

    /// A request to the service, to finish with headers of one's own and [`TestApp::send`].
    pub fn builder(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("http://{}{path}", self.address))
    }

    /// Sends; the status and the body (JSON, or the text as a JSON string).
    pub async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, Some(token), Some(body)).await
    }

    /// Creates a marathon as the admin and returns its id.
    pub async fn marathon(&self, overrides: Value) -> i64 {
        let (status, body) = self.post("/api/marathons", &self.admin, marathon_spec(overrides)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().expect("id")
    }

    /// Adds a lot with explicit times and returns its id.
    pub async fn lot(&self, marathon: i64, day: u32, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> i64 {
        let body = json!({ "day_index": day, "token_uri": format!("ipfs://lot{day}"), "image_url": format!("https://img.example/{day}.png"),
                           "starts_at": starts_at, "ends_at": ends_at });
        let (status, body) = self.post(&format!("/api/marathons/{marathon}/lots"), &self.admin, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().expect("id")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        delete_topology(&self.topology);
    }
}

/// Deletes a test's RabbitMQ namespace, pass or fail: its dead-letter queue would otherwise outlive
/// the test by a day (an ephemeral topology keeps it that long). From a runtime of its own, as
/// the test's may be shutting down.
pub fn delete_topology(topology: &Topology) {
    let owned = topology.clone();
    let deleted = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let connection = gavel_bus::connect(RABBITMQ_URL, "gavel test cleanup").await.expect("RabbitMQ");
            owned.delete(&connection.create_channel().await.expect("channel")).await.expect("delete the test's topology");
        })
    })
    .join();
    if deleted.is_err() {
        eprintln!("could not delete RabbitMQ namespace {}", topology.namespace());
    }
}

/// A valid marathon body: reserve 0.01 ETH, +5 % with a 0.001 ETH floor, anti-snipe 60 s.
pub fn marathon_spec(overrides: Value) -> Value {
    let mut spec = json!({
        "name": "Genesis week",
        "first_day": "2030-01-01",
        "days": 7,
        "time_zone": "Europe/Paris",
        "opening_time": "20:00",
        "lot_duration_secs": 3600,
        "reserve_wei": "10000000000000000",
        "increment_bps": 500,
        "min_increment_wei": "1000000000000000",
        "anti_snipe_window_secs": 60,
        "anti_snipe_extension_secs": 60,
        "anti_snipe_max_extensions": 10,
        "no_sale": "burn",
        "chat_channels": ["twitch:gavel"]
    });
    if let (Some(spec), Some(overrides)) = (spec.as_object_mut(), overrides.as_object()) {
        for (key, value) in overrides {
            spec.insert(key.clone(), value.clone());
        }
    }
    spec
}
