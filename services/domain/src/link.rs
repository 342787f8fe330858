//! Linking a chat identity to the wallet that holds its escrow.
//!
//! A viewer deposits into the house with a commitment `keccak256(abi.encode(string handle,
//! string secret))`, where the handle is `platform:login` in lower case, then types
//! `!link <secret>` in chat. Gavel computes the commitment from the login of whoever typed it,
//! so a secret seen in chat is useless to anyone else, and the house lets only the first wallet
//! that deposited with a commitment use it, so a copied commitment cannot claim the link.

use alloy_primitives::{B256, keccak256};
use alloy_sol_types::SolValue;

/// The longest secret accepted: generous for a generated one, short enough for a chat line.
pub const MAX_SECRET_LEN: usize = 128;

/// `platform:login`, lower case: the handle a commitment is computed over.
pub fn handle(platform: &str, login: &str) -> String {
    format!("{platform}:{login}").to_lowercase()
}

/// `keccak256(abi.encode(handle, secret))`.
pub fn commitment(handle: &str, secret: &str) -> B256 {
    keccak256((handle.to_owned(), secret.to_owned()).abi_encode_params())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;

    use super::*;

    #[test]
    fn the_handle_is_platform_and_login_in_lower_case() {
        assert_eq!(handle("twitch", "Alice_99"), "twitch:alice_99");
    }

    #[test]
    fn the_commitment_hashes_the_abi_encoding_of_both_strings() {
        // abi.encode(string, string): two offsets, then each string's length and padded bytes.
        let mut expected = Vec::new();
        expected.extend_from_slice(&U256::from(64).to_be_bytes::<32>());
        expected.extend_from_slice(&U256::from(128).to_be_bytes::<32>());
        expected.extend_from_slice(&U256::from(8).to_be_bytes::<32>());
        let mut word = [0u8; 32];
        word[..8].copy_from_slice(b"twitch:a");
        expected.extend_from_slice(&word);
        expected.extend_from_slice(&U256::from(3).to_be_bytes::<32>());
        let mut word = [0u8; 32];
        word[..3].copy_from_slice(b"s3c");
        expected.extend_from_slice(&word);
        assert_eq!(commitment("twitch:a", "s3c"), keccak256(&expected));
    }

    #[test]
    fn the_commitment_matches_the_one_the_contract_tests_compute() {
        // contracts/test/Deposit.t.sol checks the same vector with Solidity's abi.encode.
        assert_eq!(
            format!("{:#x}", commitment("twitch:alice", "correct horse battery staple")),
            "0xc1c2db4dc743c23a9ffa5ca78f11fa0dec685c4337c4c92dd9327beade127888"
        );
    }

    #[test]
    fn another_handle_with_the_same_secret_gives_another_commitment() {
        assert_ne!(commitment("twitch:alice", "s3cret"), commitment("twitch:mallory", "s3cret"));
    }
}
