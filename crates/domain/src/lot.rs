//! A lot (one day's auction) and its state machine:
//! `PENDING → ACTIVE → PROCESSING → COMPLETED`, plus `CANCELLED`, and the one way back
//! (`PROCESSING → ACTIVE`, when a bid decided during the drain extends the end past the present).
//!
//! Within PROCESSING the winner becomes final when every ingest watermark has passed the end
//! (`lot.closed`); after that the lot can neither reopen nor be cancelled, only completed.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::{BidderId, LotId, MarathonId, Wei};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LotState {
    Pending,
    Active,
    Processing,
    Completed,
    Cancelled,
}

impl LotState {
    pub fn as_str(self) -> &'static str {
        match self {
            LotState::Pending => "PENDING",
            LotState::Active => "ACTIVE",
            LotState::Processing => "PROCESSING",
            LotState::Completed => "COMPLETED",
            LotState::Cancelled => "CANCELLED",
        }
    }
}

impl fmt::Display for LotState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown lot state '{0}'")]
pub struct UnknownLotState(pub String);

impl FromStr for LotState {
    type Err = UnknownLotState;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "PENDING" => LotState::Pending,
            "ACTIVE" => LotState::Active,
            "PROCESSING" => LotState::Processing,
            "COMPLETED" => LotState::Completed,
            "CANCELLED" => LotState::Cancelled,
            other => return Err(UnknownLotState(other.to_owned())),
        })
    }
}

/// Everything that can happen to a lot's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LotTransition {
    /// The start time arrived: bidding opens.
    Open,
    /// The end time arrived: no bid received from now on can win.
    EndReached,
    /// A bid decided during the drain extended the end past the present.
    Reopen,
    /// The settlement transaction is confirmed.
    Complete,
    /// An admin cancelled the lot.
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {state} lot cannot {transition:?}{detail}")]
pub struct InvalidTransition {
    pub state: LotState,
    pub transition: LotTransition,
    pub detail: &'static str,
}

/// The current lead of a lot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HighBid {
    pub bidder: BidderId,
    pub amount: Wei,
    /// The leader's proxy ceiling, if they bid with `!bid max`: raised automatically up to it.
    pub proxy_max: Option<Wei>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub id: LotId,
    pub marathon_id: MarathonId,
    pub state: LotState,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub extensions_used: u32,
    pub high: Option<HighBid>,
    /// When the winner became final (`lot.closed`); from then on nothing about the bids changes.
    pub winner_final_at: Option<DateTime<Utc>>,
    /// When an operator stopped this lot's clock: bids received since are refused as paused and
    /// the lot does not close; resuming gives back the time that was left.
    pub paused_at: Option<DateTime<Utc>>,
    /// The last pause that ended (from, until): a bid received during it but decided after the
    /// resume (a queue's backlog, an undo at once) is refused all the same.
    pub last_pause: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Lot {
    /// The state after `transition`, or why it is not allowed. Never a silent no-op.
    pub fn next_state(&self, transition: LotTransition) -> Result<LotState, InvalidTransition> {
        use LotState::*;
        use LotTransition::*;
        let invalid = |detail| Err(InvalidTransition { state: self.state, transition, detail });
        match (self.state, transition) {
            (Pending, Open) => Ok(Active),
            (Active, EndReached) => Ok(Processing),
            (Processing, Reopen | Cancel) if self.winner_final_at.is_some() => invalid(" after its winner is final"),
            (Processing, Reopen) => Ok(Active),
            (Processing, Complete) if self.winner_final_at.is_none() => invalid(" before its winner is final"),
            (Processing, Complete) => Ok(Completed),
            (Pending | Active | Processing, Cancel) => Ok(Cancelled),
            _ => invalid(""),
        }
    }

    /// Applies `transition`, or leaves the lot untouched and says why not.
    pub fn transition(&mut self, transition: LotTransition) -> Result<LotState, InvalidTransition> {
        self.state = self.next_state(transition)?;
        // Only an ACTIVE lot's clock can stand still: a paused lot cancelled stops being paused.
        if self.state != LotState::Active {
            self.paused_at = None;
        }
        Ok(self.state)
    }

    /// Whether a bid received at `received_at` was received while the lot was open. Bids
    /// still queued when the lot entered PROCESSING count, as long as they arrived before the end.
    pub fn was_open_at(&self, received_at: DateTime<Utc>) -> bool {
        received_at >= self.starts_at && received_at < self.ends_at
    }

    /// Whether a bid received at `received_at` met this lot's pause. Bids received before the
    /// pause are judged as usual, even when decided after it.
    pub fn paused_for(&self, received_at: DateTime<Utc>) -> bool {
        self.paused_at.is_some_and(|at| received_at >= at)
            || self.last_pause.is_some_and(|(from, until)| received_at >= from && received_at < until)
    }

    /// Stops the clock of an ACTIVE lot at `now`.
    pub fn pause(&mut self, now: DateTime<Utc>) -> Result<(), PauseError> {
        if self.state != LotState::Active {
            return Err(PauseError::NotActive(self.state));
        }
        if self.paused_at.is_some() {
            return Err(PauseError::AlreadyPaused);
        }
        // The clock may lag the end by a moment: a lot whose time is up closes, it is not paused
        // (a pause would keep it open, and a resume revive it).
        if self.ends_at <= now {
            return Err(PauseError::Ended);
        }
        self.paused_at = Some(now);
        Ok(())
    }

    /// Starts the clock again at `now`: the end moves by the pause's length, so the lot keeps the
    /// time it had left. Returns the end before the move.
    pub fn resume(&mut self, now: DateTime<Utc>) -> Result<DateTime<Utc>, PauseError> {
        let paused_at = self.paused_at.ok_or(PauseError::NotPaused)?;
        let previous = self.ends_at;
        self.ends_at = previous + (now - paused_at).max(TimeDelta::zero());
        self.paused_at = None;
        self.last_pause = Some((paused_at, now.max(paused_at)));
        Ok(previous)
    }

    /// Whether the clock has reached the end (never while paused).
    pub fn end_reached(&self, now: DateTime<Utc>) -> bool {
        self.state == LotState::Active && self.paused_at.is_none() && self.ends_at <= now
    }
}

