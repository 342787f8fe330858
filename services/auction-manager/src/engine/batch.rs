//! One batch of bids decided in one PostgreSQL transaction: the bids, the lots after them, the
//! bid-log entries and the events commit together or not at all.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use gavel_bus::messages::BidCommand;
use gavel_domain::bid_log::{self, EntryKind};
use gavel_domain::bidding::{Bid, BidKind, Decision, DecisionContext, Rejection, decide_bid};
use gavel_domain::events::{BidAccepted, BidRejected, Event, ExtensionCause, LotClosed, LotExtended};
use gavel_domain::marathon::BidRules;
use gavel_domain::{BidId, LotId, MarathonId};
use gavel_store::bids::{self, NewBid, NewLogEntry};
use gavel_store::lots::{self, LotRecord};
use gavel_store::{Postgres, Transaction, bidders, marathons, outbox, settings};

use super::book::Book;
use super::instances::Horizon;
use crate::scheduler::due_transitions;

/// What became of one command.
// Outcomes live for one batch; boxing the decision would only add an allocation per bid.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Decided {
        bid_id: BidId,
        decision: Decision,
    },
    /// Its message id was decided before: the same chat message, delivered again.
    Duplicate,
}

/// Decides `commands` in the order Gavel received them (ties broken by instance, then message
/// id, so the order is the same on every replay), each message id once.
pub async fn decide_batch(
    tx: &mut Transaction<'_, Postgres>,
    commands: &[BidCommand],
    now: DateTime<Utc>,
) -> Result<Vec<(String, Outcome)>, sqlx::Error> {
    if commands.is_empty() {
        return Ok(Vec::new());
    }
    let mut ordered: Vec<&BidCommand> = commands.iter().collect();
    ordered.sort_by(|a, b| (a.received_at, &a.instance, &a.message_id).cmp(&(b.received_at, &b.instance, &b.message_id)));
    let keys: Vec<&str> = ordered.iter().map(|c| c.message_id.as_str()).collect();
    let decided_before = bids::decided_keys(&mut **tx, &keys).await?;
    let mut outcomes = Vec::with_capacity(ordered.len());
    let mut fresh = Vec::with_capacity(ordered.len());
    let mut taken = HashSet::new();
    for command in ordered {
        if decided_before.contains(&command.message_id) || !taken.insert(command.message_id.as_str()) {
            outcomes.push((command.message_id.clone(), Outcome::Duplicate));
        } else {
            fresh.push(command);
        }
    }

    let lot_of = resolve_lots(tx, &fresh).await?;
    let lot_ids: Vec<i64> = lot_of.values().flatten().map(|id| id.0).collect::<BTreeSet<_>>().into_iter().collect();
    let mut events = Vec::new();
    let mut records: HashMap<LotId, LotRecord> = HashMap::new();
    for mut record in lots::lock_many(&mut **tx, &lot_ids).await? {
        let (_, due) = due_transitions(&mut record.lot, now)?;
        events.extend(due);
        records.insert(record.lot.id, record);
    }
    let rules = load_rules(tx, records.values().map(|r| r.lot.marathon_id).collect()).await?;
    let paused = settings::bidding_paused(&mut **tx).await?;

    // In id order: the upsert locks the rows it meets, and every other locker of bidder rows (the
    // holdings below, the chain watcher) takes them in id order too, so none of them deadlock.
    let mut names: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for command in &fresh {
        names.insert(command.bidder.as_str(), (command.login.as_str(), command.display_name.as_str()));
    }
    let (ids, (logins, displays)): (Vec<&str>, (Vec<&str>, Vec<&str>)) =
        names.iter().map(|(id, (login, display))| (*id, (*login, *display))).unzip();
    bidders::upsert_many(&mut **tx, &ids, &logins, &displays).await?;
    let mut involved: BTreeSet<&str> = ids.into_iter().collect();
    involved.extend(records.values().filter_map(|r| r.lot.high.as_ref()).map(|h| h.bidder.as_str()));
    let involved: Vec<&str> = involved.into_iter().collect();
    let holdings = bidders::lock_holdings(&mut **tx, &involved).await?;
    let mut book = Book::new(holdings, bidders::open_leads(&mut **tx, &involved).await?);

    let bid_ids = bids::reserve_ids(&mut **tx, fresh.len()).await?;
    let mut new_bids = Vec::with_capacity(fresh.len());
    let mut log = Vec::new();
    for (command, bid_id) in fresh.iter().zip(&bid_ids) {
        let bid_id = *bid_id;
        let bid = Bid { bidder: command.bidder.clone(), kind: command.kind, received_at: command.received_at };
        let lot = lot_of.get(command.message_id.as_str()).copied().flatten();
        let decision = match lot.and_then(|id| records.get_mut(&id)) {
            None => Decision::Rejected(Rejection::NoLot),
            Some(record) => {
                let rules = rules
                    .get(&record.lot.marathon_id)
                    .ok_or_else(|| sqlx::Error::Protocol(format!("lot {} has no marathon", record.lot.id)))?;
                let standings = book.for_lot(record.lot.id);
                let ctx = DecisionContext { rules, paused, standings: &standings, now };
                let decision = decide_bid(&record.lot, &bid, &ctx);
                if let Decision::Accepted(acceptance) = &decision {
                    apply_acceptance(record, acceptance, command, bid_id, &mut book, &mut log, &mut events)?;
                }
                decision
            }
        };
        if let Decision::Rejected(rejection) = &decision {
            events.push(Event::BidRejected(BidRejected {
                message_id: command.message_id.clone(),
                channel: command.channel.clone(),
                lot_id: lot,
                bidder: command.bidder.clone(),
                amount: match command.kind {
                    BidKind::Plain(amount) => Some(amount),
                    BidKind::Max(_) => None,
                },
                reason: rejection.clone(),
                message: rejection.to_string(),
                received_at: command.received_at,
            }));
        }
        new_bids.push(NewBid {
            id: bid_id,
            idempotency_key: &command.message_id,
            lot_id: lot,
            bidder: &command.bidder,
            kind: command.kind,
            rejection: match &decision {
                Decision::Rejected(rejection) => Some((rejection.code(), rejection.to_string())),
                Decision::Accepted(_) => None,
            },
            received_at: command.received_at,
            platform_sent_at: command.platform_sent_at,
            decided_at: now,
        });
        outcomes.push((command.message_id.clone(), Outcome::Decided { bid_id, decision }));
    }
    bids::insert_many(&mut **tx, &new_bids).await?;
    bids::append_log(tx, &log).await?;
    for record in records.values() {
        lots::save(&mut **tx, record).await?;
    }
    outbox::append_many(&mut **tx, &events, now).await?;
    Ok(outcomes)
}

