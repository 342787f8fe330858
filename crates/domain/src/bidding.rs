//! Bid decisions: a bid against a lot, its marathon's rules and the bidders' standings becomes
//! ACCEPTED (with the lot as it is afterwards) or REJECTED with a reason a viewer can read.
//!
//! Proxy bids (`!bid max M`) follow one rule: a leader's proxy answers a challenge by raising to
//! the challenger's amount plus the minimum increment, capped at its max (and at what the leader
//! can still cover); at equal amounts the earlier bidder keeps the lead. Every amount recorded is
//! covered by its bidder's funds, so no accepted bid can be unpayable.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::lot::{HighBid, Lot, LotState, LotTransition};
use crate::marathon::BidRules;
use crate::{BidderId, Wei};

/// What a bidder asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "amount", rename_all = "snake_case")]
pub enum BidKind {
    /// `!bid 0.05`: exactly this amount.
    Plain(Wei),
    /// `!bid max 0.5`: the least amount that leads, raised automatically up to this ceiling.
    Max(Wei),
}

/// A bid as Gavel received it. `received_at` is Gavel's own stamp at ingest: bids are judged
/// by it, never by the platform's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bid {
    pub bidder: BidderId,
    pub kind: BidKind,
    pub received_at: DateTime<Utc>,
}

/// What a bidder can bid with in this lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BidderStanding {
    pub banned: bool,
    /// Escrow − pending withdrawals − what the bidder leads with or has won in *other* lots not
    /// yet completed. Their lead in this lot is not subtracted: raising it counts only the new amount.
    pub funds: Wei,
}

/// Where the standing of each bidder comes from (the database, in the engine).
pub trait Standings {
    /// `None` when the chat identity is not linked to a wallet.
    fn standing(&self, bidder: &BidderId) -> Option<BidderStanding>;
}

/// Everything besides the lot and the bid that a decision depends on.
pub struct DecisionContext<'a, S: Standings> {
    pub rules: &'a BidRules,
    /// Maintenance mode: bidding paused by an operator.
    pub paused: bool,
    pub standings: &'a S,
    /// When the decision is made; only used to tell whether an extension reopens the lot.
    pub now: DateTime<Utc>,
}

/// Why a bid was rejected. The `Display` text is what the viewer is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, ts_rs::TS)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Rejection {
    #[error("there is no lot to bid on here right now")]
    NoLot,
    #[error("bidding on this lot hasn't opened yet")]
    NotOpen,
    #[error("this lot is over")]
    LotOver,
    #[error("your bid arrived after the lot ended")]
    Late,
    #[error("bidding is paused for a moment")]
    Paused,
    #[error("link your wallet first: deposit on the auction house, then type !link <secret>")]
    NotLinked,
    #[error("you are banned from bidding")]
    Banned,
    #[error("the lowest bid accepted is {reserve}")]
    BelowReserve { reserve: Wei },
    #[error("the next bid must be at least {minimum}")]
    BelowMinimum { minimum: Wei },
    #[error("you already lead this lot")]
    AlreadyLeading,
    #[error("your max must be above {current}")]
    MaxNotRaised { current: Wei },
    #[error("your bidding power is {power}; deposit more to bid higher")]
    InsufficientPower { power: Wei },
}

impl Rejection {
    /// A stable machine-readable name, as stored with the decision.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::NoLot => "no_lot",
            Rejection::NotOpen => "not_open",
            Rejection::LotOver => "lot_over",
            Rejection::Late => "late",
            Rejection::Paused => "paused",
            Rejection::NotLinked => "not_linked",
            Rejection::Banned => "banned",
            Rejection::BelowReserve { .. } => "below_reserve",
            Rejection::BelowMinimum { .. } => "below_minimum",
            Rejection::AlreadyLeading => "already_leading",
            Rejection::MaxNotRaised { .. } => "max_not_raised",
            Rejection::InsufficientPower { .. } => "insufficient_power",
        }
    }
}

