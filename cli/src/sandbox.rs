//! A throwaway Gavel: its own PostgreSQL database and RabbitMQ namespace on the configured
//! servers, seeded with a live lot and funded viewers, its services run in this process. The
//! benchmark measures one; whole-system tests drive one; [`Sandbox::stop`] removes everything
//! (and the broker removes an abandoned namespace by itself).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};
use gavel_auction_manager::engine::EngineConfig;
use gavel_auction_manager::{Application, Config as AuctionManagerConfig};
use gavel_bus::lapin::Connection;
use gavel_bus::topology::Topology;
use gavel_chat_ingest::replies::ReplyConfig;
use gavel_chat_ingest::source::ChatSource;
use gavel_chat_ingest::{ChatIngest, Config as IngestConfig};
use gavel_domain::marathon::{MarathonConfig, MarathonSpec, NoSalePolicy};
use gavel_domain::{BidderId, LotId, Wei};
use gavel_store::bidders::{self, LedgerEntry, LedgerKind};
use gavel_store::lots::{self, NewLot};
use gavel_store::{PgPool, marathons};
use secrecy::ExposeSecret;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;

/// A viewer with a linked, funded wallet.
#[derive(Debug, Clone)]
pub struct SeededViewer {
    pub bidder: BidderId,
    pub user_id: String,
    pub login: String,
}

pub struct Sandbox {
    pub pool: PgPool,
    pub database: String,
    pub database_url: String,
    server: PgConnectOptions,
    pub topology: Topology,
    pub connection: Arc<Connection>,
    pub redis: redis::aio::ConnectionManager,
    shutdown: CancellationToken,
    tasks: JoinSet<anyhow::Result<()>>,
    /// The first error a service returned, told at once (the tasks' results wait for `stop`).
    failed: tokio::sync::watch::Sender<Option<String>>,
    /// The chain the auction-manager's public API and health page describe; set before starting it.
    pub chain: Option<gavel_chain::settings::ChainSettings>,
    /// Where viewers reach the public pages; set before starting the auction-manager.
    pub site: gavel_auction_manager::api::public::PublicSite,
}