/// Finds the lot each command is for: the latest lot of a marathon bidding in the command's
/// channel that had started when the bid was received.
async fn resolve_lots<'a>(
    tx: &mut Transaction<'_, Postgres>,
    commands: &[&'a BidCommand],
) -> Result<HashMap<&'a str, Option<LotId>>, sqlx::Error> {
    let mut latest: HashMap<&str, DateTime<Utc>> = HashMap::new();
    for command in commands {
        let at = latest.entry(command.channel.as_str()).or_insert(command.received_at);
        *at = (*at).max(command.received_at);
    }
    let mut started = HashMap::new();
    for (channel, up_to) in latest {
        started.insert(channel, lots::started_in_channel(&mut **tx, channel, up_to).await?);
    }
    Ok(commands
        .iter()
        .map(|command| {
            let lot = started
                .get(command.channel.as_str())
                .and_then(|lots| lots.iter().find(|(_, starts_at)| *starts_at <= command.received_at))
                .map(|(id, _)| LotId(*id));
            (command.message_id.as_str(), lot)
        })
        .collect())
}

async fn load_rules(
    tx: &mut Transaction<'_, Postgres>,
    marathon_ids: BTreeSet<MarathonId>,
) -> Result<HashMap<MarathonId, BidRules>, sqlx::Error> {
    let mut rules = HashMap::new();
    for id in marathon_ids {
        if let Some(marathon) = marathons::get(&mut **tx, id).await? {
            rules.insert(id, marathon.config.rules);
        }
    }
    Ok(rules)
}

