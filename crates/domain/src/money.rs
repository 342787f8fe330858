//! Money is exact: every amount is a whole number of wei held in a `U256`.
//!
//! Two textual forms exist and both are parsed strictly, because they come from outside:
//! chat writes decimal ETH (`0.05`, `.5`, `1`, `0.05eth`), while JSON and SQL carry decimal wei
//! strings (`"50000000000000000"`). Anything else is an [`AmountError`] a person can read.

use std::fmt;

use alloy_primitives::U256;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Decimal places of ETH: 1 ETH = 10^18 wei.
const ETH_DECIMALS: usize = 18;
/// Basis points in a whole: 10 000 bps = 100 %.
const BPS_SCALE: u64 = 10_000;

/// An amount of wei. Its field is private: the only ways in are the validating parsers and
/// exact arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Wei(U256);

/// Why a piece of text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("no amount given: write it like 0.05")]
    Empty,
    #[error("amounts can't be negative")]
    Negative,
    #[error("write the amount as plain decimal ETH like 0.05, not in scientific notation")]
    Exponent,
    #[error("write the amount as decimal ETH like 0.05, not in hex")]
    Hex,
    #[error("'{0}' is not allowed in an amount: use digits 0-9 and one '.' like 0.05")]
    InvalidCharacter(char),
    #[error("an amount has at most 18 decimals (1 wei)")]
    TooManyDecimals,
    #[error("that amount is too large")]
    TooLarge,
    #[error("a wei amount is a whole number: no decimal point")]
    FractionalWei,
}

impl Wei {
    pub const ZERO: Wei = Wei(U256::ZERO);

    pub const fn as_u256(&self) -> U256 {
        self.0
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Parses chat-style decimal ETH: digits with at most one `.` and at most 18 decimals, an
    /// optional `eth` suffix (any case), surrounding white space ignored.
    pub fn parse_eth(text: &str) -> Result<Self, AmountError> {
        let trimmed = text.trim();
        let number = strip_suffix_ignore_case(trimmed, "eth").map_or(trimmed, str::trim_end);
        let (whole, fraction) = match number.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (number, ""),
        };
        check_digits(number, whole, fraction)?;
        if whole.is_empty() && fraction.is_empty() {
            return Err(AmountError::Empty);
        }
        if fraction.len() > ETH_DECIMALS {
            return Err(AmountError::TooManyDecimals);
        }
        let padded = format!("{whole}{fraction:0<width$}", width = ETH_DECIMALS);
        parse_digits(&padded).map(Wei)
    }

    /// Parses a whole number of wei written in decimal, as JSON and SQL carry it.
    pub fn parse_wei(text: &str) -> Result<Self, AmountError> {
        if text.contains('.') {
            return Err(AmountError::FractionalWei);
        }
        check_digits(text, text, "")?;
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        parse_digits(text).map(Wei)
    }

    /// Decimal ETH with no trailing zeros, as people read it (`0.05`, `1`, `0.000000000000000001`).
    pub fn to_eth_string(&self) -> String {
        let digits = self.0.to_string();
        let padded = format!("{digits:0>width$}", width = ETH_DECIMALS + 1);
        let (whole, fraction) = padded.split_at(padded.len() - ETH_DECIMALS);
        let fraction = fraction.trim_end_matches('0');
        if fraction.is_empty() { whole.to_owned() } else { format!("{whole}.{fraction}") }
    }

    pub fn saturating_add(self, other: Wei) -> Wei {
        Wei(self.0.saturating_add(other.0))
    }

    pub fn saturating_sub(self, other: Wei) -> Wei {
        Wei(self.0.saturating_sub(other.0))
    }

    /// `self × bps / 10 000`, rounded down, computed without intermediate overflow.
    pub fn mul_bps_floor(self, bps: u32) -> Wei {
        let scale = U256::from(BPS_SCALE);
        let bps = U256::from(bps);
        let (quotient, remainder) = self.0.div_rem(scale);
        Wei(quotient.saturating_mul(bps).saturating_add(remainder * bps / scale))
    }
}

/// Any uint256 is a wei amount: what the chain reports needs no parsing.
impl From<U256> for Wei {
    fn from(value: U256) -> Self {
        Wei(value)
    }
}

