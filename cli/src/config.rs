//! Configuration: built-in local defaults, then a TOML file, then `GAVEL__…` environment
//! variables (`GAVEL__DATABASE__URL` sets `database.url`). Secrets are [`SecretString`]s, so
//! neither `Debug` nor an error message ever prints them.

use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgConnectOptions;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub rabbitmq: RabbitMqSettings,
    pub redis: RedisSettings,
    pub engine: EngineSettings,
    pub chat: ChatSettings,
    pub http: HttpSettings,
    pub gateway: GatewaySettings,
    pub ops: OpsSettings,
    pub log: LogSettings,
    /// Absent: nothing is settled on chain (the settlement service and `gavel verify` refuse).
    pub chain: Option<gavel_chain::settings::ChainSettings>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// May hold a password: secret.
    pub url: SecretString,
    pub max_connections: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RabbitMqSettings {
    /// May hold a password: secret.
    pub url: SecretString,
    /// Prefix of every exchange and queue, so several deployments (or tests) share a broker.
    pub namespace: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    /// May hold a password: secret.
    pub url: SecretString,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSettings {
    /// This ingest instance's name; empty: a random one per start.
    pub instance: String,
    pub heartbeat_ms: u64,
    /// Commands allowed per user per window.
    pub rate_limit: u32,
    pub rate_window_ms: u64,
    pub replies: RepliesSettings,
    pub twitch: Option<TwitchSettings>,
    pub webhook: Option<WebhookSettings>,
    pub simulator: Option<SimulatorSettings>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepliesSettings {
    pub enabled: bool,
    /// The bot account; the speaker lease and the send budget are per account.
    pub bot: String,
    /// Messages per window: Twitch allows 20 per 30 s, 100 as a moderator.
    pub budget: u32,
    pub budget_window_ms: u64,
    pub max_personal: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwitchSettings {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub bot_login: String,
    pub channels: Vec<String>,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub access_token: SecretString,
    pub refresh_token: SecretString,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    pub address: SocketAddr,
    /// The platform name messages are filed under (`kick`, `discord`…).
    pub platform: String,
    pub secret: SecretString,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorSettings {
    pub channel: String,
    pub viewers: u32,
    pub per_second: u32,
    pub start_wei: gavel_domain::Wei,
    pub step_wei: gavel_domain::Wei,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSettings {
    /// Most bids decided in one transaction.
    pub batch_max: usize,
    /// Most unacknowledged bid messages held; must exceed `batch_max`.
    pub prefetch: u16,
    /// An ingest instance silent this long no longer holds decisions back.
    pub instance_timeout_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// The admin API's address (and the dashboard's, and the event gateway's when it runs in
    /// the same process).
    pub address: SocketAddr,
    /// The built dashboard; default `dashboard/dist` when it exists.
    pub dashboard_dir: Option<std::path::PathBuf>,
    /// The address viewers reach Gavel at (`https://gavel.example`): the overlay shows it with a
    /// QR code, chat replies to unlinked viewers name it. A loopback address is refused off anvil.
    pub public_url: Option<url::Url>,
    /// Where `ipfs://` token metadata and images are read from by viewers' browsers.
    pub ipfs_gateway: url::Url,
}

impl HttpSettings {
    /// What the public pages say about where viewers find Gavel.
    pub fn site(&self) -> gavel_auction_manager::api::public::PublicSite {
        gavel_auction_manager::api::public::PublicSite { public_url: self.public_url.clone(), ipfs_gateway: self.ipfs_gateway.clone() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySettings {
    /// Where a gateway running without the auction-manager listens.
    pub address: SocketAddr,
    /// Events a client may fall behind before it is told to resync.
    pub client_buffer: usize,
    /// Recent events kept in Redis for replay (older ones come from PostgreSQL).
    pub history_len: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsSettings {
    /// Where a process with neither the admin API nor a gateway of its own (chat-ingest,
    /// outbox-relay or settlement alone) serves `/health`, `/ready` and `/metrics`.
    pub address: SocketAddr,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `gavel_auction_manager=debug,info`.
    pub filter: String,
    /// An OpenTelemetry collector's OTLP/HTTP traces endpoint (`http://collector:4318/v1/traces`):
    /// spans (each HTTP request's, with its request id) are exported there. Absent: none are.
    /// Without credentials: those go in `OTEL_EXPORTER_OTLP_HEADERS`, which the exporter reads.
    pub otlp_endpoint: Option<String>,
}

/// The defaults: every dependency on this machine at its usual port.
#[derive(Serialize)]
struct Defaults {
    database: serde_json::Value,
    rabbitmq: serde_json::Value,
    redis: serde_json::Value,
    engine: serde_json::Value,
    chat: serde_json::Value,
    http: serde_json::Value,
    gateway: serde_json::Value,
    ops: serde_json::Value,
    log: serde_json::Value,
}

fn defaults() -> Defaults {
    use serde_json::json;
    Defaults {
        database: json!({ "url": "postgres://postgres@127.0.0.1:5432/gavel", "max_connections": 10 }),
        rabbitmq: json!({ "url": "amqp://guest:guest@127.0.0.1:5672/%2f", "namespace": "gavel" }),
        redis: json!({ "url": "redis://127.0.0.1:6379" }),
        engine: json!({ "batch_max": 500, "prefetch": 5000, "instance_timeout_ms": 3000 }),
        chat: json!({
            "instance": "", "heartbeat_ms": 100, "rate_limit": 6, "rate_window_ms": 10000,
            "replies": { "enabled": true, "bot": "gavelbot", "budget": 20, "budget_window_ms": 30000, "max_personal": 200 }
        }),
        http: json!({ "address": "127.0.0.1:8080", "ipfs_gateway": gavel_auction_manager::api::public::DEFAULT_IPFS_GATEWAY }),
        gateway: json!({ "address": "127.0.0.1:8081", "client_buffer": 1024, "history_len": 10000 }),
        // The port Prometheus exporters of OpenTelemetry use by default.
        ops: json!({ "address": "127.0.0.1:9464" }),
        log: json!({ "format": "json", "filter": "info" }),
    }
}

/// File read when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "gavel.toml";

impl Settings {
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let mut figment = Figment::from(Serialized::defaults(defaults()));
        match file {
            Some(path) => {
                anyhow::ensure!(path.exists(), "configuration file {} not found", path.display());
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file(DEFAULT_FILE)),
        }
        // figment's messages name the key and the source, never a secret's value.
        let settings: Settings =
            figment.merge(Env::prefixed("GAVEL__").split("__")).extract().map_err(|error| anyhow::anyhow!("configuration: {error}"))?;
        settings.check()?;
        Ok(settings)
    }

    /// What the types alone cannot say.
    fn check(&self) -> anyhow::Result<()> {
        self.check_public_url()?;
        EnvFilter::try_new(&self.log.filter).map_err(|error| anyhow::anyhow!("configuration: log.filter: {error}"))?;
        if let Some(endpoint) = &self.log.otlp_endpoint {
            let url = url::Url::parse(endpoint).map_err(|error| anyhow::anyhow!("configuration: log.otlp_endpoint: {error}"))?;
            anyhow::ensure!(matches!(url.scheme(), "http" | "https"), "configuration: log.otlp_endpoint must be an http(s) URL");
            // A plain setting, which errors and debug output may show: no credentials in it.
            anyhow::ensure!(
                url.username().is_empty() && url.password().is_none(),
                "configuration: log.otlp_endpoint must not carry a user or password (value not shown); \
                 give the collector's credentials in OTEL_EXPORTER_OTLP_HEADERS (e.g. authorization=Bearer …)"
            );
        }
        anyhow::ensure!(
            usize::from(self.engine.prefetch) > self.engine.batch_max,
            "configuration: engine.prefetch must exceed engine.batch_max, or watermarks queued behind waiting bids are never read"
        );
        anyhow::ensure!(self.engine.batch_max > 0, "configuration: engine.batch_max must be at least 1");
        let namespace_ok =
            !self.rabbitmq.namespace.is_empty() && self.rabbitmq.namespace.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
        anyhow::ensure!(namespace_ok, "configuration: rabbitmq.namespace must be letters, digits, '-' or '_'");
        anyhow::ensure!(
            self.chat.heartbeat_ms > 0 && self.chat.heartbeat_ms < self.engine.instance_timeout_ms,
            "configuration: chat.heartbeat_ms must be above 0 and below engine.instance_timeout_ms"
        );
        anyhow::ensure!(
            self.chat.rate_limit > 0 && self.chat.rate_window_ms > 0,
            "configuration: chat.rate_limit and chat.rate_window_ms must be above 0"
        );
        anyhow::ensure!(
            self.chat.replies.budget > 0 && self.chat.replies.budget_window_ms > 0,
            "configuration: chat.replies.budget and its window must be above 0"
        );
        Ok(())
    }
}

impl DatabaseSettings {
    pub fn connect_options(&self) -> anyhow::Result<PgConnectOptions> {
        // sqlx's parse error could echo part of the URL; say only which setting is wrong.
        PgConnectOptions::from_str(self.url.expose_secret()).ok().context("database.url is not a valid postgres:// URL (value not shown)")
    }
}

impl Settings {
    /// `http.public_url` is what viewers type or scan from the stream: a loopback address would
    /// send them to their own machine, so it is refused unless the chain is a local anvil.
    fn check_public_url(&self) -> anyhow::Result<()> {
        let Some(url) = &self.http.public_url else { return Ok(()) };
        anyhow::ensure!(matches!(url.scheme(), "http" | "https"), "configuration: http.public_url must be an http(s) URL");
        let local_chain = self.chain.as_ref().is_none_or(|chain| chain.network == gavel_chain::settings::Network::Anvil);
        let loopback = match url.host() {
            Some(url::Host::Domain(domain)) => {
                domain.eq_ignore_ascii_case("localhost") || domain.to_ascii_lowercase().ends_with(".localhost")
            }
            Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified(),
            None => true,
        };
        anyhow::ensure!(
            local_chain || !loopback,
            "configuration: http.public_url is {url}, a loopback address viewers cannot reach: give the address of the public site"
        );
        Ok(())
    }
}

#[cfg(test)]
// figment's test jail returns its own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let settings = DatabaseSettings { url: SecretString::from("postgres://gavel:hunter2@db/gavel"), max_connections: 1 };
        assert!(!format!("{settings:?}").contains("hunter2"));
        let broken = DatabaseSettings { url: SecretString::from("postgres://gavel:hunter2@db:port/gavel"), max_connections: 1 };
        let error = broken.connect_options().map(|_| ()).unwrap_err();
        assert!(!format!("{error:#}").contains("hunter2"));
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("gavel.toml", "[http]\naddress = \"127.0.0.1:9000\"\n[log]\nformat = \"pretty\"\nfilter = \"debug\"\n")?;
            jail.set_env("GAVEL__HTTP__ADDRESS", "127.0.0.1:9001");
            jail.set_env("GAVEL__OPS__ADDRESS", "0.0.0.0:9464");
            let settings = Settings::load(None).map_err(|error| error.to_string())?;
            assert_eq!(settings.http.address.port(), 9001);
            assert_eq!(settings.ops.address, "0.0.0.0:9464".parse().map_err(|_| "address")?);
            assert_eq!(settings.log.format, LogFormat::Pretty);
            assert_eq!(settings.database.max_connections, 10);
            Ok(())
        });
    }

    #[test]
    fn a_loopback_public_url_is_refused_unless_the_chain_is_anvil() {
        let load = |public_url: &'static str, network: Option<&'static str>| {
            let mut loaded = Err(String::new());
            figment::Jail::expect_with(|jail| {
                jail.set_env("GAVEL__HTTP__PUBLIC_URL", public_url);
                if let Some(network) = network {
                    jail.set_env("GAVEL__CHAIN__NETWORK", network);
                }
                loaded = Settings::load(None).map(|settings| settings.http.site().home()).map_err(|error| error.to_string());
                Ok(())
            });
            loaded
        };
        for loopback in ["http://127.0.0.1:8080", "http://localhost/", "http://[::1]:8080", "https://gavel.localhost"] {
            let error = load(loopback, Some("shape-sepolia")).unwrap_err();
            assert!(error.contains("http.public_url") && error.contains("loopback"), "{loopback}: {error}");
            assert_eq!(load(loopback, Some("anvil")).map(|home| home.is_some()), Ok(true), "{loopback} on anvil");
        }
        assert_eq!(load("https://gavel.example/", Some("shape-mainnet")), Ok(Some("https://gavel.example".to_owned())));
        assert!(load("ftp://gavel.example", None).unwrap_err().contains("http(s)"));
        let error = load("not a url", None).unwrap_err();
        assert!(error.to_lowercase().contains("http.public_url"), "{error}");
    }

    #[test]
    fn a_bad_log_filter_or_engine_bound_is_refused() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("GAVEL__LOG__FILTER", "info,[=");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("log.filter"), "{error}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("GAVEL__LOG__OTLP_ENDPOINT", "collector:4318");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("log.otlp_endpoint"), "{error}");
            Ok(())
        });
        for credentials in ["gavel:hunter2@", "hunter2@", ":hunter2@"] {
            figment::Jail::expect_with(|jail| {
                jail.set_env("GAVEL__LOG__OTLP_ENDPOINT", format!("https://{credentials}collector:4318/v1/traces"));
                let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
                assert!(error.contains("OTEL_EXPORTER_OTLP_HEADERS") && !error.contains("hunter2"), "{error}");
                Ok(())
            });
        }
        figment::Jail::expect_with(|jail| {
            jail.set_env("GAVEL__LOG__OTLP_ENDPOINT", "https://collector:4318/v1/traces");
            let settings = Settings::load(None).map_err(|error| error.to_string())?;
            assert_eq!(settings.log.otlp_endpoint.as_deref(), Some("https://collector:4318/v1/traces"));
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("GAVEL__ENGINE__PREFETCH", "100");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("engine.prefetch"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn unknown_and_malformed_settings_are_named() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("GAVEL__HTTP__ADRESS", "127.0.0.1:1");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("adress"), "{error}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("GAVEL__HTTP__ADDRESS", "not an address");
            let error = Settings::load(None).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("address"), "{error}");
            Ok(())
        });
    }
}
