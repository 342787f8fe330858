//! Identifiers. Each is its own type so that a lot id can never be passed where a marathon id
//! belongs, and the ones that arrive as text are validated once, here.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

row_id!(
    /// A marathon's database id.
    MarathonId
);
row_id!(
    /// A lot's id, which is also the token id minted for it on chain.
    LotId
);
row_id!(
    /// A decided bid's database id.
    BidId
);

/// A chat identity: `platform:user_id`, where the user id is the platform's stable id (a rename
/// changes the login, never this).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ts_rs::TS)]
#[serde(transparent)]
pub struct BidderId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a bidder id is `platform:user_id` (at most 128 characters): the platform in lower-case letters and digits, the user id in letters, digits, '_' or '-'"
)]
pub struct InvalidBidderId;

impl BidderId {
    /// The one way a bidder id is made from its parts: `platform:user_id`, checked as `parse`
    /// checks it.
    pub fn of(platform: &str, user_id: &str) -> Result<Self, InvalidBidderId> {
        BidderId::parse(&format!("{platform}:{user_id}"))
    }

    pub fn parse(text: &str) -> Result<Self, InvalidBidderId> {
        let (platform, user) = text.split_once(':').ok_or(InvalidBidderId)?;
        let platform_ok = !platform.is_empty() && platform.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let user_ok = !user.is_empty() && user.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if platform_ok && user_ok && text.len() <= 128 { Ok(BidderId(text.to_owned())) } else { Err(InvalidBidderId) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BidderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for BidderId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        BidderId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bidder_id_is_made_from_its_parts_by_the_same_rules() {
        assert_eq!(BidderId::of("twitch", "1004"), BidderId::parse("twitch:1004"));
        assert_eq!(BidderId::of("twitch", "a:b"), Err(InvalidBidderId), "a user id cannot smuggle a second part");
        assert_eq!(BidderId::of("", "1004"), Err(InvalidBidderId));
    }

    #[test]
    fn bidder_ids_are_platform_and_stable_user_id() {
        assert_eq!(BidderId::parse("twitch:123456").map(|id| id.to_string()), Ok("twitch:123456".into()));
        assert_eq!(BidderId::parse("youtube:UC_x-9"), Ok(BidderId("youtube:UC_x-9".into())));
        for bad in ["twitch", ":1", "twitch:", "Twitch:1", "twitch:1:2", "twitch:a b", "x:١"] {
            assert_eq!(BidderId::parse(bad), Err(InvalidBidderId), "{bad}");
        }
    }
}
