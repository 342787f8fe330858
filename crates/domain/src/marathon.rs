//! A marathon: one lot a day for a number of days, and the rules its bids follow.
//!
//! [`MarathonSpec`] is the wire form (JSON bodies, database columns); [`MarathonConfig`] is the
//! validated form the rest of Gavel works with. The only way from one to the other is
//! [`MarathonConfig::parse`], which names the first field that is wrong.

use alloy_primitives::Address;
use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::Wei;

/// Longest marathon accepted: a year of daily lots.
pub const MAX_DAYS: u32 = 366;
const SECONDS_PER_DAY: u32 = 24 * 60 * 60;
const MAX_BPS: u32 = 10_000;

/// What happens to a lot's token when nobody bids (or a lot is cancelled after minting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NoSalePolicy {
    Burn,
    KeepInTreasury,
}

impl NoSalePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            NoSalePolicy::Burn => "burn",
            NoSalePolicy::KeepInTreasury => "keep_in_treasury",
        }
    }
}

/// A marathon as JSON and SQL carry it: plain values, validated by [`MarathonConfig::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct MarathonSpec {
    pub name: String,
    pub first_day: NaiveDate,
    pub days: u32,
    /// IANA time zone name, e.g. `Europe/Paris`.
    pub time_zone: String,
    /// Local time of day at which each lot opens, e.g. `20:00`.
    pub opening_time: NaiveTime,
    pub lot_duration_secs: u32,
    pub reserve_wei: Wei,
    pub increment_bps: u32,
    pub min_increment_wei: Wei,
    pub anti_snipe_window_secs: u32,
    pub anti_snipe_extension_secs: u32,
    pub anti_snipe_max_extensions: u32,
    #[serde(default)]
    pub allow_self_outbid: bool,
    pub no_sale: NoSalePolicy,
    #[serde(default)]
    pub chat_channels: Vec<String>,
    #[serde(default)]
    #[ts(type = "string | null")]
    pub auction_house: Option<Address>,
    /// The overlay shows the viewer page's address (`http.public_url`) with a QR code for it.
    #[serde(default)]
    pub show_join_qr: bool,
}

/// A field of the input and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: &'static str,
    pub problem: String,
}

impl FieldError {
    pub fn new(field: &'static str, problem: impl Into<String>) -> Self {
        FieldError { field, problem: problem.into() }
    }
}

/// Anti-snipe: an accepted bid received within `window` before the end moves the end to
/// `max(end, received + extension)`, at most `max_extensions` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AntiSnipe {
    pub window: TimeDelta,
    pub extension: TimeDelta,
    pub max_extensions: u32,
}

/// The rules every bid of a marathon is judged by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidRules {
    pub reserve: Wei,
    pub increment_bps: u32,
    pub min_increment: Wei,
    pub anti_snipe: AntiSnipe,
    pub allow_self_outbid: bool,
}

impl BidRules {
    /// The least a bid must be to beat `high`: high + max(high × bps / 10 000, absolute floor).
    pub fn minimum_over(&self, high: Wei) -> Wei {
        let step = high.mul_bps_floor(self.increment_bps).max(self.min_increment);
        high.saturating_add(step)
    }
}

/// A chat channel is `platform:name` (`twitch:gavel`, `sim:demo`): chat sources match bids to
/// marathons by it, so a bare `gavel` would never match one.
fn check_channel(channel: &str) -> Result<(), FieldError> {
    let fit = |part: &str, extra: &[u8]| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b));
    match channel.split_once(':') {
        Some((platform, name)) if channel.len() <= 100 && fit(platform, b"_-") && fit(name, b"_-:#") => Ok(()),
        Some(_) | None if channel.len() <= 100 && fit(channel, b"_-#") => Err(FieldError::new(
            "chat_channels",
            format!("'{channel}' has no platform: write it as platform:channel, e.g. twitch:{channel}"),
        )),
        _ => Err(FieldError::new(
            "chat_channels",
            format!("'{channel}' is not platform:channel (letters, digits, '_', '-' and '#', at most 100 characters)"),
        )),
    }
}

/// A validated marathon.
#[derive(Debug, Clone, PartialEq)]
pub struct MarathonConfig {
    pub name: String,
    pub first_day: NaiveDate,
    pub days: u32,
    pub time_zone: Tz,
    pub opening_time: NaiveTime,
    pub lot_duration: TimeDelta,
    pub rules: BidRules,
    pub no_sale: NoSalePolicy,
    pub chat_channels: Vec<String>,
    pub auction_house: Option<Address>,
    pub show_join_qr: bool,
}

