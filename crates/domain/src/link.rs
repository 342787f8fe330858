//! Linking a chat identity to the wallet that holds its escrow.
//!
//! A viewer deposits into the house with a commitment `keccak256(abi.encode(string handle,
//! string secret, address depositor))`, where the handle is `platform:login` in lower case and
//! the depositor is the depositing wallet itself, then types `!link <secret>` in chat. Gavel
//! computes the commitment from the login of whoever typed it and from each candidate wallet,
//! and binds only a wallet whose own deposit carries the commitment computed for that wallet:
//! - a secret seen in chat is useless to anyone else (their login gives another commitment);
//! - a commitment copied from public calldata by another wallet binds nothing (it was computed
//!   for the first wallet), and the house never refuses a deposit because of its commitment,
//!   so a copier cannot block the owner's deposit either.

use alloy_primitives::{Address, B256, keccak256};
use alloy_sol_types::SolValue;

/// The commitment of a top-up from a linked wallet: it binds nothing, as no handle and secret
/// hash to it.
pub const TOP_UP: B256 = B256::ZERO;

/// The longest secret accepted: generous for a generated one, short enough for a chat line.
pub const MAX_SECRET_LEN: usize = 128;

/// `platform:login`, lower case: the handle a commitment is computed over. The login is taken
/// as a viewer types it on the page: trimmed, with one leading `@` removed.
pub fn handle(platform: &str, login: &str) -> String {
    let login = login.trim();
    let login = login.strip_prefix('@').unwrap_or(login);
    format!("{platform}:{login}").to_lowercase()
}

/// `keccak256(abi.encode(handle, secret, depositor))`.
pub fn commitment(handle: &str, secret: &str, depositor: Address) -> B256 {
    keccak256((handle.to_owned(), secret.to_owned(), depositor).abi_encode_params())
}

/// A credited deposit as the link resolver sees it: who sent it and the commitment it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommittedDeposit {
    pub wallet: Address,
    pub commitment: B256,
}

