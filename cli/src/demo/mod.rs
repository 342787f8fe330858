//! `gavel demo`: a compressed marathon, end to end, through the real parts. On a chain of its
//! own (anvil) or the one at `--rpc-url`, it deploys the house, funds simulated viewers who
//! deposit on chain, `!link` and bid in a chat speaking Twitch's protocol, runs every Gavel
//! service in this process against the local PostgreSQL, Redis and RabbitMQ (in a database and
//! a broker namespace of its own, removed at the end), serves the dashboard and the overlay,
//! settles each lot on chain, sends the treasury its proceeds and prints one JSON summary line
//! on standard output. Its story goes to standard error.
//!
//! - [`chain`]: the chain, the house, the wallets;
//! - [`viewers`]: the simulated viewers in chat;
//! - [`narrator`]: the event stream told as a story, and the board viewers bid from.

mod chain;
mod narrator;
mod viewers;

pub use chain::anvil_program;

use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::{Address, U256};
use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};
use gavel_auction_manager::engine::EngineConfig;
use gavel_auction_manager::users::{Role, create_user};
use gavel_chat_ingest::sources::twitch::local_server::LocalTwitchServer;
use gavel_domain::events::{Event, EventEnvelope};
use gavel_domain::{LotId, Wei, link};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use self::chain::{DemoChain, ExternalChain};
use self::narrator::{Narrator, SharedBoard, say};
use self::viewers::{Crowd, Rules};
use crate::config::Settings;
use crate::sandbox::Sandbox;

/// The chat channel the demo's marathon reads.
const CHANNEL: &str = "gavel_demo";

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Use this chain instead of a fresh anvil: an anvil started with `--chain-id 11011`, or
    /// Shape Sepolia. Shape mainnet is refused. The operator's key comes from the environment
    /// variable GAVEL_SIGNER_KEY or from --signer-key-file, never from the command line.
    #[arg(long)]
    pub rpc_url: Option<String>,
    /// A file holding the operator's private key (hex), with --rpc-url.
    #[arg(long, requires = "rpc_url")]
    pub signer_key_file: Option<PathBuf>,
    /// Lots in the marathon, one after another.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub lots: u32,
    /// Each lot's bidding time before any extension.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(10..=3600))]
    pub lot_seconds: u32,
    /// Simulated viewers bidding in chat.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=50))]
    pub bidders: u32,
    /// What each viewer deposits into escrow, in ETH (they are funded by the operator).
    #[arg(long, default_value = "0.05", value_parser = parse_eth)]
    pub deposit: Wei,
    /// Where the dashboard, the overlay and the API are served (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub address: SocketAddr,
    /// Stop after the summary instead of serving until Ctrl-C.
    #[arg(long)]
    pub exit: bool,
}

fn parse_eth(text: &str) -> Result<Wei, String> {
    let amount = Wei::parse_eth(text).map_err(|error| error.to_string())?;
    let least = Wei::parse_eth("0.01").map_err(|error| error.to_string())?;
    if amount.as_u256() < least.as_u256() {
        // The bid steps shrink with the deposit (Rules::for_demo); below this they are dust.
        return Err("must be at least 0.01 ETH".into());
    }
    Ok(amount)
}

/// The line printed on standard output at the end.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub nft: Address,
    pub auction_house: Address,
    pub treasury: Address,
    pub lots: Vec<LotSummary>,
}

#[derive(Debug, Serialize)]
pub struct LotSummary {
    pub lot_id: i64,
    pub token_id: i64,
    pub state: String,
    pub winner: Option<Address>,
    pub amount_wei: Option<String>,
    pub settle_tx: Option<String>,
    pub bid_log_hash: Option<String>,
}

