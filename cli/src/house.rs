//! `gavel house deploy`: deploys an `AuctionHouse` (which deploys its `MarathonNFT`) with the
//! configured signer as its operator, for a new marathon series or a local chain.

use alloy::primitives::Address;
use alloy::providers::{Provider, ProviderBuilder};
use anyhow::Context;
use gavel_chain::bindings::AuctionHouse;
use gavel_chain::redact_urls;
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
    let provider = ProviderBuilder::new().wallet(signer).connect_http(chain.rpc_url()?);
    let reported =
        provider.get_chain_id().await.map_err(|error| anyhow::anyhow!("cannot reach the chain: {}", redact_urls(&error.to_string())))?;
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
    .map_err(|error| anyhow::anyhow!("the deployment was refused: {}", redact_urls(&error.to_string())))?
    .get_receipt()
    .await
    .map_err(|error| anyhow::anyhow!("no receipt for the deployment: {}", redact_urls(&error.to_string())))?;
    anyhow::ensure!(receipt.status(), "the deployment reverted (transaction {})", receipt.transaction_hash);
    let auction_house = receipt.contract_address.context("the receipt names no contract")?;
    let nft = AuctionHouse::new(auction_house, provider)
        .nft()
        .call()
        .await
        .map_err(|error| anyhow::anyhow!("cannot read the house's NFT: {}", redact_urls(&error.to_string())))?;
    Ok(Deployed { auction_house, nft, start_block: receipt.block_number.unwrap_or_default(), operator, admin, treasury: args.treasury })
}