/// Carries an accepted decision into the batch: the lot, the leads, the log entries, the events.
fn apply_acceptance(
    record: &mut LotRecord,
    acceptance: &gavel_domain::bidding::Acceptance,
    command: &BidCommand,
    bid_id: BidId,
    book: &mut Book,
    log: &mut Vec<NewLogEntry>,
    events: &mut Vec<Event>,
) -> Result<(), sqlx::Error> {
    let before = record.lot.clone();
    let defending_proxy = record.proxy_bid;
    for placement in &acceptance.placements {
        let owner = if placement.bidder == command.bidder { bid_id } else { defending_proxy.unwrap_or(bid_id) };
        let wallet = book
            .wallet(&placement.bidder)
            .ok_or_else(|| sqlx::Error::Protocol(format!("{} placed an amount without a wallet", placement.bidder)))?;
        log.push(NewLogEntry {
            lot: before.id,
            kind: EntryKind::Accepted,
            bid_id: owner,
            caused_by: bid_id,
            bidder: placement.bidder.to_string(),
            wallet: wallet.to_owned(),
            amount: placement.amount,
            by_proxy: placement.by_proxy,
            received_at: command.received_at,
        });
    }
    let high = acceptance.lot.high.as_ref().ok_or_else(|| sqlx::Error::Protocol("an accepted bid left no lead".into()))?;
    record.proxy_bid = match high.proxy_max {
        Some(_) if high.bidder == command.bidder && matches!(command.kind, BidKind::Max(_)) => Some(bid_id),
        Some(_) => defending_proxy,
        None => None,
    };
    book.set_lead(before.id, before.high.as_ref().map(|h| &h.bidder), &high.bidder, high.amount);
    record.lot = acceptance.lot.clone();
    events.push(Event::BidAccepted(BidAccepted {
        message_id: command.message_id.clone(),
        channel: command.channel.clone(),
        lot_id: before.id,
        bid_id,
        bidder: command.bidder.clone(),
        max_bid: matches!(command.kind, BidKind::Max(_)),
        amount: acceptance.placements.iter().find(|p| p.bidder == command.bidder).map(|p| p.amount),
        high_bidder: high.bidder.clone(),
        high_amount: high.amount,
        outbid: acceptance.outbid.clone(),
        ends_at: record.lot.ends_at,
        received_at: command.received_at,
    }));
    if let Some(ends_at) = acceptance.extended_to {
        events.push(Event::LotExtended(LotExtended {
            lot_id: before.id,
            marathon_id: before.marathon_id,
            previous_ends_at: before.ends_at,
            ends_at,
            extensions_used: record.lot.extensions_used,
            cause: ExtensionCause::AntiSnipe,
            reopened: acceptance.reopened,
        }));
    }
    Ok(())
}

/// Makes the winner final for every PROCESSING lot whose end every live ingest instance has
/// passed (`horizon`), unless a bid received before its end is still waiting (`earliest_held`).
/// Writes `lot.closed` with the head of the lot's bid-log hash chain.
pub async fn close_lots(
    tx: &mut Transaction<'_, Postgres>,
    horizon: Horizon,
    earliest_held: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Vec<LotId>, sqlx::Error> {
    let limit = match horizon {
        Horizon::Nothing => return Ok(Vec::new()),
        Horizon::Until(watermark) => watermark.min(now),
        Horizon::Unbounded => now,
    };
    let mut closed = Vec::new();
    for mut record in lots::lock_closable(&mut **tx, limit).await? {
        if earliest_held.is_some_and(|held| held < record.lot.ends_at) {
            continue;
        }
        let entries = bids::log(&mut **tx, record.lot.id).await?;
        let published = entries.iter().map(bids::LogEntry::published);
        let head = bid_log::head_of_published(record.lot.id, published).map_err(|error| sqlx::Error::Decode(error.into()))?;
        record.lot.winner_final_at = Some(now);
        lots::save(&mut **tx, &record).await?;
        let high = record.lot.high.as_ref();
        let event = Event::LotClosed(LotClosed {
            lot_id: record.lot.id,
            marathon_id: record.lot.marathon_id,
            winner: high.map(|h| h.bidder.clone()),
            amount: high.map(|h| h.amount),
            bid_log_head: head.to_string(),
        });
        outbox::append(&mut **tx, &event, now).await?;
        closed.push(record.lot.id);
    }
    Ok(closed)
}