/// Why a lot's clock cannot be paused or resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PauseError {
    #[error("only an ACTIVE lot can be paused; this one is {0}")]
    NotActive(LotState),
    #[error("this lot is already paused")]
    AlreadyPaused,
    #[error("this lot is not paused")]
    NotPaused,
    #[error("this lot's time is up: it is closing")]
    Ended,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn lot(state: LotState) -> Lot {
        let starts_at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        Lot {
            id: LotId(1),
            marathon_id: MarathonId(1),
            state,
            starts_at,
            ends_at: starts_at + TimeDelta::hours(1),
            extensions_used: 0,
            high: None,
            winner_final_at: None,
            paused_at: None,
            last_pause: None,
        }
    }

    #[test]
    fn a_paused_lot_refuses_later_bids_does_not_end_and_gets_its_time_back() {
        let mut active = lot(LotState::Active);
        let start = active.starts_at;
        let at = |secs| start + TimeDelta::seconds(secs);
        let paused_at = active.ends_at - TimeDelta::seconds(10);
        active.pause(paused_at).expect("pause");
        assert_eq!(active.pause(paused_at), Err(PauseError::AlreadyPaused));
        assert!(!active.paused_for(paused_at - TimeDelta::milliseconds(1)) && active.paused_for(paused_at));
        assert!(!active.end_reached(active.ends_at + TimeDelta::minutes(5)));
        let previous = active.resume(paused_at + TimeDelta::minutes(2)).expect("resume");
        assert_eq!(active.ends_at - previous, TimeDelta::minutes(2));
        assert_eq!(active.ends_at - (paused_at + TimeDelta::minutes(2)), TimeDelta::seconds(10), "the 10 s left are given back");
        assert_eq!(active.resume(at(1)), Err(PauseError::NotPaused));
        assert!(active.paused_for(paused_at + TimeDelta::minutes(1)), "a bid received during the pause, decided after it");
        assert!(!active.paused_for(paused_at + TimeDelta::minutes(2)));
        assert_eq!(lot(LotState::Pending).pause(at(0)), Err(PauseError::NotActive(LotState::Pending)));
        let ended = lot(LotState::Active);
        assert_eq!(ended.clone().pause(ended.ends_at), Err(PauseError::Ended), "a lot whose time is up is not paused");
        let mut cancelled = lot(LotState::Active);
        cancelled.pause(at(5)).expect("pause");
        cancelled.transition(LotTransition::Cancel).expect("cancel");
        assert_eq!(cancelled.paused_at, None, "a paused lot can be cancelled");
    }

    #[test]
    fn every_state_and_transition_pair_is_decided() {
        use LotState::*;
        use LotTransition::*;
        let states = [Pending, Active, Processing, Completed, Cancelled];
        let transitions = [Open, EndReached, Reopen, Complete, Cancel];
        for state in states {
            for winner_final in [false, true] {
                for transition in transitions {
                    let mut lot = lot(state);
                    lot.winner_final_at = winner_final.then_some(lot.ends_at);
                    let expected = match (state, transition, winner_final) {
                        (Pending, Open, _) => Some(Active),
                        (Active, EndReached, _) => Some(Processing),
                        (Processing, Reopen, false) => Some(Active),
                        (Processing, Complete, true) => Some(Completed),
                        (Pending | Active, Cancel, _) | (Processing, Cancel, false) => Some(Cancelled),
                        _ => None,
                    };
                    let result = lot.transition(transition);
                    assert_eq!(result.clone().ok(), expected, "{state} {transition:?} final={winner_final}");
                    if result.is_err() {
                        assert_eq!(lot.state, state, "a refused transition changes nothing");
                    }
                }
            }
        }
    }

    #[test]
    fn states_round_trip_through_text() {
        for state in [LotState::Pending, LotState::Active, LotState::Processing, LotState::Completed, LotState::Cancelled] {
            assert_eq!(state.as_str().parse::<LotState>(), Ok(state));
        }
        assert!("OPEN".parse::<LotState>().is_err());
    }
}
