//! The demo's chain: a fresh anvil of its own, or the chain at `--rpc-url` (an anvil started with
//! `--chain-id 11011`, or Shape Sepolia; never Shape mainnet), the house deployed on it, and the
//! simulated viewers' wallets funded, depositing and claiming the treasury's proceeds.

use std::path::{Path, PathBuf};

use alloy::network::EthereumWallet;
use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use anyhow::Context;
use gavel_chain::bindings::AuctionHouse::{self, AuctionHouseInstance};
use gavel_chain::redact_urls;
use gavel_chain::settings::{ChainSettings, Network, OnWinnerDefault};
use gavel_domain::{Wei, link};
use secrecy::{ExposeSecret, SecretString};

use crate::house::{self, DeployArgs, Deployed};

/// Shape mainnet's chain id: the demo never spends real money.
const SHAPE_MAINNET: u64 = 360;
/// Gavel's `anvil` network and Shape Sepolia share this id.
const DEMO_CHAIN_ID: u64 = 11011;
/// Given to each viewer on top of their deposit, for the gas of the deposit (and one claim).
const GAS_ALLOWANCE_WEI: u128 = 1_000_000_000_000_000;

/// Where the operator's key comes from when the chain is not the demo's own anvil.
pub struct ExternalChain {
    pub rpc_url: SecretString,
    pub signer_key_file: Option<PathBuf>,
}

pub struct DemoChain {
    /// Our own anvil, stopped when this is dropped; `None` on an external chain.
    anvil: Option<AnvilInstance>,
    network: Network,
    rpc_url: SecretString,
    /// The operator's key (our anvil's first account, or GAVEL_SIGNER_KEY) or the file holding it.
    signer_key: Option<SecretString>,
    signer_key_file: Option<PathBuf>,
    operator: Address,
}

impl DemoChain {
    /// Starts anvil (no `external`) or connects to `external` and checks which chain it is.
    pub async fn start(external: Option<ExternalChain>) -> anyhow::Result<DemoChain> {
        let Some(external) = external else {
            let anvil = Anvil::at(anvil_program()).chain_id(DEMO_CHAIN_ID).try_spawn().context(
                "cannot start anvil (scripts/setup installs it into node_modules/.bin; or put anvil on PATH, or pass --rpc-url)",
            )?;
            let key = anvil.keys().first().context("anvil listed no account")?;
            let signer_key = SecretString::from(format!("0x{}", alloy::hex::encode(key.to_bytes())));
            let operator = anvil.addresses().first().copied().context("anvil listed no account")?;
            return Ok(DemoChain {
                rpc_url: SecretString::from(anvil.endpoint()),
                anvil: Some(anvil),
                network: Network::Anvil,
                signer_key: Some(signer_key),
                signer_key_file: None,
                operator,
            });
        };
        let signer_key = match &external.signer_key_file {
            Some(_) => None,
            None => Some(SecretString::from(std::env::var("GAVEL_SIGNER_KEY").map_err(|_| {
                anyhow::anyhow!(
                    "with --rpc-url, the operator's key comes from the environment variable GAVEL_SIGNER_KEY or --signer-key-file"
                )
            })?)),
        };
        let mut chain = DemoChain {
            anvil: None,
            network: Network::ShapeSepolia,
            rpc_url: external.rpc_url,
            signer_key,
            signer_key_file: external.signer_key_file,
            operator: Address::ZERO,
        };
        // The settings' own checks: their errors never quote the key or the URL.
        let probe = chain.settings(None);
        chain.operator = probe.signer()?.address();
        let provider = ProviderBuilder::new().connect_http(probe.rpc_url()?);
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(|error| anyhow::anyhow!("cannot reach --rpc-url: {}", redact_urls(&error.to_string())))?;
        let client = provider.get_client_version().await.unwrap_or_default();
        chain.network = match chain_id {
            SHAPE_MAINNET => anyhow::bail!("refusing Shape mainnet (chain 360): the demo spends money on simulated viewers"),
            DEMO_CHAIN_ID if client.to_ascii_lowercase().starts_with("anvil") => Network::Anvil,
            DEMO_CHAIN_ID => Network::ShapeSepolia,
            other => anyhow::bail!(
                "--rpc-url serves chain {other}; the demo runs on Shape Sepolia or an anvil started with --chain-id {DEMO_CHAIN_ID}"
            ),
        };
        Ok(chain)
    }

    /// True on the demo's own anvil: its accounts hold test ether that nobody needs back.
    pub fn is_own(&self) -> bool {
        self.anvil.is_some()
    }

    pub fn describe(&self) -> String {
        match (&self.anvil, self.network) {
            (Some(anvil), _) => format!("its own anvil on port {} (chain {DEMO_CHAIN_ID})", anvil.port()),
            (None, Network::Anvil) => format!("the anvil at --rpc-url (chain {DEMO_CHAIN_ID})"),
            (None, _) => format!("Shape Sepolia at --rpc-url (chain {DEMO_CHAIN_ID})"),
        }
    }

    /// The settlement service's settings: on anvil one confirmation and no reorg margin (it
    /// mines on demand and never reorganises by itself); on Shape Sepolia the defaults.
    pub fn settings(&self, house: Option<&Deployed>) -> ChainSettings {
        let anvil = self.network == Network::Anvil;
        ChainSettings {
            network: self.network,
            rpc_url: Some(self.rpc_url.clone()),
            // The demo's own anvil is public to the viewer page; Shape Sepolia's is its default.
            public_rpc_url: if anvil { reqwest::Url::parse(self.rpc_url.expose_secret()).ok() } else { None },
            explorer_url: None,
            auction_house: house.map(|deployed| deployed.auction_house),
            start_block: house.map_or(0, |deployed| deployed.start_block),
            confirmations: if anvil { 1 } else { 3 },
            reorg_depth: if anvil { 0 } else { 12 },
            replace_after_blocks: if anvil { 3 } else { 5 },
            open_ahead_secs: 0,
            on_winner_default: OnWinnerDefault::RunnerUp,
            poll_interval_ms: if anvil { 200 } else { 1000 },
            max_fee_per_gas_wei: 1_000_000_000_000,
            max_log_range: 1000,
            signer_key: self.signer_key.clone(),
            signer_key_file: self.signer_key_file.clone(),
        }
    }

