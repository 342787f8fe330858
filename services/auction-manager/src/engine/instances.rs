//! The live ingest instances and their watermarks, which say how far the engine may decide.
//!
//! An instance is live while it has been heard from (a bid or a watermark) within the timeout.
//! The set is stored in PostgreSQL so it survives an engine restart; on start every stored
//! instance gets a full timeout to be heard from again, since the queue may hold its messages.
//! The horizon is the least watermark of the live instances: every bid received before it has
//! reached the queue, so bids up to it can be decided in received order. An instance heard from
//! but without a watermark yet holds the horizon back until its first watermark arrives.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use gavel_store::instances::IngestInstance;

#[derive(Debug, Clone)]
struct Instance {
    watermark: Option<DateTime<Utc>>,
    last_seen_at: DateTime<Utc>,
    changed: bool,
}

#[derive(Debug, Clone)]
pub struct Instances {
    known: HashMap<String, Instance>,
    timeout: TimeDelta,
    /// Until then an empty set means "not heard from yet", not "nobody is there": instances
    /// whose messages wait in the queue get a timeout's time to be read.
    grace_until: DateTime<Utc>,
}

/// How far bids may be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Horizon {
    /// A live instance has no watermark yet: nothing may be decided or closed.
    Nothing,
    /// Bids received before this instant (inclusive).
    Until(DateTime<Utc>),
    /// No live instance: nothing can still arrive from one, every held bid may be decided.
    Unbounded,
}

impl Horizon {
    pub fn covers(self, received_at: DateTime<Utc>) -> bool {
        match self {
            Horizon::Nothing => false,
            Horizon::Until(watermark) => received_at <= watermark,
            Horizon::Unbounded => true,
        }
    }
}

impl Instances {
    /// The stored set, each instance given a fresh timeout from `now`.
    pub fn resume(stored: Vec<IngestInstance>, timeout: TimeDelta, now: DateTime<Utc>) -> Self {
        let known = stored
            .into_iter()
            .map(|i| (i.id, Instance { watermark: Some(i.watermark), last_seen_at: i.last_seen_at.max(now), changed: false }))
            .collect();
        Instances { known, timeout, grace_until: now + timeout }
    }

    fn heard(&mut self, id: &str, now: DateTime<Utc>) -> &mut Instance {
        let instance = self.known.entry(id.to_owned()).or_insert(Instance { watermark: None, last_seen_at: now, changed: true });
        instance.last_seen_at = instance.last_seen_at.max(now);
        instance
    }

    pub fn observe_bid(&mut self, id: &str, now: DateTime<Utc>) {
        self.heard(id, now);
    }

    pub fn observe_watermark(&mut self, id: &str, up_to: DateTime<Utc>, now: DateTime<Utc>) {
        let instance = self.heard(id, now);
        if instance.watermark.is_none_or(|current| up_to > current) {
            instance.watermark = Some(up_to);
        }
        instance.changed = true;
    }

    pub fn is_live(&self, id: &str, now: DateTime<Utc>) -> bool {
        self.known.get(id).is_some_and(|i| now - i.last_seen_at < self.timeout)
    }

    /// The least watermark among live instances.
    pub fn horizon(&self, now: DateTime<Utc>) -> Horizon {
        let live = self.known.values().filter(|i| now - i.last_seen_at < self.timeout);
        match live.map(|i| i.watermark).min() {
            Some(Some(watermark)) => Horizon::Until(watermark),
            Some(None) => Horizon::Nothing,
            None if now < self.grace_until => Horizon::Nothing,
            None => Horizon::Unbounded,
        }
    }

    /// Counts the time the engine itself was not reading (a long commit, an outage waited out) as
    /// time every instance live at `since` was heard from: their silence was the engine's.
    pub fn excuse_pause(&mut self, since: DateTime<Utc>, now: DateTime<Utc>) {
        for instance in self.known.values_mut() {
            if since - instance.last_seen_at < self.timeout {
                instance.last_seen_at = instance.last_seen_at.max(now - (since - instance.last_seen_at));
            }
        }
    }

    /// The instances changed since the last call, to store with the next batch.
    pub fn take_changed(&mut self) -> Vec<IngestInstance> {
        self.known
            .iter_mut()
            .filter(|(_, i)| i.changed)
            .filter_map(|(id, i)| {
                // An instance is stored from its first watermark on.
                let watermark = i.watermark?;
                i.changed = false;
                Some(IngestInstance { id: id.clone(), watermark, last_seen_at: i.last_seen_at })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
    }

    #[test]
    fn the_horizon_is_the_least_live_watermark() {
        let mut instances = Instances::resume(Vec::new(), TimeDelta::seconds(3), at(0));
        assert_eq!(instances.horizon(at(0)), Horizon::Nothing, "just started: nothing heard yet, nothing decided");
        assert_eq!(instances.horizon(at(3_000)), Horizon::Unbounded, "nobody after a timeout: nothing can still arrive");
        instances.observe_bid("a", at(0));
        assert_eq!(instances.horizon(at(0)), Horizon::Nothing, "no watermark yet: hold everything");
        instances.observe_watermark("a", at(100), at(0));
        instances.observe_watermark("b", at(50), at(0));
        assert_eq!(instances.horizon(at(10)), Horizon::Until(at(50)));
        instances.observe_watermark("b", at(40), at(20));
        assert_eq!(instances.horizon(at(20)), Horizon::Until(at(50)), "a watermark never moves back");
        // b falls silent: after the timeout only a counts.
        instances.observe_watermark("a", at(3_500), at(3_500));
        assert!(!instances.is_live("b", at(3_500)));
        assert_eq!(instances.horizon(at(3_500)), Horizon::Until(at(3_500)));
    }

    #[test]
    fn a_restart_gives_stored_instances_a_fresh_timeout() {
        let stored = vec![IngestInstance { id: "a".into(), watermark: at(10), last_seen_at: at(0) }];
        let instances = Instances::resume(stored, TimeDelta::seconds(3), at(60_000));
        assert!(instances.is_live("a", at(62_000)));
        assert_eq!(instances.horizon(at(62_000)), Horizon::Until(at(10)));
        assert_eq!(instances.horizon(at(63_000)), Horizon::Unbounded);
    }

    #[test]
    fn the_engine_pausing_does_not_make_instances_silent() {
        let mut instances = Instances::resume(Vec::new(), TimeDelta::seconds(3), at(0));
        instances.observe_watermark("a", at(0), at(0));
        // A commit took 10 s (an outage waited out): a's silence was the engine's.
        instances.excuse_pause(at(1_000), at(11_000));
        assert!(instances.is_live("a", at(11_000)));
        assert_eq!(instances.horizon(at(11_000)), Horizon::Until(at(0)));
    }
}
