//! `gavel`: one binary for every Gavel service and its chores.
//!
//! - `gavel run all` (or one service by name) runs services in this process until Ctrl-C / SIGTERM;
//! - `gavel migrate` applies the database migrations;
//! - `gavel house deploy` deploys the auction house;
//! - `gavel demo` runs a compressed marathon end to end on a local chain;
//! - `gavel verify --lot <id>` checks a settled lot's public bid log against the chain;
//! - `gavel admin create` creates a dashboard/API user and prints its one-time API token.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use gavel::config::{LogFormat, Settings};
use gavel::run;
use gavel::telemetry::SpanExport;
use gavel_auction_manager::users::{Role, create_user};
use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "gavel", version, about = "NFT auction marathons on a live stream")]
struct Cli {
    /// Configuration file (TOML). Default: ./gavel.toml when it exists. `GAVEL__SECTION__KEY`
    /// environment variables override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run Gavel's services in this process (migrating the database first).
    Run {
        /// Which services: `all`, or any of the others.
        #[arg(value_enum, default_values_t = [Service::All])]
        services: Vec<Service>,
    },
    /// Apply the database migrations.
    Migrate,
    /// Measure Gavel on this machine (prints one JSON object on its last line).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Recompute a settled lot's bid-log hash from the public API and compare it with the one
    /// recorded on chain. Exit status 0 only when they match.
    Verify {
        #[arg(long)]
        lot: i64,
        /// The auction manager's base URL. Default: http://<http.address>.
        #[arg(long)]
        api: Option<String>,
    },
    /// Deploy an auction house on the configured chain, the signer as its operator.
    House {
        #[command(subcommand)]
        command: HouseCommand,
    },
    /// Run a compressed marathon end to end on a local chain (simulated viewers deposit, link and
    /// bid in chat; every lot settles on chain), serving the dashboard; prints a JSON summary.
    Demo(gavel::demo::DemoArgs),
    /// Manage dashboard and API users.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// Gavel's services.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Service {
    /// Every service below.
    All,
    /// The lot clock, the bid engine and the admin API.
    AuctionManager,
    /// Publishes committed events from the outbox.
    OutboxRelay,
    /// Chat sources, bid commands, chat replies.
    ChatIngest,
    /// Server-Sent Events for the dashboard and the overlay, and the live-state cache. With
    /// the auction-manager in the same process it shares its server (one origin for the pages).
    EventGateway,
    /// Opens and settles lots on chain; credits deposits from the house's logs. `all` includes
    /// it when a `[chain]` section is configured.
    Settlement,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The bidding pipeline: chat → RabbitMQ → engine → events, against the broker alone.
    Pipeline(gavel::bench::PipelineArgs),
    /// The event gateway's fan-out: N SSE clients, events at a fixed rate.
    Sse(gavel::bench::sse::SseArgs),
    /// The clients of `bench sse`, which starts this itself.
    #[command(hide = true)]
    SseClients(gavel::bench::sse::SseClientsArgs),
}

#[derive(Subcommand)]
enum HouseCommand {
    /// Deploy `AuctionHouse` (and its `MarathonNFT`); prints the `[chain]` values to set.
    Deploy {
        /// Where the proceeds go.
        #[arg(long)]
        treasury: alloy::primitives::Address,
        /// Who may pause and grant roles. Default: the signer.
        #[arg(long)]
        admin: Option<alloy::primitives::Address>,
        /// Must exceed a lot plus its settlement window. Default: 2 days.
        #[arg(long, default_value_t = 172_800)]
        withdrawal_delay_secs: u64,
        #[arg(long, default_value = "Gavel Marathon")]
        nft_name: String,
        #[arg(long, default_value = "GAVEL")]
        nft_symbol: String,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user. The password is read from a prompt, or from standard input when it is not
    /// a terminal (one line); never from the command line, where it would land in shell history.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Admin)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Operator,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Operator => Role::Operator,
            RoleArg::Viewer => Role::Viewer,
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("gavel: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    // The demo tells its own story on standard error; services speak up only about trouble,
    // unless a filter is asked for.
    let demo = matches!(cli.command, Command::Demo(_));
    let tracing = init_tracing(&settings, demo && std::env::var_os("GAVEL__LOG__FILTER").is_none());
    let code = match execute(cli.command, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "gavel failed");
            eprintln!("gavel: {error:#}");
            std::process::ExitCode::FAILURE
        }
    };
    // Written out here, before the process exits, with the failure above.
    drop(tracing);
    code
}

/// What must outlive every log line and span: dropping it flushes the spans still batched, then
/// the log lines still queued for standard error.
struct Tracing {
    _spans: Option<SpanExport>,
    _stderr: tracing_appender::non_blocking::WorkerGuard,
}