    /// A provider that signs for the operator and every wallet in `wallets`.
    pub fn provider(&self, wallets: &[&PrivateKeySigner]) -> anyhow::Result<DynProvider> {
        let settings = self.settings(None);
        let mut wallet = EthereumWallet::from(settings.signer()?);
        for extra in wallets {
            wallet.register_signer((*extra).clone());
        }
        Ok(ProviderBuilder::new().wallet(wallet).connect_http(settings.rpc_url()?).erased())
    }

    pub fn operator(&self) -> Address {
        self.operator
    }

    /// Deploys the house, the operator as its admin and operator.
    pub async fn deploy(&self, treasury: Address) -> anyhow::Result<Deployed> {
        let args = DeployArgs {
            treasury,
            admin: None,
            // An hour: what the viewers leave in escrow on a shared chain comes back soon
            // (`requestWithdrawal`, then `withdraw` an hour later, with the saved keys).
            withdrawal_delay_secs: 3_600,
            nft_name: "Gavel Demo Marathon".into(),
            nft_symbol: "GAVELDEMO".into(),
        };
        house::deploy(&self.settings(None), &args).await
    }
}

/// anvil from the repository's npm tools (`scripts/setup`), else from PATH.
pub fn anvil_program() -> PathBuf {
    let local = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../node_modules/.bin/anvil"));
    if local.exists() { local.to_path_buf() } else { PathBuf::from("anvil") }
}

/// Fresh wallets, written with their keys to `keys_file` (mode 0600) before any of them holds
/// anything, so that funds sent to them on a shared chain can always be recovered.
pub fn new_wallets(names: &[String], keys_file: Option<&Path>) -> anyhow::Result<Vec<PrivateKeySigner>> {
    let wallets: Vec<PrivateKeySigner> = names.iter().map(|_| PrivateKeySigner::random()).collect();
    if let Some(path) = keys_file {
        let entries: Vec<serde_json::Value> = names
            .iter()
            .zip(&wallets)
            .map(|(name, wallet)| {
                serde_json::json!({
                    "name": name,
                    "address": wallet.address(),
                    "private_key": format!("0x{}", alloy::hex::encode(wallet.to_bytes())),
                })
            })
            .collect();
        super::write_private(path, &serde_json::to_string_pretty(&entries)?)?;
    }
    Ok(wallets)
}

/// Sends each wallet `deposit` plus gas money from the operator, after checking it can pay.
pub async fn fund(provider: &DynProvider, operator: Address, wallets: &[&PrivateKeySigner], deposit: Wei) -> anyhow::Result<()> {
    let each = deposit.as_u256() + U256::from(GAS_ALLOWANCE_WEI);
    let count = u64::try_from(wallets.len()).unwrap_or(u64::MAX);
    let needed = each.saturating_mul(U256::from(count));
    let balance = provider.get_balance(operator).await.map_err(rpc)?;
    anyhow::ensure!(
        balance > needed,
        "the operator {operator} holds {} but the viewers need {} (deposit plus gas each)",
        Wei::from(balance),
        Wei::from(needed)
    );
    for wallet in wallets {
        let transfer = TransactionRequest::default().from(operator).to(wallet.address()).value(each);
        let receipt = provider.send_transaction(transfer).await.map_err(rpc)?.get_receipt().await.map_err(rpc)?;
        anyhow::ensure!(receipt.status(), "funding {} failed (transaction {})", wallet.address(), receipt.transaction_hash);
    }
    Ok(())
}

/// `wallet` deposits `amount` into the house with the commitment of (`handle`, `secret`, itself).
pub async fn deposit(
    house: &AuctionHouseInstance<DynProvider>,
    wallet: &PrivateKeySigner,
    handle: &str,
    secret: &str,
    amount: Wei,
) -> anyhow::Result<()> {
    let commitment = link::commitment(handle, secret, wallet.address());
    let pending = house.deposit(commitment).from(wallet.address()).value(amount.as_u256()).send().await.map_err(rpc)?;
    let receipt = pending.get_receipt().await.map_err(rpc)?;
    anyhow::ensure!(receipt.status(), "the deposit from {} reverted", wallet.address());
    Ok(())
}

/// Sends the treasury what the house owes it (anyone may ask; `payer` pays the gas) and returns
/// the treasury's balance afterwards.
pub async fn claim_proceeds(house: &AuctionHouseInstance<DynProvider>, payer: Address, treasury: Address) -> anyhow::Result<U256> {
    let receipt = house.claimProceeds().from(payer).send().await.map_err(rpc)?.get_receipt().await.map_err(rpc)?;
    anyhow::ensure!(receipt.status(), "claimProceeds reverted (transaction {})", receipt.transaction_hash);
    house.provider().get_balance(treasury).await.map_err(rpc)
}

pub fn house(address: Address, provider: DynProvider) -> AuctionHouseInstance<DynProvider> {
    AuctionHouse::new(address, provider)
}

/// A chain error as text without any URL (an RPC URL may carry an API key).
fn rpc(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("chain: {}", redact_urls(&error.to_string()))
}
