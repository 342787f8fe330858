//! The settlement service: everything Gavel does on chain.
//!
//! - [`settler`]: opens each lot on chain (mints its token to the house) and closes it once
//!   `lot.closed` is written (a sale, a sale to the runner-up, or no sale), then marks the lot
//!   COMPLETED once the transaction has its confirmations. Every step is recorded before it is
//!   taken, and every pass starts from the lot's on-chain state, so a crash at any point neither
//!   settles a lot twice nor leaves it unsettled.
//! - [`watcher`]: credits the house's deposit, withdrawal and settlement logs to the escrow
//!   ledger, once each and only below a reorg-safe depth, so bidding power follows the chain.
//! - [`chain`]: the RPC connection, with a timeout on every call, and the signer's nonces.
//! - [`telemetry`]: the metrics it records, and the gauges it keeps current.

pub mod chain;
pub mod settler;
pub mod telemetry;
pub mod watcher;

use gavel_chain::settings::ChainSettings;
use gavel_store::PgPool;
use tokio_util::sync::CancellationToken;

/// Runs the settler and the watcher until `shutdown`; either failing stops both (and the
/// metrics' refresher with them).
pub async fn run(pool: PgPool, settings: ChainSettings, shutdown: CancellationToken) -> anyhow::Result<()> {
    let chain = chain::Chain::connect(&settings)?;
    let settler = settler::Settler::new(pool.clone(), chain.clone(), settings.clone())?;
    let signer = settings.signer()?.address();
    let ahead = i64::try_from(settings.open_ahead_secs).unwrap_or(i64::MAX);
    let stop = shutdown.child_token();
    telemetry::register_failure_counters();
    let refresher = tokio::spawn(telemetry::refresh(pool.clone(), chain.clone(), signer, ahead, stop.clone()));
    let watcher = watcher::Watcher::new(pool, chain, &settings);
    let (settled, watched) = tokio::join!(
        async {
            let result = settler.run(stop.clone()).await;
            stop.cancel();
            result
        },
        async {
            let result = watcher.run(stop.clone()).await;
            stop.cancel();
            result
        }
    );
    let _ = refresher.await;
    settled.and(watched)
}
