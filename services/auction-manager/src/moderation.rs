//! What operators and admins do to a live marathon: pause bidding, extend or cancel a lot,
//! void a bid, ban a bidder, unlink a bidder from a wallet. Each action commits with its events and its audit entry in one
//! transaction, under the lot's row lock, so it can never interleave with a bid decision.

use crate::engine::book::Book;
use chrono::{DateTime, Utc};
use gavel_domain::bidding::Standings;
use gavel_domain::events::{
    BidReinstated, BidVoided, BidderBanned, BidderUnbanned, BiddingToggled, Event, ExtensionCause, LotCancelled, LotExtended, LotPaused,
    LotResumed,
};
use gavel_domain::lot::{LotState, LotTransition};
use gavel_domain::{BidId, BidderId, LotId, Wei};
use gavel_store::bidders::Bidder;
use gavel_store::lots::LotRecord;
use gavel_store::users::User;
use gavel_store::{PgPool, Postgres, Transaction, audit, bidders, bids, lots, outbox, settings};
use serde_json::json;

/// Why a moderation action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The target is in a state that does not allow the action; the text says which.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Pauses or resumes all bidding (maintenance mode). Returns whether it changed.
pub async fn set_bidding_paused(pool: &PgPool, by: &User, paused: bool, now: DateTime<Utc>) -> Result<bool, ModerationError> {
    let mut tx = pool.begin().await?;
    let changed = settings::set_bidding_paused(&mut *tx, paused).await?;
    if changed {
        let toggled = BiddingToggled { by: by.username.clone() };
        let event = if paused { Event::BiddingPaused(toggled) } else { Event::BiddingResumed(toggled) };
        outbox::append(&mut *tx, &event, now).await?;
        audit::record(&mut *tx, by.id, if paused { "bidding.pause" } else { "bidding.resume" }, "bidding", json!({})).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

async fn locked_lot(tx: &mut Transaction<'_, Postgres>, id: LotId) -> Result<LotRecord, ModerationError> {
    lots::lock(&mut **tx, id).await?.ok_or(ModerationError::NotFound("lot"))
}

/// Where an operator moves a lot's end.
#[derive(Debug, Clone, Copy)]
pub enum NewEnd {
    At(DateTime<Utc>),
    /// Later than the end as it stands under the lot's lock.
    Later(chrono::TimeDelta),
}

/// Moves an ACTIVE lot's end later (a stream outage, say). Anti-snipe's counter is untouched.
pub async fn extend_lot(pool: &PgPool, by: &User, id: LotId, new_end: NewEnd, now: DateTime<Utc>) -> Result<LotRecord, ModerationError> {
    let mut tx = pool.begin().await?;
    let mut record = locked_lot(&mut tx, id).await?;
    let previous = record.lot.ends_at;
    let ends_at = match new_end {
        NewEnd::At(at) => at,
        NewEnd::Later(by) => {
            previous.checked_add_signed(by).ok_or_else(|| ModerationError::Conflict("that end is past the calendar's end".into()))?
        }
    };
    if record.lot.state != LotState::Active {
        return Err(ModerationError::Conflict(format!("only an ACTIVE lot can be extended; this one is {}", record.lot.state)));
    }
    // A paused lot's clock stands still: its end only has to move later (it may lie in the past,
    // when the pause has lasted longer than the time that was left).
    let floor = if record.lot.paused_at.is_some() { previous } else { previous.max(now) };
    if ends_at <= floor {
        return Err(ModerationError::Conflict(format!(
            "the new end must be after the current end ({}) and in the future",
            previous.to_rfc3339()
        )));
    }
    record.lot.ends_at = ends_at;
    lots::save(&mut *tx, &record).await?;
    let event = Event::LotExtended(LotExtended {
        lot_id: id,
        marathon_id: record.lot.marathon_id,
        previous_ends_at: previous,
        ends_at,
        extensions_used: record.lot.extensions_used,
        cause: ExtensionCause::Admin,
        reopened: false,
    });
    outbox::append(&mut *tx, &event, now).await?;
    audit::record(&mut *tx, by.id, "lot.extend", &lot_target(id), json!({ "from": previous, "to": ends_at })).await?;
    tx.commit().await?;
    Ok(record)
}

/// Stops an ACTIVE lot's clock (a stream outage, a dispute on air): bids received from now on are
/// refused as paused and the lot does not close until it is resumed. `reason`, when given, goes
/// to the audit log.
pub async fn pause_lot(
    pool: &PgPool,
    by: &User,
    id: LotId,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<LotRecord, ModerationError> {
    let mut tx = pool.begin().await?;
    let mut record = locked_lot(&mut tx, id).await?;
    record.lot.pause(now).map_err(|error| ModerationError::Conflict(error.to_string()))?;
    lots::save(&mut *tx, &record).await?;
    let event =
        Event::LotPaused(LotPaused { lot_id: id, marathon_id: record.lot.marathon_id, paused_at: now, ends_at: record.lot.ends_at });
    outbox::append(&mut *tx, &event, now).await?;
    audit::record(
        &mut *tx,
        by.id,
        "lot.pause",
        &lot_target(id),
        json!({ "reason": reason, "left_ms": (record.lot.ends_at - now).num_milliseconds() }),
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// Starts a paused lot's clock again; its end moves by the pause's length.
pub async fn resume_lot(pool: &PgPool, by: &User, id: LotId, now: DateTime<Utc>) -> Result<LotRecord, ModerationError> {
    let mut tx = pool.begin().await?;
    let mut record = locked_lot(&mut tx, id).await?;
    let previous = record.lot.resume(now).map_err(|error| ModerationError::Conflict(error.to_string()))?;
    lots::save(&mut *tx, &record).await?;
    let ends_at = record.lot.ends_at;
    let event = Event::LotResumed(LotResumed { lot_id: id, marathon_id: record.lot.marathon_id, previous_ends_at: previous, ends_at });
    outbox::append(&mut *tx, &event, now).await?;
    audit::record(&mut *tx, by.id, "lot.resume", &lot_target(id), json!({ "from": previous, "to": ends_at })).await?;
    tx.commit().await?;
    Ok(record)
}

/// Cancels a lot before its winner is final.
pub async fn cancel_lot(pool: &PgPool, by: &User, id: LotId, reason: &str, now: DateTime<Utc>) -> Result<LotRecord, ModerationError> {
    let mut tx = pool.begin().await?;
    let mut record = locked_lot(&mut tx, id).await?;
    record.lot.transition(LotTransition::Cancel).map_err(|error| ModerationError::Conflict(error.to_string()))?;
    lots::save(&mut *tx, &record).await?;
    lots::set_cancel_reason(&mut *tx, id, reason).await?;
    record.cancel_reason = Some(reason.to_owned());
    let event = Event::LotCancelled(LotCancelled { lot_id: id, marathon_id: record.lot.marathon_id, reason: reason.to_owned() });
    outbox::append(&mut *tx, &event, now).await?;
    audit::record(&mut *tx, by.id, "lot.cancel", &lot_target(id), json!({ "reason": reason })).await?;
    tx.commit().await?;
    Ok(record)
}

/// Voids an accepted bid (a fat finger) until the lot's winner is final; the lead is recomputed
/// from the bids that remain.
pub async fn void_bid(pool: &PgPool, by: &User, id: BidId, reason: &str, now: DateTime<Utc>) -> Result<BidVoided, ModerationError> {
    let mut tx = pool.begin().await?;
    let voided = void_in_lot(&mut tx, id, reason, now).await?;
    audit::record(&mut *tx, by.id, "bid.void", &format!("bid:{id}"), json!({ "lot_id": voided.lot_id, "reason": reason })).await?;
    tx.commit().await?;
    Ok(voided)
}

/// Undoes the void of a bid while its lot's winner is not final: the bid and the log entries its
/// void voided stand again, and the lead is recomputed.
pub async fn reinstate_bid(pool: &PgPool, by: &User, id: BidId, now: DateTime<Utc>) -> Result<BidReinstated, ModerationError> {
    let mut tx = pool.begin().await?;
    let reinstated = reinstate_in_lot(&mut tx, id, now).await?;
    audit::record(&mut *tx, by.id, "bid.reinstate", &format!("bid:{id}"), json!({ "lot_id": reinstated.lot_id })).await?;
    tx.commit().await?;
    Ok(reinstated)
}

/// Reinstates one bid inside the caller's transaction, with its event. Only an undo: refused once
/// the lot has accepted a bid since the void (the lead since then was contested without this bid,
/// and putting it back would overrule that contest), once the winner is final, and while the
/// bidder is banned. Locks the bidder, then the lot, as a ban does, so the two never deadlock.
async fn reinstate_in_lot(tx: &mut Transaction<'_, Postgres>, bid_id: BidId, now: DateTime<Utc>) -> Result<BidReinstated, ModerationError> {
    let found = bids::get(&mut **tx, bid_id).await?.ok_or(ModerationError::NotFound("bid"))?;
    let lot_id = found.lot_id.ok_or_else(|| ModerationError::Conflict("this bid is not void".into()))?;
    let bidder = BidderId::parse(&found.bidder).map_err(|error| sqlx::Error::Decode(error.into()))?;
    if bidders::lock(&mut **tx, &bidder).await?.is_some_and(|locked| locked.banned) {
        return Err(ModerationError::Conflict(format!("{bidder} is banned: lift the ban to reinstate their bids")));
    }
    let mut record = undecided_lot(tx, lot_id, "its voids can no longer be undone").await?;
    // Read again under the lot's lock: a reinstatement that committed meanwhile has done this one.
    let bid = bids::get(&mut **tx, bid_id).await?.ok_or(ModerationError::NotFound("bid"))?;
    if bid.voided_at.is_none() {
        return Err(ModerationError::Conflict("this bid is not void".into()));
    }
    if bids::accepted_since_void(&mut **tx, lot_id, bid_id).await? {
        return Err(ModerationError::Conflict("the lot has accepted a bid since this void: the void can no longer be undone".into()));
    }
    let entries = bids::reinstate(tx, lot_id, bid_id).await?;
    lead_from_the_log(tx, &mut record).await?;
    if let Some(high) = record.lot.high.as_ref().filter(|high| high.bidder == bidder) {
        covered(tx, lot_id, &bidder, high.amount).await?;
    }
    let event = BidReinstated {
        lot_id,
        bid_id,
        bidder,
        amount: entries.iter().find(|entry| entry.bid_id == bid_id).map(|entry| entry.amount_wei),
        high_bidder: record.lot.high.as_ref().map(|high| high.bidder.clone()),
        high_amount: record.lot.high.as_ref().map(|high| high.amount),
    };
    outbox::append(&mut **tx, &Event::BidReinstated(event.clone()), now).await?;
    Ok(event)
}

/// Refuses a lead its bidder can no longer pay, by the engine's own rule (`Book`): the lead must
/// fit in their escrow less pending withdrawals and what they lead with in other lots (a
/// withdrawal requested since the void, say, may have taken it).
async fn covered(tx: &mut Transaction<'_, Postgres>, lot: LotId, bidder: &BidderId, lead: Wei) -> Result<(), ModerationError> {
    let ids = [bidder.as_str()];
    let book = Book::new(bidders::lock_holdings(&mut **tx, &ids).await?, bidders::open_leads(&mut **tx, &ids).await?);
    let funds = book.for_lot(lot).standing(bidder).map_or(Wei::ZERO, |standing| standing.funds);
    if lead > funds {
        return Err(ModerationError::Conflict(format!(
            "{bidder}'s escrow no longer covers the lead this would give back ({} ETH free, {} ETH led): the void stands",
            funds.to_eth_string(),
            lead.to_eth_string()
        )));
    }
    Ok(())
}

/// Voids one bid inside the caller's transaction, with its event; refuses once the winner is
/// final. A bid that only raised its bidder's max holds no log entry: voiding it withdraws the
/// raise, and the lead is recomputed all the same.
async fn void_in_lot(
    tx: &mut Transaction<'_, Postgres>,
    bid_id: BidId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<BidVoided, ModerationError> {
    let bid = bids::get(&mut **tx, bid_id).await?.ok_or(ModerationError::NotFound("bid"))?;
    let lot_id = bid
        .lot_id
        .filter(|_| bid.decision == "ACCEPTED")
        .ok_or_else(|| ModerationError::Conflict("only an accepted bid can be voided".into()))?;
    if bid.voided_at.is_some() {
        return Err(ModerationError::Conflict("this bid is already void".into()));
    }
    let mut record = undecided_lot(tx, lot_id, "its bids can no longer be voided").await?;
    let entries = bids::void(tx, lot_id, bid_id, reason, now).await?;
    lead_from_the_log(tx, &mut record).await?;
    let event = BidVoided {
        lot_id,
        bid_id,
        bidder: BidderId::parse(&bid.bidder).map_err(|error| sqlx::Error::Decode(error.into()))?,
        amount: entries.iter().find(|entry| entry.bid_id == bid_id).map(|entry| entry.amount_wei),
        reason: reason.to_owned(),
        high_bidder: record.lot.high.as_ref().map(|high| high.bidder.clone()),
        high_amount: record.lot.high.as_ref().map(|high| high.amount),
    };
    outbox::append(&mut **tx, &Event::BidVoided(event.clone()), now).await?;
    Ok(event)
}

/// The lot of a void or its undoing, locked; refused once its winner is final (`refused` says
/// what can no longer be done).
async fn undecided_lot(tx: &mut Transaction<'_, Postgres>, lot_id: LotId, refused: &str) -> Result<LotRecord, ModerationError> {
    let record = locked_lot(tx, lot_id).await?;
    if record.lot.winner_final_at.is_some() || matches!(record.lot.state, LotState::Completed | LotState::Cancelled) {
        return Err(ModerationError::Conflict(format!("lot {lot_id}'s winner is final: {refused}")));
    }
    Ok(record)
}

/// Sets the lot's lead from its standing log entries and saves it.
async fn lead_from_the_log(tx: &mut Transaction<'_, Postgres>, record: &mut LotRecord) -> Result<(), ModerationError> {
    let lead = bids::recompute_lead(tx, record.lot.id).await?;
    record.proxy_bid = lead.as_ref().and_then(|lead| lead.proxy_bid);
    record.lot.high = lead.map(|lead| lead.high);
    lots::save(&mut **tx, record).await?;
    Ok(())
}

/// Bans a bidder: their new bids are rejected. With `void_standing_bids`, their accepted bids
/// in lots whose winner is not final yet are voided too, and those lots' leads recomputed.
pub async fn ban_bidder(
    pool: &PgPool,
    by: &User,
    bidder: &BidderId,
    reason: &str,
    void_standing_bids: bool,
    now: DateTime<Utc>,
) -> Result<(Bidder, Vec<BidId>), ModerationError> {
    let mut tx = pool.begin().await?;
    let banned = bidders::set_banned(&mut *tx, bidder, true, Some(reason)).await?.ok_or(ModerationError::NotFound("bidder"))?;
    let mut voided = Vec::new();
    if void_standing_bids {
        for lot_id in lots::with_voidable_bids_of(&mut *tx, bidder).await? {
            for bid_id in bids::standing_of(&mut *tx, lot_id, bidder).await? {
                void_in_lot(&mut tx, bid_id, reason, now).await?;
                voided.push(bid_id);
            }
        }
    }
    let event = Event::BidderBanned(BidderBanned { bidder: bidder.clone(), reason: reason.to_owned(), voided_bids: voided.clone() });
    outbox::append(&mut *tx, &event, now).await?;
    audit::record(&mut *tx, by.id, "bidder.ban", &bidder_target(bidder), json!({ "reason": reason, "voided_bids": voided })).await?;
    tx.commit().await?;
    Ok((banned, voided))
}

/// Lifts a ban, and reinstates `reinstate` (the bids the ban voided, to undo a ban-with-void),
/// all or nothing: each must be the bidder's void bid in a lot whose winner is not final. Returns
/// the bidder and whether the ban changed (an unban of a bidder who is not banned, with nothing
/// to reinstate, writes nothing).
pub async fn unban_bidder(
    pool: &PgPool,
    by: &User,
    bidder: &BidderId,
    reinstate: &[BidId],
    now: DateTime<Utc>,
) -> Result<(Bidder, bool), ModerationError> {
    let mut tx = pool.begin().await?;
    let before = bidders::get(&mut *tx, bidder).await?.ok_or(ModerationError::NotFound("bidder"))?;
    let changed = before.banned;
    if changed {
        bidders::set_banned(&mut *tx, bidder, false, None).await?.ok_or(ModerationError::NotFound("bidder"))?;
        outbox::append(&mut *tx, &Event::BidderUnbanned(BidderUnbanned { bidder: bidder.clone() }), now).await?;
    }
    for &bid_id in reinstate {
        let owner = bids::get(&mut *tx, bid_id).await?.ok_or(ModerationError::NotFound("bid"))?.bidder;
        if owner != bidder.as_str() {
            return Err(ModerationError::Conflict(format!("bid {bid_id} is not {bidder}'s")));
        }
        reinstate_in_lot(&mut tx, bid_id, now).await?;
    }
    if changed || !reinstate.is_empty() {
        audit::record(&mut *tx, by.id, "bidder.unban", &bidder_target(bidder), json!({ "reinstated_bids": reinstate })).await?;
    }
    let after = bidders::get(&mut *tx, bidder).await?.ok_or(ModerationError::NotFound("bidder"))?;
    tx.commit().await?;
    Ok((after, changed))
}

/// Unbinds a bidder from their wallet (a lost wallet, a wrong binding), with the reason in the
/// audit log. Refused while the bidder leads, or has won, a lot not yet COMPLETED: that lot's
/// settlement draws on the wallet. The identity may link again with a fresh deposit; the old
/// wallet's earlier deposits no longer bind it. Returns the bidder as it is afterwards.
pub async fn unlink_bidder(pool: &PgPool, by: &User, bidder: &BidderId, reason: &str) -> Result<Bidder, ModerationError> {
    let mut tx = pool.begin().await?;
    let before = bidders::lock(&mut *tx, bidder).await?.ok_or(ModerationError::NotFound("bidder"))?;
    if before.wallet.is_none() {
        return Err(ModerationError::Conflict(format!("{bidder} is not linked to a wallet")));
    }
    let open: Vec<String> =
        bidders::open_leads(&mut *tx, &[bidder.as_str()]).await?.into_iter().map(|(_, lot, _)| lot.to_string()).collect();
    if !open.is_empty() {
        return Err(ModerationError::Conflict(format!(
            "{bidder} leads or has won lot {} not yet completed: unlink after its settlement",
            open.join(", ")
        )));
    }
    let wallet = bidders::unbind_wallet(&mut tx, bidder, reason, by.id).await?;
    audit::record(&mut *tx, by.id, "bidder.unlink", &bidder_target(bidder), json!({ "reason": reason, "wallet": wallet })).await?;
    let after = bidders::get(&mut *tx, bidder).await?.ok_or(ModerationError::NotFound("bidder"))?;
    tx.commit().await?;
    Ok(after)
}

pub fn lot_target(id: LotId) -> String {
    format!("lot:{id}")
}

fn bidder_target(id: &BidderId) -> String {
    format!("bidder:{id}")
}
