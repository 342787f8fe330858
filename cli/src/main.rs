//! `gavel`: one binary for every Gavel service and its chores.
//!
//! - `gavel run all` (or one service by name) runs services in this process until Ctrl-C / SIGTERM;
//! - `gavel migrate` applies the database migrations;
//! - `gavel admin create` creates a dashboard/API user and prints its one-time API token.

mod config;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use config::{LogFormat, Settings};
use gavel_auction_manager::engine::EngineConfig;
use gavel_auction_manager::users::{Role, create_user};
use gavel_auction_manager::{Application, Config as AuctionManagerConfig};
use gavel_bus::topology::Topology;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
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
        #[arg(value_enum, default_value_t = Service::All)]
        service: Service,
    },
    /// Apply the database migrations.
    Migrate,
    /// Manage dashboard and API users.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// The services built so far; chat-ingest, event-gateway and settlement join as they are built.
#[derive(Clone, Copy, ValueEnum)]
enum Service {
    All,
    AuctionManager,
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
    init_tracing(&settings);
    match execute(cli.command, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "gavel failed");
            eprintln!("gavel: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(settings: &Settings) {
    // Checked when the settings were loaded.
    let filter = EnvFilter::try_new(&settings.log.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match settings.log.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

async fn execute(command: Command, settings: Settings) -> anyhow::Result<()> {
    let options = settings.database.connect_options()?;
    let pool =
        gavel_store::connect(options, settings.database.max_connections).await.context("cannot connect to PostgreSQL (database.url)")?;
    match command {
        Command::Migrate => {
            gavel_store::migrate(&pool).await.context("migration failed")?;
            tracing::info!("database migrated");
        }
        Command::Run { service: Service::All | Service::AuctionManager } => {
            gavel_store::migrate(&pool).await.context("migration failed")?;
            let shutdown = CancellationToken::new();
            tokio::spawn(cancel_on_signal(shutdown.clone()));
            let config = AuctionManagerConfig {
                http_address: settings.http.address,
                topology: Topology::new(&settings.rabbitmq.namespace),
                engine: EngineConfig {
                    batch_max: settings.engine.batch_max,
                    prefetch: settings.engine.prefetch,
                    instance_timeout: Duration::from_millis(settings.engine.instance_timeout_ms),
                },
            };
            let connection = gavel_bus::connect(settings.rabbitmq.url.expose_secret(), "gavel auction-manager").await.map_err(|error| {
                anyhow::anyhow!("cannot connect to RabbitMQ (rabbitmq.url): {}", redact(&error.to_string(), &settings.rabbitmq.url))
            })?;
            Application::build(config, pool, connection).await?.run(shutdown).await?;
        }
        Command::Admin { command: AdminCommand::Create { username, role } } => {
            let password = read_password()?;
            let created = create_user(&pool, &username, role.into(), password.expose_secret()).await?;
            tracing::info!(user = created.user.username, role = created.user.role, "user created");
            // The token goes to standard output alone, so a script can capture it; it is not logged.
            println!("{}", created.token);
        }
    }
    Ok(())
}

/// Removes a secret from a message that might quote it (a client library's error naming its URL).
fn redact(message: &str, secret: &SecretString) -> String {
    message.replace(secret.expose_secret(), "<rabbitmq.url>")
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