impl MarathonConfig {
    pub fn parse(spec: MarathonSpec) -> Result<Self, FieldError> {
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(FieldError::new("name", "must be 1 to 200 characters"));
        }
        if spec.days == 0 || spec.days > MAX_DAYS {
            return Err(FieldError::new("days", format!("must be between 1 and {MAX_DAYS}")));
        }
        let time_zone: Tz = spec.time_zone.parse().map_err(|_| {
            FieldError::new("time_zone", format!("unknown time zone '{}': use an IANA name such as Europe/Paris", spec.time_zone))
        })?;
        if spec.lot_duration_secs == 0 || spec.lot_duration_secs > SECONDS_PER_DAY {
            return Err(FieldError::new("lot_duration_secs", "must be between 1 and 86400 (one lot a day)"));
        }
        if spec.increment_bps > MAX_BPS {
            return Err(FieldError::new("increment_bps", "must be between 0 and 10000 (100 %)"));
        }
        if spec.reserve_wei.is_zero() {
            return Err(FieldError::new("reserve_wei", "must be at least 1 wei: a bid of nothing cannot win"));
        }
        if spec.min_increment_wei.is_zero() {
            return Err(FieldError::new("min_increment_wei", "must be at least 1 wei, so every new bid raises the price"));
        }
        if spec.anti_snipe_window_secs > spec.lot_duration_secs {
            return Err(FieldError::new("anti_snipe_window_secs", "must not be longer than the lot"));
        }
        if spec.anti_snipe_extension_secs > SECONDS_PER_DAY {
            return Err(FieldError::new("anti_snipe_extension_secs", "must be at most 86400"));
        }
        if spec.anti_snipe_max_extensions > 1_000 {
            return Err(FieldError::new("anti_snipe_max_extensions", "must be at most 1000"));
        }
        for channel in &spec.chat_channels {
            let fit =
                !channel.is_empty() && channel.len() <= 100 && channel.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-:#".contains(&b));
            if !fit {
                return Err(FieldError::new(
                    "chat_channels",
                    format!("'{channel}' is not a channel name (letters, digits, '_', '-', ':', '#')"),
                ));
            }
        }
        let last_day = spec.first_day.checked_add_days(Days::new(u64::from(spec.days - 1)));
        if last_day.is_none() {
            return Err(FieldError::new("first_day", "the marathon would run past the calendar's end"));
        }
        Ok(MarathonConfig {
            name: name.to_owned(),
            first_day: spec.first_day,
            days: spec.days,
            time_zone,
            opening_time: spec.opening_time,
            lot_duration: TimeDelta::seconds(i64::from(spec.lot_duration_secs)),
            rules: BidRules {
                reserve: spec.reserve_wei,
                increment_bps: spec.increment_bps,
                min_increment: spec.min_increment_wei,
                anti_snipe: AntiSnipe {
                    window: TimeDelta::seconds(i64::from(spec.anti_snipe_window_secs)),
                    extension: TimeDelta::seconds(i64::from(spec.anti_snipe_extension_secs)),
                    max_extensions: spec.anti_snipe_max_extensions,
                },
                allow_self_outbid: spec.allow_self_outbid,
            },
            no_sale: spec.no_sale,
            chat_channels: spec.chat_channels,
            auction_house: spec.auction_house,
            show_join_qr: spec.show_join_qr,
        })
    }

    pub fn to_spec(&self) -> MarathonSpec {
        let secs = |delta: TimeDelta| u32::try_from(delta.num_seconds()).unwrap_or(u32::MAX);
        MarathonSpec {
            name: self.name.clone(),
            first_day: self.first_day,
            days: self.days,
            time_zone: self.time_zone.name().to_owned(),
            opening_time: self.opening_time,
            lot_duration_secs: secs(self.lot_duration),
            reserve_wei: self.rules.reserve,
            increment_bps: self.rules.increment_bps,
            min_increment_wei: self.rules.min_increment,
            anti_snipe_window_secs: secs(self.rules.anti_snipe.window),
            anti_snipe_extension_secs: secs(self.rules.anti_snipe.extension),
            anti_snipe_max_extensions: self.rules.anti_snipe.max_extensions,
            allow_self_outbid: self.rules.allow_self_outbid,
            no_sale: self.no_sale,
            chat_channels: self.chat_channels.clone(),
            auction_house: self.auction_house,
            show_join_qr: self.show_join_qr,
        }
    }

    /// A new (or rescheduled) marathon starts today or later in its own time zone: a first day in
    /// the past is a typing slip, and its lots could never open as announced.
    pub fn check_first_day(&self, now: DateTime<Utc>) -> Result<(), FieldError> {
        let today = now.with_timezone(&self.time_zone).date_naive();
        if self.first_day < today {
            return Err(FieldError::new("first_day", format!("must be today ({today} in {}) or later", self.time_zone.name())));
        }
        Ok(())
    }

    /// Rules for what an admin types now, beyond what every stored marathon satisfies (they came
    /// later, and a marathon stored before them must still load): an anti-snipe window needs an
    /// extension.
    pub fn check_anti_snipe(&self) -> Result<(), FieldError> {
        let anti_snipe = &self.rules.anti_snipe;
        if anti_snipe.window > TimeDelta::zero() && anti_snipe.extension.is_zero() {
            return Err(FieldError::new(
                "anti_snipe_extension_secs",
                "must be at least 1 second while the anti-snipe window is on (a window of 0 turns anti-snipe off)",
            ));
        }
        Ok(())
    }

    /// As `check_anti_snipe`: each chat channel names its platform.
    pub fn check_channels(&self) -> Result<(), FieldError> {
        self.chat_channels.iter().try_for_each(|channel| check_channel(channel))
    }

    /// The scheduled window of the lot on day `day_index` (0-based): it opens at the daily
    /// opening time in the marathon's time zone and lasts `lot_duration`.
    ///
    /// On a day whose opening time does not exist (a daylight-saving gap) the lot opens when
    /// the gap ends; on a day where it exists twice it opens at the first.
    pub fn lot_window(&self, day_index: u32) -> Result<(DateTime<Utc>, DateTime<Utc>), FieldError> {
        if day_index >= self.days {
            return Err(FieldError::new("day_index", format!("must be below the marathon's {} days", self.days)));
        }
        let day = self
            .first_day
            .checked_add_days(Days::new(u64::from(day_index)))
            .ok_or_else(|| FieldError::new("day_index", "is past the calendar's end"))?;
        let local = day.and_time(self.opening_time);
        let opens = match self.time_zone.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at,
            LocalResult::None => {
                // Gaps are at most an hour or two; the first existing minute after it is the opening.
                (1..=180)
                    .find_map(|minutes| self.time_zone.from_local_datetime(&(local + TimeDelta::minutes(minutes))).earliest())
                    .ok_or_else(|| FieldError::new("opening_time", "does not exist on that day in the marathon's time zone"))?
            }
        };
        let opens = opens.with_timezone(&Utc);
        let ends = opens.checked_add_signed(self.lot_duration).ok_or_else(|| FieldError::new("day_index", "is past the calendar's end"))?;
        Ok((opens, ends))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn spec() -> MarathonSpec {
        MarathonSpec {
            name: "Genesis week".into(),
            first_day: NaiveDate::from_ymd_opt(2026, 3, 28).unwrap(),
            days: 7,
            time_zone: "Europe/Paris".into(),
            opening_time: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
            lot_duration_secs: 3_600,
            reserve_wei: Wei::from(10_000_000_000_000_000u128),
            increment_bps: 500,
            min_increment_wei: Wei::from(1_000_000_000_000_000u128),
            anti_snipe_window_secs: 60,
            anti_snipe_extension_secs: 60,
            anti_snipe_max_extensions: 10,
            allow_self_outbid: false,
            no_sale: NoSalePolicy::Burn,
            chat_channels: vec!["twitch:gavel".into()],
            auction_house: None,
            show_join_qr: false,
        }
    }

    #[test]
    fn lots_open_at_the_local_time_each_day_across_daylight_saving() {
        let config = MarathonConfig::parse(spec()).unwrap();
        // 28 March 2026 is winter time in Paris (UTC+1).
        let (opens, ends) = config.lot_window(0).unwrap();
        assert_eq!(opens.to_rfc3339(), "2026-03-28T01:30:00+00:00");
        assert_eq!(ends - opens, TimeDelta::hours(1));
        // On 29 March 02:30 does not exist (clocks jump 02:00 → 03:00): the lot opens at 03:00 CEST.
        assert_eq!(config.lot_window(1).unwrap().0.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        // From then on it is summer time (UTC+2).
        assert_eq!(config.lot_window(2).unwrap().0.to_rfc3339(), "2026-03-30T00:30:00+00:00");
        assert!(config.lot_window(7).is_err());
    }

    #[test]
    fn each_invalid_field_is_named() {
        type BreakField = fn(&mut MarathonSpec);
        let cases: Vec<(BreakField, &str)> = vec![
            (|s| s.name = " ".into(), "name"),
            (|s| s.days = 0, "days"),
            (|s| s.time_zone = "Mars/Olympus".into(), "time_zone"),
            (|s| s.lot_duration_secs = 0, "lot_duration_secs"),
            (|s| s.increment_bps = 10_001, "increment_bps"),
            (|s| s.reserve_wei = Wei::ZERO, "reserve_wei"),
            (|s| s.min_increment_wei = Wei::ZERO, "min_increment_wei"),
            (|s| s.anti_snipe_window_secs = 3_601, "anti_snipe_window_secs"),
            (|s| s.chat_channels = vec!["bad channel".into()], "chat_channels"),
        ];
        for (break_it, field) in cases {
            let mut broken = spec();
            break_it(&mut broken);
            assert_eq!(MarathonConfig::parse(broken).unwrap_err().field, field);
        }
    }

    #[test]
    fn spec_round_trips_through_config() {
        let config = MarathonConfig::parse(spec()).unwrap();
        assert_eq!(config.to_spec(), spec());
    }

    #[test]
    fn the_minimum_increment_has_a_floor() {
        let rules = MarathonConfig::parse(spec()).unwrap().rules;
        // 5 % of 0.01 ETH is 0.0005 ETH, below the 0.001 ETH floor.
        assert_eq!(rules.minimum_over(Wei::from(10_000_000_000_000_000u128)), Wei::from(11_000_000_000_000_000u128));
        // 5 % of 1 ETH is 0.05 ETH, above the floor.
        assert_eq!(rules.minimum_over(Wei::from(10u128.pow(18))), Wei::from(1_050_000_000_000_000_000u128));
    }
}