impl From<u128> for Wei {
    fn from(value: u128) -> Self {
        Wei(U256::from(value))
    }
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let split = text.len().checked_sub(suffix.len())?;
    let tail = text.get(split..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..split])
}

/// Names the first thing that makes `number` (made of `whole` and `fraction`) not a plain decimal.
fn check_digits(number: &str, whole: &str, fraction: &str) -> Result<(), AmountError> {
    if number.starts_with('-') {
        return Err(AmountError::Negative);
    }
    if number.starts_with("0x") || number.starts_with("0X") {
        return Err(AmountError::Hex);
    }
    if let Some(bad) = whole.chars().chain(fraction.chars()).find(|c| !c.is_ascii_digit()) {
        return Err(match bad {
            'e' | 'E' => AmountError::Exponent,
            other => AmountError::InvalidCharacter(other),
        });
    }
    Ok(())
}

fn parse_digits(digits: &str) -> Result<U256, AmountError> {
    // U256::MAX has 78 digits; more significant digits than that cannot fit.
    let significant = digits.trim_start_matches('0');
    if significant.len() > 78 {
        return Err(AmountError::TooLarge);
    }
    if significant.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(significant, 10).map_err(|_| AmountError::TooLarge)
}

impl fmt::Display for Wei {
    /// Shown to people as ETH; the wire form (JSON, SQL) is the decimal wei string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ETH", self.to_eth_string())
    }
}

/// In TypeScript, as in JSON, a decimal string of wei.
impl ts_rs::TS for Wei {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
    fn inline(cfg: &ts_rs::Config) -> String {
        Self::name(cfg)
    }
}

