//! A local chain for the settlement tests: anvil from npm (`--chain-id 11011`, as Shape
//! Sepolia), the house deployed with anvil's first account as admin and operator, and helpers
//! to deposit, mine and read the chain. anvil stops when the `TestChain` is dropped.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use alloy::network::EthereumWallet;
use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::{Address, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionReceipt;
use alloy::signers::local::PrivateKeySigner;
use gavel_chain::bindings::AuctionHouse::{self, AuctionHouseInstance};
use gavel_chain::settings::{ChainSettings, Network, OnWinnerDefault};
use gavel_domain::LotId;
use gavel_domain::link;
use gavel_store::PgPool;
use gavel_store::settlement::{self, Attempt};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::task::JoinSet;

pub const MILLI_ETH: u128 = 1_000_000_000_000_000;

pub struct TestChain {
    pub anvil: AnvilInstance,
    /// Signs for every anvil account.
    pub provider: DynProvider,
    pub house: AuctionHouseInstance<DynProvider>,
}

impl TestChain {
    pub async fn start() -> TestChain {
        let anvil =
            Anvil::at(gavel::demo::anvil_program()).chain_id(11011).try_spawn().expect("anvil (run `npm ci` at the repository root)");
        let mut wallet = EthereumWallet::from(PrivateKeySigner::from(anvil.keys()[0].clone()));
        for key in &anvil.keys()[1..] {
            wallet.register_signer(PrivateKeySigner::from(key.clone()));
        }
        let provider = ProviderBuilder::new().wallet(wallet).connect_http(anvil.endpoint_url()).erased();
        let operator = anvil.addresses()[0];
        let treasury = anvil.addresses()[9];
        let house = AuctionHouse::deploy(provider.clone(), operator, operator, treasury, 86_400, "Gavel Marathon".into(), "GVL".into())
            .await
            .expect("deploy the house");
        TestChain { anvil, provider, house }
    }

    /// Anvil account `i` (0 is the operator, 9 the treasury).
    pub fn account(&self, i: usize) -> Address {
        self.anvil.addresses()[i]
    }

    /// Anvil account `i`'s private key, hex, for a browser test wallet.
    pub fn key(&self, i: usize) -> String {
        format!("0x{}", alloy::hex::encode(self.anvil.keys()[i].to_bytes()))
    }

    pub fn treasury(&self) -> Address {
        self.account(9)
    }

    /// The settlement service's settings for this chain, reached at `rpc` (anvil itself, or a
    /// proxy in front of it): one confirmation, logs credited at once, quick polling.
    pub fn settings(&self, rpc: &str) -> ChainSettings {
        ChainSettings {
            network: Network::Anvil,
            rpc_url: Some(rpc.to_owned().into()),
            public_rpc_url: reqwest::Url::parse(rpc).ok(),
            explorer_url: None,
            auction_house: Some(*self.house.address()),
            start_block: 0,
            confirmations: 1,
            reorg_depth: 0,
            replace_after_blocks: 3,
            open_ahead_secs: 0,
            on_winner_default: OnWinnerDefault::RunnerUp,
            poll_interval_ms: 50,
            max_fee_per_gas_wei: 1_000_000_000_000,
            max_log_range: 1000,
            signer_key: Some(self.operator_key().into()),
            signer_key_file: None,
        }
    }

    pub fn endpoint(&self) -> String {
        self.anvil.endpoint()
    }

    pub fn operator_key(&self) -> String {
        self.key(0)
    }

    /// Deposits from account `from` with the commitment of (`handle`, `secret`, that account).
    pub async fn deposit(&self, from: usize, handle: &str, secret: &str, wei: u128) -> Result<TransactionReceipt, alloy::contract::Error> {
        self.deposit_with(from, link::commitment(handle, secret, self.account(from)), wei).await
    }

    /// Deposits from account `from` with any commitment (one copied from another's calldata).
    pub async fn deposit_with(&self, from: usize, commitment: B256, wei: u128) -> Result<TransactionReceipt, alloy::contract::Error> {
        let pending = self.house.deposit(commitment).from(self.account(from)).value(U256::from(wei)).send().await?;
        Ok(pending.get_receipt().await?)
    }

    pub async fn escrow(&self, account: usize) -> U256 {
        self.house.escrowOf(self.account(account)).call().await.expect("escrowOf")
    }

    pub async fn lot(&self, lot: LotId) -> AuctionHouse::lotOfReturn {
        self.house.lotOf(U256::from(lot.0)).call().await.expect("lotOf")
    }

    /// The owner of the lot's token; `None` when it does not exist (never minted, or burned).
    pub async fn owner_of(&self, lot: LotId) -> Option<Address> {
        let nft = gavel_chain::bindings::MarathonNFT::new(self.house.nft().call().await.expect("nft"), self.provider.clone());
        nft.ownerOf(U256::from(lot.0)).call().await.ok()
    }

    pub async fn balance(&self, account: Address) -> U256 {
        self.provider.get_balance(account).await.expect("balance")
    }

    pub async fn head(&self) -> u64 {
        self.provider.get_block_number().await.expect("head")
    }

    pub async fn mine(&self, blocks: u64) {
        let _: serde_json::Value = self.provider.raw_request("anvil_mine".into(), (U256::from(blocks),)).await.expect("anvil_mine");
    }

    pub async fn set_automine(&self, on: bool) {
        let _: serde_json::Value = self.provider.raw_request("evm_setAutomine".into(), (on,)).await.expect("evm_setAutomine");
    }

    /// How many `LotSettled` and `LotNoSale` logs the house has for `lot`.
    pub async fn closings(&self, lot: LotId) -> usize {
        let filter = alloy::rpc::types::Filter::new()
            .address(*self.house.address())
            .event_signature(vec![
                <AuctionHouse::LotSettled as alloy::sol_types::SolEvent>::SIGNATURE_HASH,
                <AuctionHouse::LotNoSale as alloy::sol_types::SolEvent>::SIGNATURE_HASH,
            ])
            .topic1(B256::from(U256::from(lot.0)))
            .from_block(0);
        self.provider.get_logs(&filter).await.expect("logs").len()
    }

    /// The receipts of every transaction the settlement service recorded for `lot`.
    pub async fn receipts(&self, attempts: &[Attempt]) -> Vec<(String, Option<TransactionReceipt>)> {
        let mut receipts = Vec::new();
        for attempt in attempts.iter().filter(|a| a.raw_tx.is_some()) {
            let hash: B256 = attempt.tx_hash.as_deref().expect("hash").parse().expect("hash");
            receipts.push((format!("{hash}"), self.provider.get_transaction_receipt(hash).await.expect("receipt")));
        }
        receipts
    }
}

/// Every recorded settlement step for a lot.
pub async fn attempts(pool: &PgPool, lot: LotId) -> Vec<Attempt> {
    settlement::attempts(pool, lot, None).await.expect("attempts")
}

/// A TCP proxy in front of anvil that can be cut and restored, to take the RPC endpoint away.
pub struct Proxy {
    pub address: SocketAddr,
    up: Arc<AtomicBool>,
    connections: Arc<tokio::sync::Mutex<JoinSet<()>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy");
        let address = listener.local_addr().expect("proxy address");
        let up = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        let accept = {
            let (up, connections) = (up.clone(), connections.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        // Down: the connection is closed at once, as a dead endpoint's would be.
                        drop(inbound);
                        continue;
                    }
                    connections.lock().await.spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                }
            })
        };
        Proxy { address, up, connections, accept }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Cuts every open connection and refuses new ones.
    pub async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.connections.lock().await.abort_all();
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// `gavel run settlement` as a process on the sandbox's database, logging (JSON) to `log`.
pub fn spawn_settlement(database_url: &str, chain: &ChainSettings, log: &std::path::Path) -> Child {
    let log = std::fs::File::create(log).expect("log file");
    Command::new(env!("CARGO_BIN_EXE_gavel"))
        .args(["run", "settlement"])
        .envs(chain_env(chain))
        .env("GAVEL__DATABASE__URL", database_url)
        // Its operations endpoints on a port of its own: tests run several at once.
        .env("GAVEL__OPS__ADDRESS", "127.0.0.1:0")
        .env("GAVEL__LOG__FILTER", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("spawn gavel run settlement")
}

/// `gavel house deploy --treasury <treasury>` with `chain`'s network and signer; what it printed.
pub async fn deploy_house(chain: &ChainSettings, treasury: Address) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_gavel"))
        .args(["house", "deploy", "--treasury", &treasury.to_string()])
        .envs(chain_env(chain))
        .env("GAVEL__LOG__FILTER", "error")
        .output()
        .await
        .expect("run gavel house deploy");
    assert!(output.status.success(), "gavel house deploy: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON object")
}

