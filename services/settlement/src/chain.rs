//! The connection to the chain: a plain HTTP provider (transactions are signed here and sent
//! raw, so their bytes can be recorded first), a timeout on every call so a hung endpoint is an
//! error like a refused one, and the signer's nonces.

use std::future::IntoFuture;
use std::time::Duration;

use alloy::primitives::Address;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use gavel_chain::bindings::AuctionHouse::AuctionHouseInstance;
use gavel_chain::settings::ChainSettings;

/// Longest wait for one RPC call.
pub const RPC_TIMEOUT: Duration = Duration::from_secs(10);

/// An RPC call that failed: the endpoint is unreachable, timed out, or answered with an error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct RpcError(pub String);

impl RpcError {
    /// The error's text with any URL in it replaced: an RPC endpoint's URL often carries an API
    /// key, and these messages reach the logs and the recorded attempts.
    pub fn new(error: impl std::fmt::Display) -> Self {
        RpcError(gavel_chain::redact_urls(&error.to_string()))
    }
}

#[derive(Clone)]
pub struct Chain {
    pub provider: DynProvider,
    pub house: AuctionHouseInstance<DynProvider>,
    pub chain_id: u64,
}

impl Chain {
    pub fn connect(settings: &ChainSettings) -> anyhow::Result<Self> {
        let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(settings.rpc_url()?).erased();
        let house = AuctionHouseInstance::new(settings.house()?, provider.clone());
        Ok(Chain { provider, house, chain_id: settings.chain_id() })
    }

    pub fn house_address(&self) -> Address {
        *self.house.address()
    }

    pub async fn head(&self) -> Result<u64, RpcError> {
        call(self.provider.get_block_number()).await
    }
}

/// Awaits an RPC future with the timeout, mapping every failure to [`RpcError`].
pub async fn call<T, E: std::fmt::Display>(future: impl IntoFuture<Output = Result<T, E>>) -> Result<T, RpcError> {
    match tokio::time::timeout(RPC_TIMEOUT, future.into_future()).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(RpcError::new(error)),
        Err(_) => Err(RpcError(format!("no answer within {} s", RPC_TIMEOUT.as_secs()))),
    }
}

/// Hands out a signer's nonces. The chain's pending count covers transactions sent before a
/// restart; the local counter covers those sent since, before the node reports them.
#[derive(Debug)]
pub struct NonceManager {
    signer: Address,
    next: Option<u64>,
}

impl NonceManager {
    pub fn new(signer: Address) -> Self {
        NonceManager { signer, next: None }
    }

    pub async fn next(&mut self, chain: &Chain) -> Result<u64, RpcError> {
        let pending = call(chain.provider.get_transaction_count(self.signer).pending()).await?;
        let nonce = self.next.map_or(pending, |next| next.max(pending));
        self.next = Some(nonce + 1);
        Ok(nonce)
    }

    /// Forgets the local counter, after the node refused a nonce.
    pub fn reset(&mut self) {
        self.next = None;
    }
}
