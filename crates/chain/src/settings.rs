//! Which chain Gavel settles on, the house it talks to and the key it signs with.
//!
//! Networks come by name (`anvil`, `shape-sepolia`, `shape-mainnet`) with their chain id and
//! public RPC; `rpc_url` overrides the endpoint (a private node, or a local anvil's port). The
//! signer key comes from `GAVEL__CHAIN__SIGNER_KEY` or a file, is held as a secret, and no
//! error or log ever includes it.

use std::path::PathBuf;
use std::time::Duration;

use alloy::primitives::Address;
use alloy::signers::Signer;
use alloy::signers::local::PrivateKeySigner;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Network {
    /// A local anvil started with `--chain-id 11011`, mirroring Shape Sepolia.
    Anvil,
    ShapeSepolia,
    ShapeMainnet,
}

impl Network {
    pub fn chain_id(self) -> u64 {
        match self {
            Network::Anvil | Network::ShapeSepolia => 11011,
            Network::ShapeMainnet => 360,
        }
    }

    /// The network's name as people know it.
    pub fn display_name(self) -> &'static str {
        match self {
            Network::Anvil => "Anvil (local)",
            Network::ShapeSepolia => "Shape Sepolia",
            Network::ShapeMainnet => "Shape",
        }
    }

    /// The block explorer viewers follow a transaction on; none for a local anvil.
    pub fn default_explorer(self) -> Option<&'static str> {
        match self {
            Network::Anvil => None,
            Network::ShapeSepolia => Some("https://sepolia.shapescan.xyz"),
            Network::ShapeMainnet => Some("https://shapescan.xyz"),
        }
    }

    pub fn default_rpc(self) -> &'static str {
        match self {
            Network::Anvil => "http://127.0.0.1:8545",
            Network::ShapeSepolia => "https://sepolia.shape.network",
            Network::ShapeMainnet => "https://mainnet.shape.network",
        }
    }
}

/// What the settlement service does when a winner's escrow no longer covers their amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnWinnerDefault {
    /// Sell to the best other bidder whose escrow covers their own best bid.
    RunnerUp,
    /// Settle the lot as no sale (the marathon's policy: burn or keep in the treasury).
    NoSale,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainSettings {
    pub network: Network,
    /// Overrides the network's public endpoint. Secret: a provider's URL often carries an API key.
    pub rpc_url: Option<SecretString>,
    /// The endpoint viewers' browsers read the chain through when no wallet is connected, and
    /// that the viewer page offers a wallet adding the chain: public, never `rpc_url`.
    /// Default: the network's public endpoint.
    pub public_rpc_url: Option<Url>,
    /// The block explorer transactions link to. Default: Shape's or Shape Sepolia's; none on anvil.
    pub explorer_url: Option<Url>,
    /// The deployed `AuctionHouse` (`gavel house deploy` makes one). Needed by everything but
    /// the deployment itself.
    pub auction_house: Option<Address>,
    /// The block the house was deployed in: the watcher reads logs from here on first start.
    #[serde(default)]
    pub start_block: u64,
    /// Confirmations a transaction needs before a lot is marked COMPLETED (1: mined).
    #[serde(default = "defaults::confirmations")]
    pub confirmations: u64,
    /// A log is credited once this many blocks are on top of its block, so a reorg shallower
    /// than this never credits a log that then vanishes.
    #[serde(default = "defaults::reorg_depth")]
    pub reorg_depth: u64,
    /// Blocks a transaction may wait unmined before it is signed again with higher fees.
    #[serde(default = "defaults::replace_after_blocks")]
    pub replace_after_blocks: u64,
    /// How early before its start a lot's token is minted (0: when it goes ACTIVE).
    #[serde(default)]
    pub open_ahead_secs: u64,
    #[serde(default = "defaults::on_winner_default")]
    pub on_winner_default: OnWinnerDefault,
    #[serde(default = "defaults::poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// The most a transaction may offer per gas, in wei: a guard against fees running away while
    /// a transaction is replaced again and again.
    #[serde(default = "defaults::max_fee_per_gas_wei")]
    pub max_fee_per_gas_wei: u64,
    /// Most blocks asked for in one `eth_getLogs` (public endpoints cap the range).
    #[serde(default = "defaults::max_log_range")]
    pub max_log_range: u64,
    /// The operator key, hex. Prefer `signer_key_file` or the environment over the config file.
    pub signer_key: Option<SecretString>,
    pub signer_key_file: Option<PathBuf>,
}

