//! Generated from `contracts/artifacts/*.json` (ABI and bytecode), never written by hand.

use alloy::sol;

sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    AuctionHouse,
    "../../contracts/artifacts/AuctionHouse.json"
);

sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    MarathonNFT,
    "../../contracts/artifacts/MarathonNFT.json"
);

/// `AuctionHouse.LotStatus`, which the ABI carries as a `uint8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LotStatus {
    None,
    Open,
    Settled,
    NoSale,
}

impl LotStatus {
    /// `None` for a value the contract does not define: a response to distrust.
    pub fn from_abi(value: u8) -> Option<Self> {
        Some(match value {
            0 => LotStatus::None,
            1 => LotStatus::Open,
            2 => LotStatus::Settled,
            3 => LotStatus::NoSale,
            _ => return None,
        })
    }

    pub fn is_closed(self) -> bool {
        matches!(self, LotStatus::Settled | LotStatus::NoSale)
    }
}