/// Runs the demo; prints the summary, then serves until `shutdown` unless `--exit`. `shutdown`
/// or a failing service stops it at any point; either way its database and namespace are removed.
pub async fn run(settings: &Settings, args: DemoArgs, shutdown: CancellationToken) -> anyhow::Result<()> {
    // PostgreSQL, RabbitMQ and Redis first: a missing one is found before any money moves.
    let mut sandbox = Sandbox::create(settings).await?;
    let failure = sandbox.failure();
    let outcome = tokio::select! {
        outcome = marathon(&mut sandbox, &args) => outcome,
        () = shutdown.cancelled() => Err(anyhow::anyhow!("interrupted before the marathon ended")),
        failure = failure => Err(anyhow::anyhow!("a Gavel service failed: {failure}")),
    };
    // The chain (our own anvil, if any) lives on while the dashboard is served.
    if let Ok(_chain) = &outcome
        && !args.exit
    {
        say("serving the dashboard until Ctrl-C");
        let failure = sandbox.failure();
        tokio::select! {
            () = shutdown.cancelled() => {}
            failure = failure => say(format_args!("a Gavel service failed: {failure}")),
        }
    }
    if let Err(error) = sandbox.stop().await {
        say(format_args!("(stopping the demo's services: {error:#})"));
    }
    outcome.map(drop)
}

/// The whole marathon, from the chain to the summary; returns the chain so that our own anvil
/// outlives it.
async fn marathon(sandbox: &mut Sandbox, args: &DemoArgs) -> anyhow::Result<DemoChain> {
    let external =
        args.rpc_url.clone().map(|url| ExternalChain { rpc_url: SecretString::from(url), signer_key_file: args.signer_key_file.clone() });
    let chain = DemoChain::start(external).await?;
    let folder = demo_folder()?;
    say(format_args!("chain: {}", chain.describe()));

    // The treasury and the viewers get fresh wallets; off our own anvil their keys are saved first.
    let names = viewers::names(args.bidders);
    let mut wallet_names = vec!["treasury".to_owned()];
    wallet_names.extend(names.iter().cloned());
    let keys_file = (!chain.is_own()).then(|| folder.join("wallets.json"));
    let mut wallets = chain::new_wallets(&wallet_names, keys_file.as_deref())?.into_iter();
    if let Some(path) = &keys_file {
        say(format_args!("wallets: the treasury's and the viewers' keys are in {} (mode 0600)", path.display()));
    }
    let treasury = wallets.next().context("no treasury wallet")?.address();
    let viewers = Arc::new(viewers::simulated(&names, wallets.collect())?);

    let deployed = chain.deploy(treasury).await?;
    say(format_args!(
        "chain: AuctionHouse {} and MarathonNFT {} deployed; treasury {treasury} (balance 0)",
        deployed.auction_house, deployed.nft
    ));
    let wallets: Vec<_> = viewers.iter().map(|viewer| &viewer.wallet).collect();
    let provider = chain.provider(&wallets)?;
    chain::fund(&provider, chain.operator(), &wallets, args.deposit).await?;
    say(format_args!("chain: {} viewers funded with {} each, plus gas", viewers.len(), args.deposit));
    let house = chain::house(deployed.auction_house, provider);

    let password = uuid::Uuid::new_v4().simple().to_string();
    let admin = create_user(&sandbox.pool, "demo", Role::Admin, &password).await?;
    let login_file = folder.join("admin-login.txt");
    write_private(&login_file, &format!("username: demo\npassword: {password}\n"))?;

    let twitch = Arc::new(LocalTwitchServer::start().await.context("the local Twitch-protocol chat server")?);
    // The viewer page reads the chain's public facts from the auction-manager.
    sandbox.chain = Some(chain.settings(Some(&deployed)));
    let address = sandbox.start_auction_manager_at(args.address, EngineConfig::default()).await.with_context(|| {
        format!("cannot start the auction-manager on {} (if another process has that port, pass --address 127.0.0.1:0)", args.address)
    })?;
    sandbox.start_settlement(chain.settings(Some(&deployed)), None);
    let source = crate::twitch::local_source(twitch.addr(), CHANNEL);
    sandbox.start_chat_ingest(sandbox.ingest_config("demo-ingest"), vec![source], None);
    tokio::time::timeout(Duration::from_secs(30), twitch.wait_for_joins(1)).await.context("chat-ingest did not join the chat")?;
    let api = format!("http://{address}");

    // The story goes on while the demo serves, and stops with the sandbox.
    let board = SharedBoard::default();
    let names = viewers.iter().map(|viewer| (viewer.bidder.clone(), viewer.chat.login.clone())).collect();
    let narrator = Narrator::new(api.clone(), admin.token.clone(), board.clone(), names);
    tokio::spawn(narrator.run(sandbox.child_token()));

    // Deposits on chain, credited by the settlement service's watcher, then `!link` in chat.
    for viewer in viewers.iter() {
        chain::deposit(&house, &viewer.wallet, &link::handle("twitch", &viewer.chat.login), &viewer.secret, args.deposit).await?;
    }
    say(format_args!("chain: every viewer deposited {} into escrow with a commitment to their chat login", args.deposit));
    let links = viewers.iter().map(|viewer| viewers::link(&twitch, CHANNEL, viewer));
    for linked in futures_util::future::join_all(links).await {
        linked?;
    }

    // The marathon, through the admin API as an operator would create it.
    let client = reqwest::Client::new();
    let rules = Rules::for_demo(args);
    let first_start = Utc::now().trunc_subsecs(0) + chrono::Duration::seconds(5);
    let (marathon_id, lots) = create_marathon(&client, &api, &admin.token, args, deployed.auction_house, rules, first_start).await?;
    say(format_args!("dashboard: {api}/  (log in with the file {})", login_file.display()));
    say(format_args!("overlay:   {api}/overlay/{marathon_id}"));
    say(format_args!("viewers:   {api}/m/{marathon_id}  (deposit, link, follow and withdraw with a browser wallet)"));
    say(format_args!("metrics:   {api}/metrics"));

    let crowd = Crowd { twitch: twitch.clone(), channel: CHANNEL.to_owned(), viewers: viewers.clone(), board: board.clone(), rules };
    let mut bidding = tokio::task::JoinSet::new();
    for (lot, start, end) in &lots {
        bidding.spawn(crowd.clone().bid_on_lot(*lot, *start, *end));
    }
    let last_end = lots.last().map_or(first_start, |(_, _, end)| *end);
    let mut summaries = Vec::new();
    for (lot, _, _) in &lots {
        summaries.push(wait_settled(&client, &api, &admin.token, *lot, last_end).await?);
    }
    bidding.shutdown().await;
    let summary = Summary { nft: deployed.nft, auction_house: deployed.auction_house, treasury, lots: summaries };
    let unsold: Vec<i64> = summary.lots.iter().filter(|lot| lot.winner.is_none()).map(|lot| lot.lot_id).collect();
    anyhow::ensure!(unsold.is_empty(), "lots settled without a sale: {unsold:?} ({})", serde_json::to_string(&summary)?);

    // Anyone may send the treasury its proceeds; the first viewer pays the gas.
    let payer = viewers.first().context("no viewers")?.wallet.address();
    let balance = chain::claim_proceeds(&house, payer, treasury).await?;
    let sold: U256 = summary.lots.iter().filter_map(|lot| lot.amount_wei.as_deref()).filter_map(|wei| wei.parse::<U256>().ok()).sum();
    say(format_args!("chain: proceeds claimed; the treasury holds {} for {} sold", Wei::from(balance), Wei::from(sold)));
    println!("{}", serde_json::to_string(&summary)?);
    std::io::stdout().flush()?;
    anyhow::ensure!(balance == sold, "the treasury holds {balance} wei, but the lots sold for {sold} wei");
    Ok(chain)
}