/// Defaults for Shape: 2-second blocks, so 3 confirmations is about 6 s and a reorg-safe depth of
/// 12 blocks about 24 s.
mod defaults {
    pub fn confirmations() -> u64 {
        3
    }
    pub fn reorg_depth() -> u64 {
        12
    }
    pub fn replace_after_blocks() -> u64 {
        5
    }
    pub fn on_winner_default() -> super::OnWinnerDefault {
        super::OnWinnerDefault::RunnerUp
    }
    pub fn poll_interval_ms() -> u64 {
        1000
    }
    pub fn max_log_range() -> u64 {
        1000
    }
    /// 1,000 gwei: far above Shape's fees, low enough to stop a runaway.
    pub fn max_fee_per_gas_wei() -> u64 {
        1_000_000_000_000
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("no signer key: set chain.signer_key (GAVEL__CHAIN__SIGNER_KEY) or chain.signer_key_file")]
    Missing,
    #[error("set only one of chain.signer_key and chain.signer_key_file")]
    Both,
    #[error("cannot read the signer key file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    // The parse error's own text is left out: it could quote the key.
    #[error("the signer key is not a 32-byte hex private key")]
    Invalid,
}

#[derive(Debug, thiserror::Error)]
#[error("no auction house: set chain.auction_house (gavel house deploy prints it)")]
pub struct NoHouse;

// The URL's own text is left out: it may carry an API key.
#[derive(Debug, thiserror::Error)]
#[error("chain.rpc_url is not a valid URL (value not shown)")]
pub struct BadRpcUrl;

impl ChainSettings {
    pub fn rpc_url(&self) -> Result<Url, BadRpcUrl> {
        let text = self.rpc_url.as_ref().map_or(self.network.default_rpc(), |url| url.expose_secret());
        Url::parse(text).map_err(|_| BadRpcUrl)
    }

    /// The endpoint browsers may use: `public_rpc_url`, else the network's public one.
    pub fn public_rpc_url(&self) -> Url {
        self.public_rpc_url.clone().unwrap_or_else(|| Url::parse(self.network.default_rpc()).expect("the built-in endpoints are URLs"))
    }

    /// The block explorer: `explorer_url`, else the network's own (none on anvil).
    pub fn explorer_url(&self) -> Option<Url> {
        self.explorer_url.clone().or_else(|| self.network.default_explorer().and_then(|url| Url::parse(url).ok()))
    }

    pub fn house(&self) -> Result<Address, NoHouse> {
        self.auction_house.ok_or(NoHouse)
    }

    pub fn chain_id(&self) -> u64 {
        self.network.chain_id()
    }

    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms.max(10))
    }

    /// The operator's signer, from the environment/config or the key file.
    pub fn signer(&self) -> Result<PrivateKeySigner, SignerError> {
        let key = match (&self.signer_key, &self.signer_key_file) {
            (Some(key), None) => key.clone(),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|source| SignerError::File { path: path.clone(), source })?;
                SecretString::from(text.trim().to_owned())
            }
            (None, None) => return Err(SignerError::Missing),
            (Some(_), Some(_)) => return Err(SignerError::Both),
        };
        let signer: PrivateKeySigner = key.expose_secret().trim().parse().map_err(|_| SignerError::Invalid)?;
        Ok(signer.with_chain_id(Some(self.chain_id())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(key: Option<&str>) -> ChainSettings {
        ChainSettings {
            network: Network::ShapeSepolia,
            rpc_url: None,
            public_rpc_url: None,
            explorer_url: None,
            auction_house: None,
            start_block: 0,
            confirmations: 1,
            reorg_depth: 1,
            replace_after_blocks: 3,
            open_ahead_secs: 0,
            on_winner_default: OnWinnerDefault::RunnerUp,
            poll_interval_ms: 100,
            max_fee_per_gas_wei: 1_000_000_000_000,
            max_log_range: 1000,
            signer_key: key.map(|key| SecretString::from(key.to_owned())),
            signer_key_file: None,
        }
    }

    #[test]
    fn networks_have_shape_chain_ids_and_endpoints() {
        assert_eq!(Network::ShapeMainnet.chain_id(), 360);
        assert_eq!(Network::ShapeSepolia.chain_id(), 11011);
        assert_eq!(Network::Anvil.chain_id(), 11011);
        assert_eq!(settings(None).rpc_url().unwrap().as_str(), "https://sepolia.shape.network/");
        let mut private = settings(None);
        private.rpc_url = Some(SecretString::from("https://shape.example/v2/APIKEY".to_owned()));
        assert!(!format!("{private:?}").contains("APIKEY"), "the URL is a secret");
    }

    #[test]
    fn a_bad_key_is_refused_without_quoting_it() {
        let error = settings(Some("0xnotakey-verysecret")).signer().unwrap_err().to_string();
        assert!(!error.contains("verysecret"), "{error}");
        assert!(matches!(settings(None).signer(), Err(SignerError::Missing)));
    }

    #[test]
    fn a_good_key_signs_for_the_configured_chain() {
        // anvil's first well-known development key.
        let signer = settings(Some("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")).signer().unwrap();
        assert_eq!(signer.address().to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(signer.chain_id(), Some(11011));
    }
}