impl Serialize for Wei {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Wei {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WeiVisitor;
        impl serde::de::Visitor<'_> for WeiVisitor {
            type Value = Wei;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of wei as a decimal string, like \"50000000000000000\"")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Wei, E> {
                Wei::parse_wei(text).map_err(|error| {
                    let problem = match error {
                        AmountError::Empty => "it is empty".to_owned(),
                        AmountError::Negative => "it is negative".to_owned(),
                        AmountError::Exponent => "scientific notation is not accepted".to_owned(),
                        AmountError::Hex => "hex is not accepted".to_owned(),
                        AmountError::InvalidCharacter(c) => format!("'{c}' is not a digit"),
                        AmountError::TooManyDecimals | AmountError::FractionalWei => "wei has no fractions".to_owned(),
                        AmountError::TooLarge => "it does not fit in 256 bits".to_owned(),
                    };
                    E::custom(format_args!("{problem}: expected a whole number of wei as a decimal string, like \"50000000000000000\""))
                })
            }
        }
        deserializer.deserialize_str(WeiVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eth(text: &str) -> Result<Wei, AmountError> {
        Wei::parse_eth(text)
    }

    /// The corpus the viewer page's TypeScript parser runs too (dashboard/src/shared/wei.test.ts):
    /// one set of amount strings, with the wei each means or the error it is refused with.
    #[test]
    fn parses_the_shared_corpus_of_amounts_as_the_viewer_page_does() {
        let corpus: serde_json::Value = serde_json::from_str(include_str!("../testdata/eth-amounts.json")).expect("corpus");
        let cases = corpus["cases"].as_array().expect("cases");
        assert!(cases.len() > 20);
        for case in cases {
            let input = case["input"].as_str().expect("input");
            let parsed = eth(input);
            match (case["wei"].as_str(), case["error"].as_str(), parsed) {
                (Some(wei), None, Ok(parsed)) => assert_eq!(parsed.as_u256().to_string(), wei, "{input:?}"),
                (None, Some(code), Err(error)) => {
                    let actual = match error {
                        AmountError::Empty => "empty",
                        AmountError::Negative => "negative",
                        AmountError::Exponent => "exponent",
                        AmountError::Hex => "hex",
                        AmountError::InvalidCharacter(_) => "invalid_character",
                        AmountError::TooManyDecimals => "too_many_decimals",
                        AmountError::TooLarge => "too_large",
                        AmountError::FractionalWei => "fractional_wei",
                    };
                    assert_eq!(actual, code, "{input:?}");
                }
                (_, _, parsed) => panic!("{input:?}: the corpus says {case}, the parser {parsed:?}"),
            }
        }
    }

    #[test]
    fn parses_the_chat_forms_of_an_amount() {
        let five_hundredths = Wei::from(50_000_000_000_000_000u128);
        assert_eq!(eth("0.05"), Ok(five_hundredths));
        assert_eq!(eth("0.05eth"), Ok(five_hundredths));
        assert_eq!(eth(" 0.05 ETH "), Ok(five_hundredths));
        assert_eq!(eth(".5"), Ok(Wei::from(500_000_000_000_000_000u128)));
        assert_eq!(eth("1"), Ok(Wei::from(1_000_000_000_000_000_000u128)));
        assert_eq!(eth("0.000000000000000001"), Ok(Wei::from(1u128)));
    }

    #[test]
    fn rejects_each_malformed_amount_with_its_reason() {
        assert_eq!(eth("1e3"), Err(AmountError::Exponent));
        assert_eq!(eth("-1"), Err(AmountError::Negative));
        assert_eq!(eth("0x10"), Err(AmountError::Hex));
        assert_eq!(eth("١٢"), Err(AmountError::InvalidCharacter('١')));
        assert_eq!(eth("NaN"), Err(AmountError::InvalidCharacter('N')));
        assert_eq!(eth(&"9".repeat(80)), Err(AmountError::TooLarge));
        assert_eq!(eth("0.0000000000000000001"), Err(AmountError::TooManyDecimals));
        assert_eq!(eth("1.2.3"), Err(AmountError::InvalidCharacter('.')));
        assert_eq!(eth(""), Err(AmountError::Empty));
        assert_eq!(eth("."), Err(AmountError::Empty));
        assert_eq!(eth("eth"), Err(AmountError::Empty));
        assert_eq!(eth("+1"), Err(AmountError::InvalidCharacter('+')));
        assert_eq!(eth("1,5"), Err(AmountError::InvalidCharacter(',')));
    }

    #[test]
    fn wei_strings_are_whole_decimal_numbers() {
        assert_eq!(Wei::parse_wei("12"), Ok(Wei::from(12u128)));
        assert_eq!(Wei::parse_wei("1.5"), Err(AmountError::FractionalWei));
        assert_eq!(Wei::parse_wei("-5"), Err(AmountError::Negative));
        assert_eq!(Wei::parse_wei("1e3"), Err(AmountError::Exponent));
        assert_eq!(Wei::parse_wei(&U256::MAX.to_string()), Ok(Wei(U256::MAX)));
        assert_eq!(Wei::parse_wei(&format!("{}0", U256::MAX)), Err(AmountError::TooLarge));
        assert_eq!(
            Wei::parse_wei("115792089237316195423570985008687907853269984665640564039457584007913129639936"),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn json_carries_wei_as_a_string_and_refuses_numbers() {
        let wei: Wei = serde_json::from_str("\"123\"").unwrap();
        assert_eq!(serde_json::to_string(&wei).unwrap(), "\"123\"");
        assert!(serde_json::from_str::<Wei>("123").is_err());
        let error = serde_json::from_str::<Wei>("\"1e3\"").unwrap_err().to_string();
        assert!(error.starts_with("scientific notation is not accepted: expected a whole number of wei"), "{error}");
    }

    #[test]
    fn basis_points_round_down_exactly() {
        assert_eq!(Wei::from(10_001u128).mul_bps_floor(500), Wei::from(500u128));
        assert_eq!(Wei::from(19_999u128).mul_bps_floor(1), Wei::from(1u128));
        let max = Wei(U256::MAX);
        assert_eq!(max.mul_bps_floor(10_000), max);
    }

    proptest! {
        #[test]
        fn eth_text_round_trips(raw in any::<u128>()) {
            let wei = Wei::from(raw);
            prop_assert_eq!(Wei::parse_eth(&wei.to_eth_string()), Ok(wei));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,100}") {
            let _ = Wei::parse_eth(&text);
            let _ = Wei::parse_wei(&text);
        }
    }
}
