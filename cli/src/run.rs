//! `gavel run`: builds the selected services from the settings and runs them in this process
//! until a signal, or until one fails (then all stop and the process exits non-zero, to be
//! restarted by its supervisor).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use gavel_auction_manager::engine::EngineConfig;
use gavel_auction_manager::relay::Relay;
use gavel_auction_manager::{Application, Config as AuctionManagerConfig};
use gavel_bus::topology::Topology;
use gavel_chat_ingest::replies::ReplyConfig;
use gavel_chat_ingest::source::ChatSource;
use gavel_chat_ingest::sources::simulator::SimulatorSource;
use gavel_chat_ingest::sources::webhook::WebhookSource;
use gavel_chat_ingest::{ChatIngest, Config as IngestConfig};
use gavel_store::PgPool;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::ops;

#[derive(Debug, Clone, Copy)]
pub struct Selection {
    pub auction_manager: bool,
    pub outbox_relay: bool,
    pub chat_ingest: bool,
    pub settlement: bool,
    pub event_gateway: bool,
}

pub async fn services(settings: &Settings, pool: PgPool, selection: Selection, shutdown: CancellationToken) -> anyhow::Result<()> {
    crate::telemetry::install();
    let connection = gavel_bus::connect(settings.rabbitmq.url.expose_secret(), "gavel").await.map_err(|error| {
        anyhow::anyhow!("cannot connect to RabbitMQ (rabbitmq.url): {}", redact(&error.to_string(), &settings.rabbitmq.url))
    })?;
    let connection = Arc::new(connection);
    let topology = Topology::new(&settings.rabbitmq.namespace);
    let mut running = JoinSet::new();
    let gateway = match selection.event_gateway {
        true => {
            let config = gavel_event_gateway::Config {
                client_buffer: settings.gateway.client_buffer,
                history_len: settings.gateway.history_len,
                ..gavel_event_gateway::Config::new(topology.clone())
            };
            let gateway =
                gavel_event_gateway::Gateway::new(config, pool.clone(), redis(settings).await?, connection.clone(), authorizer(&pool));
            running.spawn(gateway.clone().run(shutdown.clone()));
            Some(gateway)
        }
        false => None,
    };
    if selection.auction_manager {
        let config = AuctionManagerConfig {
            http_address: settings.http.address,
            topology: topology.clone(),
            engine: EngineConfig {
                batch_max: settings.engine.batch_max,
                prefetch: settings.engine.prefetch,
                instance_timeout: Duration::from_millis(settings.engine.instance_timeout_ms),
            },
            with_relay: selection.outbox_relay,
            // With the gateway in this process, its streams share the dashboard's origin.
            web: gavel_auction_manager::WebConfig {
                dashboard_dir: dashboard_dir(settings.http.dashboard_dir.as_deref()),
                live: gateway.as_ref().map(|g| g.live.clone()),
                extra_routes: Some(match &gateway {
                    Some(gateway) => gateway.router().merge(crate::telemetry::router()),
                    None => crate::telemetry::router(),
                }),
                chain: settings.chain.clone(),
                site: settings.http.site(),
            },
        };
        let app = Application::build(config, pool.clone(), connection.clone()).await?;
        running.spawn(app.run(shutdown.clone()));
    } else if selection.outbox_relay {
        let relay = Relay { pool: pool.clone(), topology: topology.clone(), connection: connection.clone(), wake: Arc::new(Notify::new()) };
        running.spawn(relay.run(shutdown.clone()));
    }
    if let (Some(gateway), false) = (&gateway, selection.auction_manager) {
        let listener = tokio::net::TcpListener::bind(settings.gateway.address)
            .await
            .with_context(|| format!("gateway.address {}", settings.gateway.address))?;
        tracing::info!(address = %settings.gateway.address, "event gateway listening");
        let dependencies = ops::Dependencies { pool: pool.clone(), rabbitmq: connection.clone(), redis: Some(gateway.live.clone()) };
        let routes = gavel_auction_manager::api::traced(gateway.router().merge(ops::router(dependencies)));
        let server = axum::serve(listener, routes).with_graceful_shutdown(shutdown.clone().cancelled_owned());
        running.spawn(async move { server.await.context("the event gateway's server failed") });
    }
    if selection.settlement {
        let chain =
            settings.chain.clone().context("the settlement service needs a [chain] section (network, auction_house, signer key)")?;
        running.spawn(gavel_settlement::run(pool.clone(), chain, shutdown.clone()));
    }
    let mut ingest_redis = None;
    if selection.chat_ingest {
        let ingest = chat_ingest(settings, pool.clone(), connection.clone(), topology.clone()).await?;
        ingest_redis = Some(ingest.redis.clone());
        let sources = chat_sources(settings).await?;
        running.spawn(ingest.run(sources, shutdown.clone()));
    }
    // Neither the admin API nor a gateway's server runs here: the operations endpoints get one.
    if !selection.auction_manager && !selection.event_gateway {
        let redis = ingest_redis.map(|redis| gavel_live::LiveCache::new(redis, pool.clone(), topology.namespace()));
        let dependencies = ops::Dependencies { pool, rabbitmq: connection, redis };
        running.spawn(ops::serve(settings.ops.address, ops::router(dependencies), shutdown.clone()));
    }
    let mut failure = None;
    while let Some(finished) = running.join_next().await {
        if let Err(error) = finished.map_err(|panic| anyhow::anyhow!("a service panicked: {panic}")).and_then(|outcome| outcome) {
            failure.get_or_insert(error);
        }
        shutdown.cancel();
    }
    failure.map_or(Ok(()), Err)
}