/// The wallet that `!link <secret>` typed by `handle` binds: the first, in the order given
/// (the order the deposits were credited), whose own deposit carries the commitment computed
/// for that very wallet. `None` when no deposit does.
pub fn resolve_link(handle: &str, secret: &str, deposits: &[CommittedDeposit]) -> Option<Address> {
    deposits.iter().find(|deposit| deposit.commitment == commitment(handle, secret, deposit.wallet)).map(|deposit| deposit.wallet)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{U256, address};
    use proptest::prelude::*;

    use super::*;

    const ALICE: Address = address!("00000000000000000000000000000000000a11ce");
    const MALLORY: Address = address!("000000000000000000000000000000000000bad0");

    #[test]
    fn the_handle_is_platform_and_login_in_lower_case() {
        assert_eq!(handle("twitch", "Alice_99"), "twitch:alice_99");
        assert_eq!(handle("twitch", "  @Alice "), "twitch:alice");
    }

    #[test]
    fn the_commitment_hashes_the_abi_encoding_of_both_strings_and_the_depositor() {
        // abi.encode(string, string, address): two offsets and the address, then each string's
        // length and padded bytes.
        let mut expected = Vec::new();
        expected.extend_from_slice(&U256::from(96).to_be_bytes::<32>());
        expected.extend_from_slice(&U256::from(160).to_be_bytes::<32>());
        let mut word = [0u8; 32];
        word[12..].copy_from_slice(ALICE.as_slice());
        expected.extend_from_slice(&word);
        expected.extend_from_slice(&U256::from(8).to_be_bytes::<32>());
        let mut word = [0u8; 32];
        word[..8].copy_from_slice(b"twitch:a");
        expected.extend_from_slice(&word);
        expected.extend_from_slice(&U256::from(3).to_be_bytes::<32>());
        let mut word = [0u8; 32];
        word[..3].copy_from_slice(b"s3c");
        expected.extend_from_slice(&word);
        assert_eq!(commitment("twitch:a", "s3c", ALICE), keccak256(&expected));
    }

    #[test]
    fn the_commitment_matches_the_one_the_contract_tests_compute() {
        // contracts/test/Deposit.t.sol checks the same vector with Solidity's abi.encode.
        assert_eq!(
            format!("{:#x}", commitment("twitch:alice", "correct horse battery staple", ALICE)),
            "0xe98162b61c095a187fcf367cdb985e97829fa130a66f5ec849c78f2e47a13c3b"
        );
    }

    #[test]
    fn another_handle_or_depositor_gives_another_commitment() {
        assert_ne!(commitment("twitch:alice", "s3cret", ALICE), commitment("twitch:mallory", "s3cret", ALICE));
        assert_ne!(commitment("twitch:alice", "s3cret", ALICE), commitment("twitch:alice", "s3cret", MALLORY));
    }

    #[test]
    fn a_copied_commitment_binds_nothing_and_the_owner_still_links() {
        let alices = commitment("twitch:alice", "s3cret", ALICE);
        // Mallory copied Alice's commitment from calldata and deposited first.
        let deposits = [CommittedDeposit { wallet: MALLORY, commitment: alices }, CommittedDeposit { wallet: ALICE, commitment: alices }];
        assert_eq!(resolve_link("twitch:alice", "s3cret", &deposits), Some(ALICE));
        assert_eq!(resolve_link("twitch:mallory", "s3cret", &deposits), None);
        assert_eq!(resolve_link("twitch:alice", "s3cret", &deposits[..1]), None);
    }

    #[test]
    fn a_mistyped_handle_is_mended_by_a_new_deposit() {
        let typo = CommittedDeposit { wallet: ALICE, commitment: commitment("twitch:alcie", "s3cret", ALICE) };
        assert_eq!(resolve_link("twitch:alice", "s3cret", &[typo]), None);
        let mended = CommittedDeposit { wallet: ALICE, commitment: commitment("twitch:alice", "n3w", ALICE) };
        assert_eq!(resolve_link("twitch:alice", "n3w", &[typo, mended]), Some(ALICE));
    }

    fn wallet(index: u8) -> Address {
        Address::with_last_byte(index + 1)
    }

    proptest! {
        /// Whatever deposits exist (each carrying a commitment computed for some wallet, its own
        /// or copied from another's), a link never binds a wallet unless one of its own deposits
        /// carries the commitment computed for it.
        #[test]
        fn a_link_never_binds_a_wallet_whose_deposits_carry_only_others_commitments(
            deposits in proptest::collection::vec((0u8..4, 0u8..4, 0u8..3, 0u8..3), 0..12),
            typed in (0u8..3, 0u8..3),
        ) {
            let logins = ["alice", "bob", "mallory"];
            let secrets = ["s1", "s2", "s3"];
            // (sender, the wallet the commitment was computed for, login, secret)
            let committed: Vec<CommittedDeposit> = deposits
                .iter()
                .map(|&(sender, computed_for, login, secret)| CommittedDeposit {
                    wallet: wallet(sender),
                    commitment: commitment(&handle("twitch", logins[login as usize]), secrets[secret as usize], wallet(computed_for)),
                })
                .collect();
            let typed_handle = handle("twitch", logins[typed.0 as usize]);
            let typed_secret = secrets[typed.1 as usize];
            let bound = resolve_link(&typed_handle, typed_secret, &committed);
            let own = |w: Address| deposits.iter().any(|&(sender, computed_for, login, secret)| {
                wallet(sender) == w && computed_for == sender && login == typed.0 && secret == typed.1
            });
            match bound {
                Some(w) => prop_assert!(own(w), "bound {w} without its own commitment"),
                None => prop_assert!(!(0u8..4).any(|i| own(wallet(i))), "a wallet with its own commitment was not bound"),
            }
            // The first such wallet in credit order wins.
            if let Some(w) = bound {
                let first = deposits.iter().find(|&&(sender, computed_for, login, secret)| computed_for == sender && login == typed.0 && secret == typed.1);
                prop_assert_eq!(first.map(|&(sender, ..)| wallet(sender)), Some(w));
            }
        }
    }
}
