//! Chat text parsed into a typed command. Chat that is not one of Gavel's commands is ignored
//! (`None`); a command that is malformed gets a reason the viewer can read.

use gavel_domain::bidding::BidKind;
use gavel_domain::link::MAX_SECRET_LEN;
use gavel_domain::{AmountError, Wei};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCommand {
    /// `!bid 0.05` or `!bid max 0.5`.
    Bid(BidKind),
    /// `!status`: the lot, the high bid, the time left.
    Status,
    /// `!balance`: the viewer's bidding power.
    Balance,
    /// `!help`.
    Help,
    /// `!link <secret>`: bind this chat identity to the wallet that deposited with the
    /// commitment of (this identity's handle, secret).
    Link(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("say how much: !bid 0.05 (ETH), or !bid max 0.5 to bid automatically up to 0.5")]
    MissingAmount,
    #[error("{0}")]
    BadAmount(AmountError),
    #[error("a bid must be more than 0")]
    ZeroAmount,
    #[error("unexpected '{0}' after the amount: write just !bid 0.05")]
    TrailingText(String),
    #[error("type the secret you deposited with: !link <secret>")]
    MissingSecret,
    #[error("a secret is one word of at most {MAX_SECRET_LEN} characters")]
    BadSecret,
}

impl CommandError {
    /// The reply in chat: a bid's problem says the bid was not taken.
    pub fn reply(&self) -> String {
        match self {
            CommandError::MissingSecret | CommandError::BadSecret => format!("not linked: {self}"),
            _ => format!("bid not taken: {self}"),
        }
    }
}

/// Characters some chat clients append to dodge duplicate-message filters.
const INVISIBLE: &[char] = &['\u{E0000}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'];

impl ChatCommand {
    pub fn parse(text: &str) -> Option<Result<ChatCommand, CommandError>> {
        let cleaned: String = text.chars().filter(|c| !INVISIBLE.contains(c)).collect();
        let mut words = cleaned.split_whitespace();
        let command = words.next()?.strip_prefix('!')?.to_ascii_lowercase();
        let rest: Vec<&str> = words.collect();
        Some(match command.as_str() {
            "bid" => parse_bid(&rest),
            "status" => Ok(ChatCommand::Status),
            "balance" => Ok(ChatCommand::Balance),
            "help" => Ok(ChatCommand::Help),
            "link" => parse_link(&rest),
            _ => return None,
        })
    }
}

fn parse_link(words: &[&str]) -> Result<ChatCommand, CommandError> {
    match words {
        [] => Err(CommandError::MissingSecret),
        [secret] if secret.chars().count() <= MAX_SECRET_LEN => Ok(ChatCommand::Link((*secret).to_owned())),
        _ => Err(CommandError::BadSecret),
    }
}

fn parse_bid(words: &[&str]) -> Result<ChatCommand, CommandError> {
    let (is_max, words) = match words.split_first() {
        Some((first, rest)) if first.eq_ignore_ascii_case("max") => (true, rest),
        _ => (false, words),
    };
    let (amount, rest) = words.split_first().ok_or(CommandError::MissingAmount)?;
    // `!bid 0.05 eth` is as clear as `!bid 0.05eth`.
    let rest = match rest.split_first() {
        Some((unit, tail)) if unit.eq_ignore_ascii_case("eth") => tail,
        _ => rest,
    };
    if let Some(extra) = rest.first() {
        return Err(CommandError::TrailingText((*extra).chars().take(20).collect()));
    }
    let wei = Wei::parse_eth(amount).map_err(CommandError::BadAmount)?;
    if wei.is_zero() {
        return Err(CommandError::ZeroAmount);
    }
    Ok(ChatCommand::Bid(if is_max { BidKind::Max(wei) } else { BidKind::Plain(wei) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eth(text: &str) -> Wei {
        Wei::parse_eth(text).unwrap()
    }

    #[test]
    fn commands_parse_into_their_types() {
        assert_eq!(ChatCommand::parse("!bid 0.05"), Some(Ok(ChatCommand::Bid(BidKind::Plain(eth("0.05"))))));
        assert_eq!(ChatCommand::parse("  !BID .5eth "), Some(Ok(ChatCommand::Bid(BidKind::Plain(eth("0.5"))))));
        assert_eq!(ChatCommand::parse("!bid 1 eth"), Some(Ok(ChatCommand::Bid(BidKind::Plain(eth("1"))))));
        assert_eq!(ChatCommand::parse("!bid max 0.5"), Some(Ok(ChatCommand::Bid(BidKind::Max(eth("0.5"))))));
        assert_eq!(ChatCommand::parse("!bid 0.05\u{E0000}"), Some(Ok(ChatCommand::Bid(BidKind::Plain(eth("0.05"))))));
        assert_eq!(ChatCommand::parse("!status"), Some(Ok(ChatCommand::Status)));
        assert_eq!(ChatCommand::parse("!balance"), Some(Ok(ChatCommand::Balance)));
        assert_eq!(ChatCommand::parse("!help please"), Some(Ok(ChatCommand::Help)));
        assert_eq!(ChatCommand::parse("!link 9f2c-aa"), Some(Ok(ChatCommand::Link("9f2c-aa".into()))));
    }

    #[test]
    fn a_link_needs_exactly_one_short_secret() {
        assert_eq!(ChatCommand::parse("!link"), Some(Err(CommandError::MissingSecret)));
        assert_eq!(ChatCommand::parse("!link two words"), Some(Err(CommandError::BadSecret)));
        assert_eq!(ChatCommand::parse(&format!("!link {}", "x".repeat(MAX_SECRET_LEN + 1))), Some(Err(CommandError::BadSecret)));
        assert_eq!(CommandError::MissingSecret.reply(), "not linked: type the secret you deposited with: !link <secret>");
    }

    #[test]
    fn other_chat_is_ignored() {
        for text in ["hello", "", "   ", "bid 0.05", "! bid 0.05", "!bidx 1", "!linked secret", "gg !bid 0.05"] {
            assert_eq!(ChatCommand::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn every_bad_bid_gets_its_reason() {
        fn reason(text: &str) -> Option<CommandError> {
            ChatCommand::parse(text).and_then(Result::err)
        }
        assert_eq!(reason("!bid"), Some(CommandError::MissingAmount));
        assert_eq!(reason("!bid max"), Some(CommandError::MissingAmount));
        assert_eq!(reason("!bid 1e3"), Some(CommandError::BadAmount(AmountError::Exponent)));
        assert_eq!(reason("!bid -1"), Some(CommandError::BadAmount(AmountError::Negative)));
        assert_eq!(reason("!bid 0x10"), Some(CommandError::BadAmount(AmountError::Hex)));
        assert_eq!(reason("!bid ١٢"), Some(CommandError::BadAmount(AmountError::InvalidCharacter('١'))));
        assert_eq!(reason("!bid NaN"), Some(CommandError::BadAmount(AmountError::InvalidCharacter('N'))));
        assert_eq!(reason(&format!("!bid {}", "9".repeat(80))), Some(CommandError::BadAmount(AmountError::TooLarge)));
        assert_eq!(reason("!bid 0"), Some(CommandError::ZeroAmount));
        assert_eq!(reason("!bid 0.05 please"), Some(CommandError::TrailingText("please".into())));
        assert_eq!(reason("!bid 0,05"), Some(CommandError::BadAmount(AmountError::InvalidCharacter(','))));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in "\\PC{0,200}") {
            let _ = ChatCommand::parse(&text);
        }
    }
}