/// One amount entered into the lot's bid log, in decision order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub bidder: BidderId,
    pub amount: Wei,
    /// True when a proxy set the amount (the bidder's own `!bid max`, or a defending raise).
    pub by_proxy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// The lot after the bid: lead, end, extensions, and state (ACTIVE again if it reopened).
    pub lot: Lot,
    /// The amounts this bid entered into the bid log, in order: the bid itself and, when a
    /// proxy defended, the defending raise. Empty when a leader only raised their own max.
    pub placements: Vec<Placement>,
    /// The end moved by anti-snipe: the new end.
    pub extended_to: Option<DateTime<Utc>>,
    /// The extension moved the end past the present while the lot was PROCESSING.
    pub reopened: bool,
    /// The bidder who held the lead before and lost it.
    pub outbid: Option<BidderId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Boxed: it carries the lot after the bid, ten times the size of a rejection.
    Accepted(Box<Acceptance>),
    Rejected(Rejection),
}

/// Decides one bid. Pure: the lot is not changed; an accepted decision carries the lot after it.
pub fn decide_bid<S: Standings>(lot: &Lot, bid: &Bid, ctx: &DecisionContext<'_, S>) -> Decision {
    match judge(lot, bid, ctx) {
        Ok(acceptance) => Decision::Accepted(Box::new(acceptance)),
        Err(rejection) => Decision::Rejected(rejection),
    }
}

fn judge<S: Standings>(lot: &Lot, bid: &Bid, ctx: &DecisionContext<'_, S>) -> Result<Acceptance, Rejection> {
    // Before the window check: a lot paused past its old end refuses as paused, not late.
    if lot.paused_for(bid.received_at) {
        return Err(Rejection::Paused);
    }
    check_open(lot, bid.received_at)?;
    if ctx.paused {
        return Err(Rejection::Paused);
    }
    let standing = ctx.standings.standing(&bid.bidder).ok_or(Rejection::NotLinked)?;
    if standing.banned {
        return Err(Rejection::Banned);
    }
    let rules = ctx.rules;
    let leads = lot.high.as_ref().is_some_and(|high| high.bidder == bid.bidder);
    let (high, placements) = match (&lot.high, bid.kind) {
        (Some(high), BidKind::Max(max)) if leads => {
            let current = high.proxy_max.unwrap_or(high.amount).max(high.amount);
            if max <= current {
                return Err(Rejection::MaxNotRaised { current });
            }
            covered(max, standing)?;
            (HighBid { proxy_max: Some(max), ..high.clone() }, Vec::new())
        }
        (Some(high), BidKind::Plain(amount)) if leads => {
            if !rules.allow_self_outbid {
                return Err(Rejection::AlreadyLeading);
            }
            at_least(amount, rules.minimum_over(high.amount), false)?;
            covered(amount, standing)?;
            let proxy_max = high.proxy_max.filter(|max| *max > amount);
            let placement = Placement { bidder: bid.bidder.clone(), amount, by_proxy: false };
            (HighBid { bidder: bid.bidder.clone(), amount, proxy_max }, vec![placement])
        }
        (current, kind) => challenge(current.as_ref(), bid, kind, standing, ctx)?,
    };
    let mut after = lot.clone();
    after.high = Some(high);
    let extended_to = (!placements.is_empty()).then(|| anti_snipe(&mut after, rules, bid.received_at)).flatten();
    let reopened = extended_to.is_some_and(|end| lot.state == LotState::Processing && end > ctx.now);
    if reopened {
        // A Processing lot without a final winner can always reopen; the state machine says so.
        after.state = lot.next_state(LotTransition::Reopen).map_err(|_| Rejection::Late)?;
    }
    let outbid =
        lot.high.as_ref().map(|h| &h.bidder).filter(|previous| after.high.as_ref().is_some_and(|h| h.bidder != **previous)).cloned();
    Ok(Acceptance { lot: after, placements, extended_to, reopened, outbid })
}

fn check_open(lot: &Lot, received_at: DateTime<Utc>) -> Result<(), Rejection> {
    match lot.state {
        LotState::Pending => Err(Rejection::NotOpen),
        LotState::Completed | LotState::Cancelled => Err(Rejection::LotOver),
        LotState::Active | LotState::Processing => {
            if received_at < lot.starts_at {
                Err(Rejection::NotOpen)
            } else if lot.winner_final_at.is_some() || !lot.was_open_at(received_at) {
                Err(Rejection::Late)
            } else {
                Ok(())
            }
        }
    }
}