/// Creates the marathon and its lots back to back, each `lot_seconds` long, with room after each
/// for two anti-snipe extensions; returns the marathon's id and each lot with its window.
async fn create_marathon(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    args: &DemoArgs,
    house: Address,
    rules: Rules,
    first_start: DateTime<Utc>,
) -> anyhow::Result<(i64, Vec<(LotId, DateTime<Utc>, DateTime<Utc>)>)> {
    let window = rules.window.as_secs();
    let spec = json!({
        "name": "Gavel demo marathon",
        "first_day": first_start.date_naive(),
        "days": args.lots,
        "time_zone": "UTC",
        "opening_time": first_start.time(),
        "lot_duration_secs": args.lot_seconds,
        "reserve_wei": rules.reserve,
        "increment_bps": 0,
        "min_increment_wei": rules.step,
        "anti_snipe_window_secs": window,
        "anti_snipe_extension_secs": window,
        "anti_snipe_max_extensions": 2,
        "no_sale": "burn",
        "chat_channels": [format!("twitch:{CHANNEL}")],
        "auction_house": house,
    });
    let marathon: serde_json::Value = post(client, &format!("{api}/api/marathons"), token, &spec).await?;
    let marathon_id = marathon["id"].as_i64().context("the new marathon has no id")?;
    let lot_length = chrono::Duration::seconds(i64::from(args.lot_seconds));
    let gap = chrono::Duration::seconds(i64::try_from(2 * window + 3).unwrap_or(30));
    let mut lots = Vec::new();
    for day in 0..args.lots {
        let start = first_start + (lot_length + gap) * i32::try_from(day).unwrap_or(0);
        let end = start + lot_length;
        let body = json!({
            "day_index": day,
            "token_uri": format!("ipfs://gavel-demo/lot-{}.json", day + 1),
            "image_url": format!("https://gavel.invalid/demo/lot-{}.png", day + 1),
            "starts_at": start,
            "ends_at": end,
        });
        let lot: serde_json::Value = post(client, &format!("{api}/api/marathons/{marathon_id}/lots"), token, &body).await?;
        let id = LotId(lot["id"].as_i64().context("the new lot has no id")?);
        say(format_args!("marathon {marathon_id}: lot {id} from {} to {}", start.format("%H:%M:%S"), end.format("%H:%M:%S")));
        lots.push((id, start, end));
    }
    Ok((marathon_id, lots))
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let response = client.post(url).bearer_auth(token).json(body).send().await?;
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status.is_success(), "POST {url}: {status}: {text}");
    Ok(serde_json::from_str(&text)?)
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<serde_json::Value> {
    let response = client.get(url).bearer_auth(token).send().await?;
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status.is_success(), "GET {url}: {status}: {text}");
    Ok(serde_json::from_str(&text)?)
}

