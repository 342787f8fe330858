//! The verifiable bid log: each lot's accepted amounts and voids, in decision order, chained by
//! hash. Its head goes on chain at settlement, so anyone can recompute it from the public log.
//!
//! h₀ = keccak256(abi.encode(uint256 lotId))
//! hᵢ = keccak256(abi.encode(bytes32 hᵢ₋₁, uint8 kind, string bidderId, address wallet,
//!                           uint256 amountWei, uint64 receivedAtUnixMillis))
//! with kind 1 for an accepted amount (proxy raises included), 2 for a void and 3 for a
//! reinstatement (an operator undid the void while the lot was open), each of the last two
//! carrying the fields of the entry it voids or reinstates.

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::sol_data::{Address as SolAddress, FixedBytes, String as SolString, Uint};
use alloy_sol_types::{SolType, SolValue};

use chrono::{DateTime, Utc};

use crate::{BidderId, LotId, Wei};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum EntryKind {
    Accepted = 1,
    Void = 2,
    Reinstated = 3,
}

/// The Solidity types of a link's fields, in order.
type LinkFields = (FixedBytes<32>, Uint<8>, SolString, SolAddress, Uint<256>, Uint<64>);

/// One link of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEntry<'a> {
    pub kind: EntryKind,
    pub bidder: &'a BidderId,
    pub wallet: Address,
    pub amount: Wei,
    pub received_at_unix_millis: u64,
}

/// The hash of an empty log: h₀.
pub fn genesis(lot: LotId) -> B256 {
    // Lot ids are positive database ids.
    keccak256(U256::from(lot.0.unsigned_abs()).abi_encode())
}

/// hᵢ from hᵢ₋₁ and the entry.
pub fn link(previous: B256, entry: &ChainEntry<'_>) -> B256 {
    let fields =
        (previous, entry.kind as u8, entry.bidder.as_str().to_owned(), entry.wallet, entry.amount.as_u256(), entry.received_at_unix_millis);
    let encoded = LinkFields::abi_encode_params(&fields);
    keccak256(encoded)
}

/// The head of a whole log.
pub fn head<'a>(lot: LotId, entries: impl IntoIterator<Item = ChainEntry<'a>>) -> B256 {
    entries.into_iter().fold(genesis(lot), |previous, entry| link(previous, &entry))
}

/// An entry as the log is stored and published (`/api/public/lots/{id}/bid-log`): ids and
/// addresses as text. What the engine hashes at close and `gavel verify` recomputes.
#[derive(Debug, Clone, Copy)]
pub struct PublishedEntry<'a> {
    pub kind: i16,
    pub bidder: &'a str,
    pub wallet: &'a str,
    pub amount: Wei,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishedEntryError {
    #[error("entry {0}: kind must be 1 (accepted), 2 (void) or 3 (reinstated)")]
    Kind(usize),
    #[error("entry {0}: bidder '{1}' is not platform:user_id")]
    Bidder(usize, String),
    #[error("entry {0}: wallet '{1}' is not an address")]
    Wallet(usize, String),
    #[error("entry {0}: received before 1970")]
    ReceivedAt(usize),
}

/// The head of a published log, in the order given.
pub fn head_of_published<'a>(lot: LotId, entries: impl IntoIterator<Item = PublishedEntry<'a>>) -> Result<B256, PublishedEntryError> {
    let mut previous = genesis(lot);
    for (index, entry) in entries.into_iter().enumerate() {
        let kind = match entry.kind {
            1 => EntryKind::Accepted,
            2 => EntryKind::Void,
            3 => EntryKind::Reinstated,
            _ => return Err(PublishedEntryError::Kind(index)),
        };
        let bidder = BidderId::parse(entry.bidder).map_err(|_| PublishedEntryError::Bidder(index, entry.bidder.to_owned()))?;
        let wallet = entry.wallet.parse().map_err(|_| PublishedEntryError::Wallet(index, entry.wallet.to_owned()))?;
        let received_at_unix_millis =
            u64::try_from(entry.received_at.timestamp_millis()).map_err(|_| PublishedEntryError::ReceivedAt(index))?;
        previous = link(previous, &ChainEntry { kind, bidder: &bidder, wallet, amount: entry.amount, received_at_unix_millis });
    }
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_is_the_hash_of_the_abi_encoded_lot_id() {
        let mut word = [0u8; 32];
        word[31] = 7;
        assert_eq!(genesis(LotId(7)), keccak256(word));
    }

    #[test]
    fn a_link_hashes_the_head_encoding_of_its_fields() {
        let bidder = BidderId::parse("twitch:1").unwrap();
        let entry = ChainEntry {
            kind: EntryKind::Accepted,
            bidder: &bidder,
            wallet: Address::repeat_byte(0x11),
            amount: Wei::from(5u128),
            received_at_unix_millis: 9,
        };
        // abi.encode of (bytes32, uint8, string, address, uint256, uint64): six head words, then
        // the string's length word and its padded bytes.
        let previous = B256::repeat_byte(0xaa);
        let mut expected = Vec::new();
        expected.extend_from_slice(previous.as_slice());
        expected.extend_from_slice(&U256::from(1).to_be_bytes::<32>());
        expected.extend_from_slice(&U256::from(6 * 32).to_be_bytes::<32>());
        expected.extend_from_slice(&[0u8; 12]);
        expected.extend_from_slice(Address::repeat_byte(0x11).as_slice());
        expected.extend_from_slice(&U256::from(5).to_be_bytes::<32>());
        expected.extend_from_slice(&U256::from(9).to_be_bytes::<32>());
        expected.extend_from_slice(&U256::from(8).to_be_bytes::<32>());
        let mut text = [0u8; 32];
        text[..8].copy_from_slice(b"twitch:1");
        expected.extend_from_slice(&text);
        assert_eq!(link(previous, &entry), keccak256(&expected));
    }

    #[test]
    fn any_change_to_an_entry_or_the_order_changes_the_head() {
        let (a, b) = (BidderId::parse("twitch:1").unwrap(), BidderId::parse("twitch:2").unwrap());
        let entry = |bidder, amount: u128, at| ChainEntry {
            kind: EntryKind::Accepted,
            bidder,
            wallet: Address::ZERO,
            amount: Wei::from(amount),
            received_at_unix_millis: at,
        };
        let original = head(LotId(1), [entry(&a, 10, 1), entry(&b, 11, 2)]);
        assert_ne!(original, head(LotId(1), [entry(&b, 11, 2), entry(&a, 10, 1)]));
        assert_ne!(original, head(LotId(1), [entry(&a, 10, 1), entry(&b, 12, 2)]));
        assert_ne!(original, head(LotId(1), [entry(&a, 10, 1), entry(&a, 11, 2)]));
        assert_ne!(original, head(LotId(1), [entry(&a, 10, 1)]));
        assert_ne!(original, head(LotId(2), [entry(&a, 10, 1), entry(&b, 11, 2)]));
    }
}