/// The dashboard's build: the configured folder, else `dashboard/dist` when it exists here.
pub fn dashboard_dir(configured: Option<&std::path::Path>) -> Option<std::path::PathBuf> {
    let dir =
        configured.map(std::path::Path::to_path_buf).unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../dashboard/dist").into());
    dir.join("index.html").exists().then_some(dir)
}

/// Who may read every event: a session or API token, as for the admin API.
pub fn authorizer(pool: &PgPool) -> gavel_event_gateway::Authorizer {
    let pool = pool.clone();
    Arc::new(move |headers| {
        let pool = pool.clone();
        Box::pin(async move { gavel_auction_manager::api::auth::can_read(&pool, &headers).await })
    })
}

async fn redis(settings: &Settings) -> anyhow::Result<redis::aio::ConnectionManager> {
    let client = redis::Client::open(settings.redis.url.expose_secret())
        .map_err(|_| anyhow::anyhow!("redis.url is not a valid Redis URL (value not shown)"))?;
    redis::aio::ConnectionManager::new(client)
        .await
        .map_err(|error| anyhow::anyhow!("cannot connect to Redis (redis.url): {}", redact(&error.to_string(), &settings.redis.url)))
}

async fn chat_ingest(
    settings: &Settings,
    pool: PgPool,
    connection: Arc<gavel_bus::lapin::Connection>,
    topology: Topology,
) -> anyhow::Result<ChatIngest> {
    let redis = redis(settings).await?;
    let chat = &settings.chat;
    let instance = if chat.instance.is_empty() {
        format!("ingest-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
    } else {
        chat.instance.clone()
    };
    let config = IngestConfig {
        instance,
        topology,
        heartbeat: Duration::from_millis(chat.heartbeat_ms),
        rate_limit: chat.rate_limit,
        rate_window: Duration::from_millis(chat.rate_window_ms),
        replies: ReplyConfig {
            bot: chat.replies.bot.clone(),
            budget: chat.replies.budget,
            budget_window: Duration::from_millis(chat.replies.budget_window_ms),
            max_personal: chat.replies.max_personal,
            enabled: chat.replies.enabled,
            join_url: settings.http.site().home(),
        },
    };
    Ok(ChatIngest { config, pool, redis, connection })
}

async fn chat_sources(settings: &Settings) -> anyhow::Result<Vec<Box<dyn ChatSource>>> {
    let chat = &settings.chat;
    let mut sources: Vec<Box<dyn ChatSource>> = Vec::new();
    if let Some(twitch) = &chat.twitch {
        sources.push(crate::twitch::source(twitch));
    }
    if let Some(webhook) = &chat.webhook {
        let source = WebhookSource::bind(&webhook.platform, webhook.secret.clone(), webhook.address)
            .await
            .with_context(|| format!("chat.webhook.address {}", webhook.address))?;
        sources.push(Box::new(source));
    }
    if let Some(simulator) = &chat.simulator {
        sources.push(Box::new(SimulatorSource {
            channel: simulator.channel.clone(),
            viewers: simulator.viewers,
            per_second: simulator.per_second,
            start: simulator.start_wei,
            step: simulator.step_wei,
        }));
    }
    if sources.is_empty() {
        tracing::warn!("chat-ingest has no source configured (chat.twitch, chat.webhook or chat.simulator): it will hear nothing");
    }
    Ok(sources)
}

/// Removes a secret from a message that might quote it (a client library's error naming its URL).
fn redact(message: &str, secret: &SecretString) -> String {
    message.replace(secret.expose_secret(), "<secret>")
}
