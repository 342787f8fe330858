//! The bid engine's decision step: one `PlaceBid` command decided and recorded with its lot
//! update and events in one transaction. The bidding-pipeline issue feeds it from RabbitMQ in
//! batches; the decision itself is [`gavel_domain::bidding::decide_bid`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gavel_domain::bidding::{Acceptance, Bid, BidKind, BidderStanding, Decision, DecisionContext, Rejection, Standings, decide_bid};
use gavel_domain::events::{BidAccepted, BidRejected, Event, ExtensionCause, LotExtended};
use gavel_domain::lot::Lot;
use gavel_domain::{BidId, BidderId, LotId};
use gavel_store::bidders::{self, LotStanding};
use gavel_store::bids::{self, BidView, NewBid};
use gavel_store::{PgPool, Postgres, Transaction, lots, marathons, outbox, settings};

/// A bid command as ingest hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceBid {
    /// The platform's message id: the same chat message delivered twice is one bid.
    pub idempotency_key: String,
    pub lot_id: LotId,
    pub bidder: BidderId,
    pub kind: BidKind,
    /// Gavel's stamp at ingest, which the bid is judged by.
    pub received_at: DateTime<Utc>,
    /// The platform's own stamp, kept for audit.
    pub platform_sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    Decided {
        bid_id: BidId,
        decision: Decision,
    },
    /// The key was decided before; this is that earlier decision.
    Duplicate(BidView),
}

struct LoadedStandings(HashMap<BidderId, LotStanding>);

impl Standings for LoadedStandings {
    fn standing(&self, bidder: &BidderId) -> Option<BidderStanding> {
        self.0.get(bidder).map(|loaded| loaded.standing)
    }
}

/// Decides `command` at `now` and commits the decision, the lot and the events together.
pub async fn place_bid(pool: &PgPool, command: &PlaceBid, now: DateTime<Utc>) -> Result<Placed, sqlx::Error> {
    if let Some(earlier) = bids::by_key(pool, &command.idempotency_key).await? {
        return Ok(Placed::Duplicate(earlier));
    }
    let mut tx = pool.begin().await?;
    let (lot, decision, standings) = match lots::lock(&mut *tx, command.lot_id).await? {
        Some(record) => {
            let (decision, standings) = decide_in_transaction(&mut tx, &record.lot, command, now).await?;
            (Some(record.lot), decision, standings)
        }
        // A bid naming a lot that does not exist is still decided (rejected), so it is never lost.
        None => (None, Decision::Rejected(Rejection::NotOpen), LoadedStandings(HashMap::new())),
    };
    let rejection = match &decision {
        Decision::Rejected(rejection) => Some((rejection.code(), rejection.to_string())),
        Decision::Accepted(_) => None,
    };
    let new_bid = NewBid {
        idempotency_key: &command.idempotency_key,
        lot_id: lot.as_ref().map(|lot| lot.id),
        bidder: &command.bidder,
        kind: command.kind,
        rejection,
        received_at: command.received_at,
        platform_sent_at: command.platform_sent_at,
        decided_at: now,
    };
    let Some(bid_id) = bids::insert(&mut *tx, &new_bid).await? else {
        // Decided concurrently under the same key: that decision stands.
        tx.rollback().await?;
        let earlier = bids::by_key(pool, &command.idempotency_key).await?;
        return earlier.map(Placed::Duplicate).ok_or_else(|| sqlx::Error::Protocol(format!("bid '{}' vanished", command.idempotency_key)));
    };
    match (&decision, &lot) {
        (Decision::Accepted(acceptance), Some(before)) => {
            record_acceptance(&mut tx, before, acceptance, &standings, bid_id, command, now).await?
        }
        (Decision::Rejected(rejection), _) => {
            let event = Event::BidRejected(BidRejected {
                lot_id: lot.as_ref().map(|lot| lot.id),
                bidder: command.bidder.clone(),
                reason: rejection.clone(),
                message: rejection.to_string(),
                received_at: command.received_at,
            });
            outbox::append(&mut *tx, &event, now).await?;
        }
        (Decision::Accepted(_), None) => return Err(sqlx::Error::Protocol("accepted a bid without a lot".into())),
    }
    tx.commit().await?;
    Ok(Placed::Decided { bid_id, decision })
}

/// Loads what the decision needs under the lot's row lock and decides.
async fn decide_in_transaction(
    tx: &mut Transaction<'_, Postgres>,
    lot: &Lot,
    command: &PlaceBid,
    now: DateTime<Utc>,
) -> Result<(Decision, LoadedStandings), sqlx::Error> {
    let marathon = marathons::get(&mut **tx, lot.marathon_id)
        .await?
        .ok_or_else(|| sqlx::Error::Protocol(format!("lot {} has no marathon", lot.id)))?;
    let paused = settings::bidding_paused(&mut **tx).await?;
    let mut loaded = HashMap::new();
    for bidder in std::iter::once(&command.bidder).chain(lot.high.as_ref().map(|high| &high.bidder)) {
        if let Some(standing) = bidders::standing_in_lot(&mut **tx, bidder, lot.id).await? {
            loaded.insert(bidder.clone(), standing);
        }
    }
    let standings = LoadedStandings(loaded);
    let ctx = DecisionContext { rules: &marathon.config.rules, paused, standings: &standings, now };
    let bid = Bid { bidder: command.bidder.clone(), kind: command.kind, received_at: command.received_at };
    Ok((decide_bid(lot, &bid, &ctx), standings))
}

/// Writes an accepted bid's log entries, the lot after it, and its events.
async fn record_acceptance(
    tx: &mut Transaction<'_, Postgres>,
    before: &Lot,
    acceptance: &Acceptance,
    standings: &LoadedStandings,
    bid_id: BidId,
    command: &PlaceBid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for placement in &acceptance.placements {
        // Every placement's bidder was loaded: the standings decided it.
        let wallet = standings.0.get(&placement.bidder).map(|s| s.wallet.as_str()).unwrap_or_default();
        bids::append_log(
            &mut **tx,
            before.id,
            1,
            bid_id,
            placement.bidder.as_str(),
            wallet,
            placement.amount,
            placement.by_proxy,
            command.received_at,
        )
        .await?;
    }
    lots::save(&mut **tx, &acceptance.lot).await?;
    if let Some(high) = &acceptance.lot.high {
        let event = Event::BidAccepted(BidAccepted {
            lot_id: before.id,
            bid_id,
            bidder: command.bidder.clone(),
            kind: command.kind,
            amount: acceptance.placements.first().map_or(high.amount, |placement| placement.amount),
            high_bidder: high.bidder.clone(),
            high_amount: high.amount,
            ends_at: acceptance.lot.ends_at,
            received_at: command.received_at,
        });
        outbox::append(&mut **tx, &event, now).await?;
    }
    if let Some(ends_at) = acceptance.extended_to {
        let event = Event::LotExtended(LotExtended {
            lot_id: before.id,
            marathon_id: before.marathon_id,
            previous_ends_at: before.ends_at,
            ends_at,
            extensions_used: acceptance.lot.extensions_used,
            cause: ExtensionCause::AntiSnipe,
            reopened: acceptance.reopened,
        });
        outbox::append(&mut **tx, &event, now).await?;
    }
    Ok(())
}