fn at_least(amount: Wei, minimum: Wei, first_bid: bool) -> Result<(), Rejection> {
    match (amount >= minimum, first_bid) {
        (true, _) => Ok(()),
        (false, true) => Err(Rejection::BelowReserve { reserve: minimum }),
        (false, false) => Err(Rejection::BelowMinimum { minimum }),
    }
}

fn covered(amount: Wei, standing: BidderStanding) -> Result<(), Rejection> {
    if amount <= standing.funds { Ok(()) } else { Err(Rejection::InsufficientPower { power: standing.funds }) }
}

/// A bidder who does not lead bids against the current lead (if any).
fn challenge<S: Standings>(
    current: Option<&HighBid>,
    bid: &Bid,
    kind: BidKind,
    standing: BidderStanding,
    ctx: &DecisionContext<'_, S>,
) -> Result<(HighBid, Vec<Placement>), Rejection> {
    let rules = ctx.rules;
    let minimum = current.map_or(rules.reserve, |high| rules.minimum_over(high.amount));
    let (BidKind::Plain(offered) | BidKind::Max(offered)) = kind;
    at_least(offered, minimum, current.is_none())?;
    covered(offered, standing)?;
    let challenger = |amount, by_proxy| Placement { bidder: bid.bidder.clone(), amount, by_proxy };
    let defence = current.and_then(|high| defending_max(high, ctx).map(|max| (high, max)));
    Ok(match (kind, defence) {
        // The leader's proxy covers the challenge: it answers, capped at its max; ties keep the lead.
        (_, Some((high, max))) if offered <= max => {
            let raise = rules.minimum_over(offered).min(max);
            let defence = Placement { bidder: high.bidder.clone(), amount: raise, by_proxy: true };
            let challenge = challenger(offered, matches!(kind, BidKind::Max(_)));
            // At equal amounts the log lists the defence first: the earlier entry holds the lead,
            // so a lead recomputed from the log (after a void) agrees with this decision.
            let placements = if raise == offered { vec![defence, challenge] } else { vec![challenge, defence] };
            (HighBid { bidder: high.bidder.clone(), amount: raise, proxy_max: Some(max) }, placements)
        }
        // A proxy beats a weaker proxy by the increment over it, capped at its own max.
        (BidKind::Max(ceiling), Some((_, max))) => {
            let amount = rules.minimum_over(max).min(ceiling);
            (HighBid { bidder: bid.bidder.clone(), amount, proxy_max: Some(ceiling) }, vec![challenger(amount, true)])
        }
        (BidKind::Max(ceiling), None) => {
            (HighBid { bidder: bid.bidder.clone(), amount: minimum, proxy_max: Some(ceiling) }, vec![challenger(minimum, true)])
        }
        (BidKind::Plain(amount), _) => (HighBid { bidder: bid.bidder.clone(), amount, proxy_max: None }, vec![challenger(amount, false)]),
    })
}

/// How high the leader's proxy can still answer: its max, capped at what the leader can cover
/// now (funds may have dropped since it was placed). A banned leader's proxy no longer answers.
fn defending_max<S: Standings>(high: &HighBid, ctx: &DecisionContext<'_, S>) -> Option<Wei> {
    let standing = ctx.standings.standing(&high.bidder).filter(|s| !s.banned)?;
    high.proxy_max.map(|max| max.min(standing.funds)).filter(|max| *max > high.amount)
}