/// `gavel verify --lot <lot>` against the API at `api`; whether it exited 0.
pub async fn verify(api: SocketAddr, chain: &ChainSettings, lot: LotId) -> bool {
    Command::new(env!("CARGO_BIN_EXE_gavel"))
        .args(["verify", "--lot", &lot.0.to_string(), "--api", &format!("http://{api}")])
        .envs(chain_env(chain))
        .env("GAVEL__LOG__FILTER", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .expect("run gavel verify")
        .success()
}

fn chain_env(chain: &ChainSettings) -> Vec<(&'static str, String)> {
    use secrecy::ExposeSecret;
    let mut env = vec![
        ("GAVEL__CHAIN__NETWORK", "anvil".to_owned()),
        ("GAVEL__CHAIN__RPC_URL", chain.rpc_url().expect("rpc url").to_string()),
        ("GAVEL__CHAIN__CONFIRMATIONS", chain.confirmations.to_string()),
        ("GAVEL__CHAIN__REORG_DEPTH", chain.reorg_depth.to_string()),
        ("GAVEL__CHAIN__REPLACE_AFTER_BLOCKS", chain.replace_after_blocks.to_string()),
        ("GAVEL__CHAIN__POLL_INTERVAL_MS", chain.poll_interval_ms.to_string()),
    ];
    if let Some(house) = chain.auction_house {
        env.push(("GAVEL__CHAIN__AUCTION_HOUSE", house.to_string()));
    }
    if let Some(key) = &chain.signer_key {
        env.push(("GAVEL__CHAIN__SIGNER_KEY", key.expose_secret().to_owned()));
    }
    env
}