/// Logs to standard error, and spans to the OTLP collector when `log.otlp_endpoint` is set
/// (keep the returned guards until the end).
///
/// Log lines are written to standard error by a thread of their own, so a slow reader of the
/// process's output never holds a bid back; should it fall more than the writer's buffer (128k
/// lines) behind, lines are dropped rather than stalling the service.
fn init_tracing(settings: &Settings, quiet: bool) -> Tracing {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // Checked when the settings were loaded.
    let filter = match quiet {
        true => EnvFilter::new("warn"),
        false => EnvFilter::try_new(&settings.log.filter).unwrap_or_else(|_| EnvFilter::new("info")),
    };
    // A collector that cannot be set up costs the spans, never the service.
    let export = settings.log.otlp_endpoint.as_deref().and_then(|endpoint| match SpanExport::start(endpoint) {
        Ok(export) => Some(export),
        Err(error) => {
            eprintln!("gavel: spans will not be exported (log.otlp_endpoint): {error:#}");
            None
        }
    });
    let registry = tracing_subscriber::registry().with(filter).with(export.as_ref().map(SpanExport::layer));
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let stderr = tracing_subscriber::fmt::layer().with_writer(writer);
    match (settings.log.format, quiet) {
        (LogFormat::Json, false) => registry.with(stderr.json()).init(),
        _ => registry.with(stderr).init(),
    }
    Tracing { _spans: export, _stderr: guard }
}

async fn execute(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Migrate => {
            gavel_store::migrate(&database(&settings).await?).await.context("migration failed")?;
            tracing::info!("database migrated");
        }
        Command::Run { services } => {
            let pool = database(&settings).await?;
            gavel_store::migrate(&pool).await.context("migration failed")?;
            let shutdown = CancellationToken::new();
            tokio::spawn(cancel_on_signal(shutdown.clone()));
            let wanted = |service| services.contains(&Service::All) || services.contains(&service);
            let selection = run::Selection {
                auction_manager: wanted(Service::AuctionManager),
                outbox_relay: wanted(Service::OutboxRelay),
                chat_ingest: wanted(Service::ChatIngest),
                settlement: services.contains(&Service::Settlement) || (services.contains(&Service::All) && settings.chain.is_some()),
                event_gateway: wanted(Service::EventGateway),
            };
            if selection.settlement && settings.chain.is_none() {
                anyhow::bail!("the settlement service needs a [chain] section (network, auction_house, signer key)");
            }
            run::services(&settings, pool, selection, shutdown).await?;
        }
        // The benchmark makes a database of its own.
        Command::Bench { command: BenchCommand::Pipeline(args) } => {
            let report = gavel::bench::pipeline(&settings, &args).await?;
            println!("{}", serde_json::to_string(&report)?);
            anyhow::ensure!(report.lost == 0 && report.duplicates == 0, "{} bids lost, {} decided twice", report.lost, report.duplicates);
        }
        Command::Verify { lot, api } => {
            let api = api.unwrap_or_else(|| format!("http://{}", settings.http.address));
            let chain = settings.chain.as_ref().context("gavel verify reads the chain: configure a [chain] section")?;
            let report = gavel::verify::lot(&api, chain, gavel_domain::LotId(lot)).await?;
            println!("{}", serde_json::to_string(&report)?);
            anyhow::ensure!(report.matches, "lot {lot}: the bid log does not match the hash recorded on chain");
        }
        Command::House { command: HouseCommand::Deploy { treasury, admin, withdrawal_delay_secs, nft_name, nft_symbol } } => {
            let chain = settings.chain.as_ref().context("gavel house deploy needs a [chain] section (network, rpc_url, signer key)")?;
            let args = gavel::house::DeployArgs { treasury, admin, withdrawal_delay_secs, nft_name, nft_symbol };
            let deployed = gavel::house::deploy(chain, &args).await?;
            tracing::info!(house = %deployed.auction_house, block = deployed.start_block, "auction house deployed");
            println!("{}", serde_json::to_string(&deployed)?);
        }
        Command::Bench { command: BenchCommand::Sse(args) } => {
            let report = gavel::bench::sse::sse(&settings, &args).await?;
            println!("{}", serde_json::to_string(&report)?);
            anyhow::ensure!(report.lost == 0, "{} deliveries lost", report.lost);
        }
        // The demo makes a database and a broker namespace of its own, removed when it ends.
        Command::Demo(args) => {
            let shutdown = CancellationToken::new();
            tokio::spawn(cancel_on_signal(shutdown.clone()));
            gavel::demo::run(&settings, args, shutdown).await?;
        }
        Command::Bench { command: BenchCommand::SseClients(args) } => gavel::bench::sse::clients(&args).await?,
        Command::Admin { command: AdminCommand::Create { username, role } } => {
            // Before the password is asked: a database that cannot take the user says so first,
            // and a fresh one gets its tables (as `gavel migrate` makes them).
            let pool = database(&settings).await?;
            gavel_store::migrate(&pool).await.context("migration failed")?;
            let password = read_password()?;
            let created = create_user(&pool, &username, role.into(), password.expose_secret()).await?;
            tracing::info!(user = created.user.username, role = created.user.role, "user created");
            // The token goes to standard output alone, so a script can capture it; it is not logged.
            println!("{}", created.token);
        }
    }
    Ok(())
}

async fn database(settings: &Settings) -> anyhow::Result<gavel_store::PgPool> {
    let options = settings.database.connect_options()?;
    gavel_store::connect(options, settings.database.max_connections).await.context("cannot connect to PostgreSQL (database.url)")
}

fn read_password() -> anyhow::Result<SecretString> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let again = rpassword::prompt_password("Password again: ").context("cannot read the password")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        Ok(SecretString::from(first))
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        Ok(SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned()))
    }
}

async fn cancel_on_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(error = %error, "cannot listen for SIGTERM");
                let _ = ctrl_c.await;
                shutdown.cancel();
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
    shutdown.cancel();
}
