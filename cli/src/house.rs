//! `gavel house deploy`: deploys an `AuctionHouse` (which deploys its `MarathonNFT`) with the
//! configured signer as its operator, for a new marathon series or a local chain.

use alloy::primitives::Address;
use alloy::providers::{Provider, ProviderBuilder};
use anyhow::Context;
use gavel_chain::bindings::AuctionHouse;
use gavel_chain::settings::ChainSettings;
use serde::Serialize;

/// What `gavel house deploy` prints: the values `[chain]` needs next.
#[derive(Debug, Clone, Serialize)]
pub struct Deployed {
    pub auction_house: Address,
    pub nft: Address,
    /// `chain.start_block`: the watcher need not read earlier blocks.
    pub start_block: u64,
    pub operator: Address,
    pub admin: Address,
    pub treasury: Address,
}

pub struct DeployArgs {
    pub treasury: Address,
    /// Defaults to the operator.
    pub admin: Option<Address>,
    pub withdrawal_delay_secs: u64,
    pub nft_name: String,
    pub nft_symbol: String,
}

pub async fn deploy(chain: &ChainSettings, args: &DeployArgs) -> anyhow::Result<Deployed> {
    let signer = chain.signer()?;
    let operator = signer.address();
    let provider = ProviderBuilder::new().wallet(signer).connect_http(chain.rpc_url());
    let reported = provider.get_chain_id().await.context("cannot reach the chain (chain.rpc_url)")?;
    anyhow::ensure!(reported == chain.chain_id(), "the endpoint serves chain {reported}, not {} ({:?})", chain.chain_id(), chain.network);
    let admin = args.admin.unwrap_or(operator);
    let receipt = AuctionHouse::deploy_builder(
        provider.clone(),
        admin,
        operator,
        args.treasury,
        args.withdrawal_delay_secs,
        args.nft_name.clone(),
        args.nft_symbol.clone(),
    )
    .send()
    .await
    .context("the deployment was refused")?
    .get_receipt()
    .await
    .context("no receipt for the deployment")?;
    anyhow::ensure!(receipt.status(), "the deployment reverted (transaction {})", receipt.transaction_hash);
    let auction_house = receipt.contract_address.context("the receipt names no contract")?;
    let nft = AuctionHouse::new(auction_house, provider).nft().call().await.context("cannot read the house's NFT")?;
    Ok(Deployed { auction_house, nft, start_block: receipt.block_number.unwrap_or_default(), operator, admin, treasury: args.treasury })
}