/// Moves the end of `lot` for a bid received inside the anti-snipe window; returns the new end.
fn anti_snipe(lot: &mut Lot, rules: &BidRules, received_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let policy = rules.anti_snipe;
    let in_window = received_at >= lot.ends_at - policy.window;
    let new_end = received_at + policy.extension;
    if in_window && lot.extensions_used < policy.max_extensions && new_end > lot.ends_at {
        lot.ends_at = new_end;
        lot.extensions_used += 1;
        Some(new_end)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use chrono::TimeDelta;
    use proptest::prelude::*;

    use super::*;
    use crate::lot::tests::lot;
    use crate::marathon::{MarathonConfig, tests::spec};

    const MILLI: u128 = 1_000_000_000_000_000; // 0.001 ETH

    fn wei(millis: u128) -> Wei {
        Wei::from(millis * MILLI)
    }

    fn bidder(n: u32) -> BidderId {
        BidderId::parse(&format!("twitch:{n}")).unwrap()
    }

    struct Book(HashMap<BidderId, BidderStanding>);

    impl Standings for Book {
        fn standing(&self, bidder: &BidderId) -> Option<BidderStanding> {
            self.0.get(bidder).copied()
        }
    }

    fn book(funds: &[(u32, u128)]) -> Book {
        Book(funds.iter().map(|&(n, millis)| (bidder(n), BidderStanding { banned: false, funds: wei(millis) })).collect())
    }

    fn rules() -> BidRules {
        // reserve 0.01, +5 % with a 0.001 floor, anti-snipe 60 s window / 60 s extension / 10 max.
        MarathonConfig::parse(spec()).unwrap().rules
    }

    fn at(lot: &Lot, secs: i64) -> DateTime<Utc> {
        lot.starts_at + TimeDelta::seconds(secs)
    }

    fn plain(n: u32, millis: u128, received_at: DateTime<Utc>) -> Bid {
        Bid { bidder: bidder(n), kind: BidKind::Plain(wei(millis)), received_at }
    }

    fn max(n: u32, millis: u128, received_at: DateTime<Utc>) -> Bid {
        Bid { bidder: bidder(n), kind: BidKind::Max(wei(millis)), received_at }
    }

    fn decide(lot: &Lot, bid: &Bid, standings: &Book) -> Decision {
        let rules = rules();
        let ctx = DecisionContext { rules: &rules, paused: false, standings, now: bid.received_at };
        decide_bid(lot, bid, &ctx)
    }

    fn accepted(decision: Decision) -> Acceptance {
        match decision {
            Decision::Accepted(acceptance) => *acceptance,
            Decision::Rejected(rejection) => panic!("rejected: {rejection}"),
        }
    }

    fn rejected(decision: Decision) -> Rejection {
        match decision {
            Decision::Accepted(acceptance) => panic!("accepted: {acceptance:?}"),
            Decision::Rejected(rejection) => rejection,
        }
    }

    #[test]
    fn reserve_then_increment_then_power() {
        let lot = lot(LotState::Active);
        let book = book(&[(1, 100), (2, 100)]);
        assert_eq!(rejected(decide(&lot, &plain(1, 9, at(&lot, 1)), &book)), Rejection::BelowReserve { reserve: wei(10) });
        let first = accepted(decide(&lot, &plain(1, 10, at(&lot, 1)), &book));
        assert_eq!(first.lot.high.as_ref().map(|h| h.amount), Some(wei(10)));
        // 10 + max(5 % = 0.5, floor 1) = 11.
        assert_eq!(rejected(decide(&first.lot, &plain(2, 10, at(&lot, 2)), &book)), Rejection::BelowMinimum { minimum: wei(11) });
        assert_eq!(rejected(decide(&first.lot, &plain(2, 101, at(&lot, 2)), &book)), Rejection::InsufficientPower { power: wei(100) });
        let second = accepted(decide(&first.lot, &plain(2, 11, at(&lot, 2)), &book));
        assert_eq!(second.outbid, Some(bidder(1)));
        assert_eq!(rejected(decide(&second.lot, &plain(2, 20, at(&lot, 3)), &book)), Rejection::AlreadyLeading);
    }

    #[test]
    fn closed_paused_unlinked_and_banned_bids_are_rejected() {
        let active = lot(LotState::Active);
        let book = book(&[(1, 100)]);
        assert_eq!(rejected(decide(&lot(LotState::Pending), &plain(1, 10, at(&active, 1)), &book)), Rejection::NotOpen);
        assert_eq!(rejected(decide(&lot(LotState::Cancelled), &plain(1, 10, at(&active, 1)), &book)), Rejection::LotOver);
        assert_eq!(rejected(decide(&active, &plain(1, 10, at(&active, -1)), &book)), Rejection::NotOpen);
        assert_eq!(rejected(decide(&active, &plain(1, 10, at(&active, 3600)), &book)), Rejection::Late);
        assert_eq!(rejected(decide(&active, &plain(2, 10, at(&active, 1)), &book)), Rejection::NotLinked);
        let banned = Book(HashMap::from([(bidder(1), BidderStanding { banned: true, funds: wei(100) })]));
        assert_eq!(rejected(decide(&active, &plain(1, 10, at(&active, 1)), &banned)), Rejection::Banned);
        let rules = rules();
        let ctx = DecisionContext { rules: &rules, paused: true, standings: &book, now: at(&active, 1) };
        assert_eq!(rejected(decide_bid(&active, &plain(1, 10, at(&active, 1)), &ctx)), Rejection::Paused);

        // The lot's own pause: bids received since are refused as paused, even past the old end;
        // a bid received just before it is judged as usual.
        let mut paused = lot(LotState::Active);
        paused.paused_at = Some(at(&paused, 10));
        assert_eq!(rejected(decide(&paused, &plain(1, 10, at(&paused, 10)), &book)), Rejection::Paused);
        assert_eq!(rejected(decide(&paused, &plain(1, 10, at(&paused, 4000)), &book)), Rejection::Paused);
        accepted(decide(&paused, &plain(1, 10, at(&paused, 9)), &book));
    }

    #[test]
    fn a_bid_queued_before_the_end_counts_and_may_reopen_the_lot() {
        let mut lot = lot(LotState::Processing);
        lot.high = None;
        let book = book(&[(1, 100)]);
        let rules = rules();
        let received = at(&lot, 3599);
        // Decided 30 s after the end: the extension to received + 60 s is still ahead of now.
        let ctx = DecisionContext { rules: &rules, paused: false, standings: &book, now: at(&lot, 3630) };
        let acceptance = accepted(decide_bid(&lot, &plain(1, 10, received), &ctx));
        assert_eq!(acceptance.extended_to, Some(received + TimeDelta::seconds(60)));
        assert!(acceptance.reopened);
        assert_eq!(acceptance.lot.state, LotState::Active);
        // Decided 2 minutes after the end: the new end is already past, the lot stays PROCESSING.
        let ctx = DecisionContext { now: at(&lot, 3720), ..ctx };
        let acceptance = accepted(decide_bid(&lot, &plain(1, 10, received), &ctx));
        assert!(!acceptance.reopened);
        assert_eq!(acceptance.lot.state, LotState::Processing);
        // Once the winner is final, nothing is accepted.
        lot.winner_final_at = Some(lot.ends_at);
        assert_eq!(rejected(decide_bid(&lot, &plain(1, 10, received), &ctx)), Rejection::Late);
    }

    #[test]
    fn anti_snipe_extends_at_most_max_times() {
        let mut lot = lot(LotState::Active);
        let book = book(&[(1, 100_000), (2, 100_000)]);
        let mut amount = 10;
        for round in 0..12u32 {
            let received = lot.ends_at - TimeDelta::seconds(1);
            let acceptance = accepted(decide(&lot, &plain(1 + round % 2, amount, received), &book));
            let expected_end = (round < 10).then(|| received + TimeDelta::seconds(60));
            assert_eq!(acceptance.extended_to, expected_end, "round {round}");
            lot = acceptance.lot;
            amount *= 2;
        }
        assert_eq!(lot.extensions_used, 10);
    }

    #[test]
    fn a_proxy_answers_a_challenge_up_to_its_max() {
        let lot = lot(LotState::Active);
        let book = book(&[(1, 1000), (2, 1000)]);
        let first = accepted(decide(&lot, &max(1, 50, at(&lot, 1)), &book));
        // A proxy opens at the reserve.
        assert_eq!(first.lot.high, Some(HighBid { bidder: bidder(1), amount: wei(10), proxy_max: Some(wei(50)) }));
        // A plain 20 is answered by 21 (20 + 1 floor).
        let second = accepted(decide(&first.lot, &plain(2, 20, at(&lot, 2)), &book));
        assert_eq!(second.placements.len(), 2);
        assert_eq!(second.lot.high.as_ref().map(|h| (&h.bidder, h.amount)), Some((&bidder(1), wei(21))));
        assert_eq!(second.outbid, None);
        // A plain 50 equals the max: the earlier bidder keeps the lead at 50.
        let third = accepted(decide(&second.lot, &plain(2, 50, at(&lot, 3)), &book));
        assert_eq!(third.lot.high.as_ref().map(|h| (&h.bidder, h.amount)), Some((&bidder(1), wei(50))));
        let order: Vec<_> = third.placements.iter().map(|p| (p.bidder.clone(), p.amount)).collect();
        assert_eq!(order, [(bidder(1), wei(50)), (bidder(2), wei(50))], "at a tie the leader's entry comes first");
        // A proxy of 100 beats it at 50 + 2.5 = 52.5.
        let fourth = accepted(decide(&third.lot, &max(2, 100, at(&lot, 4)), &book));
        assert_eq!(
            fourth.lot.high,
            Some(HighBid { bidder: bidder(2), amount: Wei::from(52_500 * MILLI / 1000), proxy_max: Some(wei(100)) })
        );
        assert_eq!(fourth.outbid, Some(bidder(1)));
    }

    #[test]
    fn a_proxy_cannot_raise_past_what_its_leader_can_cover() {
        let lot = lot(LotState::Active);
        let rich = book(&[(1, 1000), (2, 1000)]);
        let first = accepted(decide(&lot, &max(1, 500, at(&lot, 1)), &rich));
        // Leader 1's funds dropped to 30 (a withdrawal request): their proxy answers at most 30.
        let poorer = book(&[(1, 30), (2, 1000)]);
        let second = accepted(decide(&first.lot, &plain(2, 40, at(&lot, 2)), &poorer));
        assert_eq!(second.lot.high.as_ref().map(|h| (&h.bidder, h.amount)), Some((&bidder(2), wei(40))));
    }

    #[test]
    fn a_leader_can_raise_their_max_without_moving_the_price() {
        let lot = lot(LotState::Active);
        let book = book(&[(1, 1000)]);
        let first = accepted(decide(&lot, &max(1, 50, at(&lot, 1)), &book));
        assert_eq!(rejected(decide(&first.lot, &max(1, 50, at(&lot, 2)), &book)), Rejection::MaxNotRaised { current: wei(50) });
        let raised = accepted(decide(&first.lot, &max(1, 80, at(&lot, 2)), &book));
        assert!(raised.placements.is_empty());
        assert_eq!(raised.lot.high, Some(HighBid { bidder: bidder(1), amount: wei(10), proxy_max: Some(wei(80)) }));
    }

    /// A bid with the idempotency key of the chat message it came from.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct KeyedBid {
        key: String,
        bid: Bid,
    }

    /// Decides bids in the order given, each idempotency key once (as the engine's unique key
    /// does): a key in `seen`, or repeated in `bids`, is skipped. Returns the decisions with their keys,
    /// and leaves `lot` as it is after the last accepted bid.
    fn decide_in_order<S: Standings>(
        lot: &mut Lot,
        bids: &[KeyedBid],
        seen: &mut HashSet<String>,
        ctx: &DecisionContext<'_, S>,
    ) -> Vec<(String, Decision)> {
        let mut decisions = Vec::new();
        for keyed in bids {
            if !seen.insert(keyed.key.clone()) {
                continue;
            }
            let decision = decide_bid(lot, &keyed.bid, ctx);
            if let Decision::Accepted(acceptance) = &decision {
                *lot = acceptance.lot.clone();
            }
            decisions.push((keyed.key.clone(), decision));
        }
        decisions
    }

    /// One scripted bid: bidder number, whether it is a max bid, amount in 0.001 ETH, seconds after the start.
    type ScriptedBid = (u32, bool, u128, i64);

    /// A bid script: bidders 0..4 with random funds (in 0.001 ETH), bids at random received times.
    fn script() -> impl Strategy<Value = (Vec<u128>, Vec<ScriptedBid>)> {
        let funds = proptest::collection::vec(0u128..200, 4);
        // Half the bids land in the last two minutes, where anti-snipe acts; a few after the end.
        let received = prop_oneof![0i64..3_700, 3_480i64..3_620];
        let bids = proptest::collection::vec((0u32..4, any::<bool>(), 0u128..250, received), 0..40);
        (funds, bids)
    }

    fn keyed_bids(raw: &[ScriptedBid], lot: &Lot) -> Vec<KeyedBid> {
        let mut bids: Vec<KeyedBid> = raw
            .iter()
            .enumerate()
            .map(|(i, &(n, is_max, millis, secs))| KeyedBid {
                key: format!("msg-{i}"),
                bid: if is_max { max(n, millis, at(lot, secs)) } else { plain(n, millis, at(lot, secs)) },
            })
            .collect();
        bids.sort_by_key(|keyed| keyed.bid.received_at);
        bids
    }

    proptest! {
        #[test]
        fn invariants_hold_over_any_bid_stream((funds, raw) in script()) {
            let start = lot(LotState::Active);
            let standings = Book(funds.iter().enumerate().map(|(n, f)| (bidder(n as u32), BidderStanding { banned: false, funds: wei(*f) })).collect());
            let rules = rules();
            let mut current = start.clone();
            for keyed in keyed_bids(&raw, &start) {
                let ctx = DecisionContext { rules: &rules, paused: false, standings: &standings, now: keyed.bid.received_at };
                if let Decision::Accepted(acceptance) = decide_bid(&current, &keyed.bid, &ctx) {
                    let (before, after) = (&current, &acceptance.lot);
                    let amount = |lot: &Lot| lot.high.as_ref().map(|h| h.amount);
                    prop_assert!(amount(after) >= amount(before), "the high bid never decreases");
                    prop_assert!(after.ends_at >= before.ends_at, "the end never moves backwards");
                    prop_assert!(after.extensions_used <= rules.anti_snipe.max_extensions);
                    for placement in &acceptance.placements {
                        let power = standings.standing(&placement.bidder).map(|s| s.funds);
                        prop_assert!(Some(placement.amount) <= power, "no accepted amount exceeds its bidder's power");
                    }
                    if let Some(high) = &after.high {
                        prop_assert!(high.amount >= rules.reserve);
                        prop_assert!(high.proxy_max.is_none_or(|max| max >= high.amount));
                    }
                    current = acceptance.lot;
                }
            }
        }

        #[test]
        fn duplicates_change_nothing((funds, raw) in script(), repeats in proptest::collection::vec(any::<prop::sample::Index>(), 0..20)) {
            let start = lot(LotState::Active);
            let standings = Book(funds.iter().enumerate().map(|(n, f)| (bidder(n as u32), BidderStanding { banned: false, funds: wei(*f) })).collect());
            let rules = rules();
            let ctx = DecisionContext { rules: &rules, paused: false, standings: &standings, now: start.ends_at };
            let once = keyed_bids(&raw, &start);
            // The same messages delivered again, each right after its first delivery or later.
            let mut twice = once.clone();
            for index in &repeats {
                if !once.is_empty() {
                    let original = index.get(&once).clone();
                    let position = twice.iter().position(|k| k.key == original.key).unwrap_or(0);
                    let at = position + 1 + index.index(twice.len() - position);
                    twice.insert(at.min(twice.len()), original);
                }
            }
            let (mut lot_once, mut lot_twice) = (start.clone(), start.clone());
            let decided_once = decide_in_order(&mut lot_once, &once, &mut HashSet::new(), &ctx);
            let decided_twice = decide_in_order(&mut lot_twice, &twice, &mut HashSet::new(), &ctx);
            prop_assert_eq!(decided_once, decided_twice);
            prop_assert_eq!(lot_once, lot_twice);
        }
    }
}