impl Sandbox {
    /// Creates the database (migrated) and picks a namespace; starts nothing yet.
    pub async fn create(settings: &Settings) -> anyhow::Result<Sandbox> {
        // Before any service starts, so nothing they count is lost.
        crate::telemetry::install();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let database = format!("gavel_sandbox_{id}");
        let server = settings.database.connect_options()?;
        let mut admin = PgConnection::connect_with(&server.clone().database("postgres")).await.context("PostgreSQL")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}"))).execute(&mut admin).await?;
        let options = server.clone().database(&database);
        let pool = gavel_store::connect(options, 20).await?;
        gavel_store::migrate(&pool).await?;
        let database_url = with_database(settings.database.url.expose_secret(), &database);
        let connection = Arc::new(gavel_bus::connect(settings.rabbitmq.url.expose_secret(), "gavel sandbox").await.context("RabbitMQ")?);
        let client = redis::Client::open(settings.redis.url.expose_secret()).context("redis.url")?;
        let redis = redis::aio::ConnectionManager::new(client).await.context("Redis")?;
        let topology = Topology::ephemeral(format!("sandbox-{id}"), Duration::from_secs(30));
        Ok(Sandbox {
            pool,
            database,
            database_url,
            server,
            topology,
            connection,
            redis,
            shutdown: CancellationToken::new(),
            tasks: JoinSet::new(),
            failed: tokio::sync::watch::Sender::new(None),
            chain: None,
            site: Default::default(),
        })
    }

    /// A one-day marathon bidding in `channel` (`platform:channel`), with one lot from `starts_at`
    /// to `ends_at`: reserve 1 wei, each bid at least 1 wei over the last, the given anti-snipe
    /// window and extension (seconds; 0 for none, at most 10 extensions).
    pub async fn seed_lot(
        &self,
        channel: &str,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        anti_snipe_secs: (u32, u32),
    ) -> anyhow::Result<LotId> {
        let seconds = u32::try_from((ends_at - starts_at).num_seconds().clamp(1, 86_400)).unwrap_or(86_400);
        let spec = MarathonSpec {
            name: format!("Sandbox {channel}"),
            first_day: starts_at.date_naive(),
            days: 1,
            time_zone: "UTC".into(),
            opening_time: starts_at.time().trunc_subsecs(0),
            lot_duration_secs: seconds,
            reserve_wei: Wei::from(1u128),
            increment_bps: 0,
            min_increment_wei: Wei::from(1u128),
            anti_snipe_window_secs: anti_snipe_secs.0.min(seconds),
            anti_snipe_extension_secs: anti_snipe_secs.1,
            anti_snipe_max_extensions: if anti_snipe_secs.0 > 0 { 10 } else { 0 },
            allow_self_outbid: false,
            no_sale: NoSalePolicy::Burn,
            chat_channels: vec![channel.to_owned()],
            auction_house: None,
            show_join_qr: false,
        };
        let config = MarathonConfig::parse(spec)?;
        let marathon = marathons::insert(&self.pool, &config).await?;
        let lot = NewLot {
            marathon_id: marathon,
            day_index: 0,
            token_uri: "ipfs://sandbox".into(),
            image_url: "https://example.invalid/lot.png".into(),
            starts_at,
            ends_at,
        };
        lots::insert(&self.pool, &lot).await?.context("the sandbox lot exists already")
    }

    /// `count` viewers of `platform` (user ids 1…count), each linked to a wallet holding `deposit`,
    /// credited the way the chain watcher credits deposits.
    pub async fn seed_viewers(&self, platform: &str, count: u32, deposit: Wei) -> anyhow::Result<Vec<SeededViewer>> {
        let viewers: Vec<SeededViewer> = (1..=count)
            .map(|n| {
                let bidder = BidderId::of(platform, &n.to_string())?;
                Ok(SeededViewer { bidder, user_id: n.to_string(), login: format!("viewer{n}") })
            })
            .collect::<anyhow::Result<_>>()?;
        let ids: Vec<&str> = viewers.iter().map(|v| v.bidder.as_str()).collect();
        let logins: Vec<&str> = viewers.iter().map(|v| v.login.as_str()).collect();
        bidders::upsert_many(&self.pool, &ids, &logins, &logins).await?;
        for (n, viewer) in (1u64..).zip(&viewers) {
            let wallet = format!("0x{n:040x}");
            bidders::bind_wallet(&self.pool, &viewer.bidder, &wallet).await?;
            let entry = LedgerEntry {
                wallet,
                kind: LedgerKind::Deposit,
                amount: deposit,
                commitment: None,
                tx_hash: format!("0x{n:064x}"),
                log_index: 0,
                block_number: 1,
            };
            bidders::credit(&self.pool, &entry).await?;
        }
        Ok(viewers)
    }

    /// Starts the auction-manager (with the relay) on an API port of its own, with an event
    /// gateway and `/metrics` on the same server and the dashboard when it is built; returns
    /// the address.
    pub async fn start_auction_manager(&mut self, engine: EngineConfig) -> anyhow::Result<SocketAddr> {
        self.start_auction_manager_at("127.0.0.1:0".parse()?, engine).await
    }

    /// [`Self::start_auction_manager`] serving on `address`.
    pub async fn start_auction_manager_at(&mut self, address: SocketAddr, engine: EngineConfig) -> anyhow::Result<SocketAddr> {
        let gateway = self.gateway(gavel_event_gateway::Config::new(self.topology.clone()));
        self.spawn(gateway.clone().run(self.shutdown.child_token()));
        let web = gavel_auction_manager::WebConfig {
            dashboard_dir: crate::run::dashboard_dir(None),
            live: Some(gateway.live.clone()),
            extra_routes: Some(gateway.router().merge(crate::telemetry::router())),
            chain: self.chain.clone(),
            site: self.site.clone(),
        };
        let config = AuctionManagerConfig { http_address: address, topology: self.topology.clone(), engine, with_relay: true, web };
        let app = Application::build(config, self.pool.clone(), self.connection.clone()).await?;
        let address = app.local_addr()?;
        self.spawn(app.run(self.shutdown.child_token()));
        Ok(address)
    }

    /// The settings of an ingest instance named `instance`: limits high enough not to bite under
    /// load, replies on with a moderator's budget.
    pub fn ingest_config(&self, instance: &str) -> IngestConfig {
        IngestConfig {
            instance: instance.to_owned(),
            topology: self.topology.clone(),
            heartbeat: Duration::from_millis(50),
            rate_limit: 1_000_000,
            rate_window: Duration::from_secs(10),
            replies: ReplyConfig {
                bot: "gavelbot".into(),
                budget: 100,
                budget_window: Duration::from_secs(30),
                max_personal: 200,
                enabled: true,
                join_url: self.site.home(),
            },
        }
    }

    /// Starts an ingest instance reading `sources`, stopped by `stop` or with the sandbox.
    pub fn start_chat_ingest(&mut self, config: IngestConfig, sources: Vec<Box<dyn ChatSource>>, stop: Option<CancellationToken>) {
        let ingest = ChatIngest { config, pool: self.pool.clone(), redis: self.redis.clone(), connection: self.connection.clone() };
        let token = stop.unwrap_or_else(|| self.shutdown.child_token());
        self.spawn(ingest.run(sources, token));
    }

    /// An event gateway on the sandbox's database, broker and Redis prefix (not yet running).
    pub fn gateway(&self, config: gavel_event_gateway::Config) -> gavel_event_gateway::Gateway {
        gavel_event_gateway::Gateway::new(
            config,
            self.pool.clone(),
            self.redis.clone(),
            self.connection.clone(),
            crate::run::authorizer(&self.pool),
        )
    }

    /// Starts the settlement service (settler and chain watcher) on `chain`, stopped by `stop`
    /// or with the sandbox.
    pub fn start_settlement(&mut self, chain: gavel_chain::settings::ChainSettings, stop: Option<CancellationToken>) {
        let token = stop.unwrap_or_else(|| self.shutdown.child_token());
        self.spawn(gavel_settlement::run(self.pool.clone(), chain, token));
    }

    /// Runs a service with the sandbox; an error it returns is also told to [`Self::failure`].
    fn spawn(&mut self, service: impl std::future::Future<Output = anyhow::Result<()>> + Send + 'static) {
        let failed = self.failed.clone();
        self.tasks.spawn(async move {
            let outcome = service.await;
            if let Err(error) = &outcome {
                failed.send_if_modified(|first| first.is_none() && first.replace(format!("{error:#}")).is_none());
            }
            outcome
        });
    }

    /// Resolves with the first error a service of the sandbox returns (never, if none does), for
    /// a caller that waits on the sandbox's work without stopping it.
    pub fn failure(&self) -> impl std::future::Future<Output = String> + Send + 'static {
        let mut failed = self.failed.subscribe();
        async move {
            let first = failed.wait_for(Option::is_some).await.map(|first| first.clone().unwrap_or_default());
            match first {
                Ok(first) => first,
                // The sandbox is gone: nothing more can fail.
                Err(_) => std::future::pending().await,
            }
        }
    }

    /// A token that stops whatever is started with it, and stops with the sandbox.
    pub fn child_token(&self) -> CancellationToken {
        self.shutdown.child_token()
    }

    /// Stops every service, then drops the database and deletes the namespace.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let mut failure = None;
        while let Some(finished) = self.tasks.join_next().await {
            if let Err(error) = finished.map_err(anyhow::Error::from).and_then(|outcome| outcome) {
                failure.get_or_insert(error);
            }
        }
        let channel = self.connection.create_channel().await?;
        self.topology.delete(&channel).await?;
        self.pool.close().await;
        let mut admin = PgConnection::connect_with(&self.server.clone().database("postgres")).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database))).execute(&mut admin).await?;
        failure.map_or(Ok(()), Err)
    }
}

/// `url` with its database name replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let authority = base.find("://").map_or(0, |index| index + 3);
    let server = base[authority..].find('/').map_or(base, |index| &base[..authority + index]);
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_database_url_gets_another_database() {
        assert_eq!(super::with_database("postgres://u:p@h:5432/gavel", "x"), "postgres://u:p@h:5432/x");
        assert_eq!(super::with_database("postgres://h/gavel?sslmode=require", "x"), "postgres://h/x?sslmode=require");
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
    }
}