/// Waits until the lot is COMPLETED and its `lot.completed` is published (up to ten minutes past
/// the last lot's scheduled end), and returns its summary from Gavel's record: the buyer, amount
/// and transaction as settled (`lot.completed`), the bid-log hash as Gavel computed it (`lot.closed`).
async fn wait_settled(client: &reqwest::Client, api: &str, token: &str, lot: LotId, last_end: DateTime<Utc>) -> anyhow::Result<LotSummary> {
    let deadline = last_end + chrono::Duration::minutes(10);
    let completed = loop {
        let state = get(client, &format!("{api}/api/lots/{lot}"), token).await?["state"].as_str().unwrap_or_default().to_owned();
        match state.as_str() {
            "COMPLETED" => {
                if let Some(Event::LotCompleted(completed)) = latest(client, api, token, "lot.completed", lot).await? {
                    break completed;
                }
            }
            "CANCELLED" => anyhow::bail!("lot {lot} was cancelled"),
            _ if Utc::now() > deadline => anyhow::bail!("lot {lot} is still {state} ten minutes after the last lot's end"),
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let Some(Event::LotClosed(closed)) = latest(client, api, token, "lot.closed", lot).await? else {
        anyhow::bail!("lot {lot} is COMPLETED but its lot.closed is not published")
    };
    Ok(LotSummary {
        lot_id: lot.0,
        token_id: lot.0,
        state: "COMPLETED".into(),
        winner: completed.buyer,
        amount_wei: completed.amount.map(|amount| amount.as_u256().to_string()),
        settle_tx: Some(completed.tx_hash),
        bid_log_hash: Some(closed.bid_log_head),
    })
}

/// The lot's latest published event of `kind`.
async fn latest(client: &reqwest::Client, api: &str, token: &str, kind: &str, lot: LotId) -> anyhow::Result<Option<Event>> {
    let page = get(client, &format!("{api}/api/events/recent?type={kind}&lot_id={lot}&limit=1"), token).await?;
    let events: Vec<EventEnvelope> = serde_json::from_value(page["events"].clone()).context("the events page")?;
    Ok(events.into_iter().next().map(|envelope| envelope.event))
}

/// A folder of this run's files (0700) under the user's state directory.
fn demo_folder() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    let folder = base.join("gavel").join(format!("demo-{}", Utc::now().format("%Y%m%d-%H%M%S-%3f")));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    Ok(folder)
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}
