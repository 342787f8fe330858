//! Moderation routes: pause and resume bidding, void a bid, ban and unban a bidder, unlink a
//! bidder from a wallet.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use gavel_domain::events::{BidReinstated, BidVoided};
use gavel_domain::{BidId, BidderId};
use gavel_store::bidders::Bidder;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::{Admin, Caller, Operator, Viewer};
use super::error::{ApiError, ApiJson, ApiPath};
use super::lots::Reason;
use crate::moderation;

pub async fn pause(State(state): State<AppState>, Operator(caller): Operator) -> Result<Json<BiddingStatus>, ApiError> {
    toggle(state, caller, true).await
}

pub async fn resume(State(state): State<AppState>, Operator(caller): Operator) -> Result<Json<BiddingStatus>, ApiError> {
    toggle(state, caller, false).await
}

/// Whether bidding is paused (maintenance mode), and whether the request changed it.
#[derive(Serialize, ts_rs::TS)]
pub struct BiddingStatus {
    bidding_paused: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    changed: Option<bool>,
}

async fn toggle(state: AppState, caller: Caller, paused: bool) -> Result<Json<BiddingStatus>, ApiError> {
    let changed = moderation::set_bidding_paused(&state.pool, &caller.user, paused, Utc::now()).await?;
    Ok(Json(BiddingStatus { bidding_paused: paused, changed: Some(changed) }))
}

pub async fn status(State(state): State<AppState>, _: Viewer) -> Result<Json<BiddingStatus>, ApiError> {
    let paused = gavel_store::settings::bidding_paused(&state.pool).await?;
    Ok(Json(BiddingStatus { bidding_paused: paused, changed: None }))
}

pub async fn void_bid(
    State(state): State<AppState>,
    Operator(caller): Operator,
    ApiPath(id): ApiPath<i64>,
    ApiJson(reason): ApiJson<Reason>,
) -> Result<Json<BidVoided>, ApiError> {
    Ok(Json(moderation::void_bid(&state.pool, &caller.user, BidId(id), reason.checked()?, Utc::now()).await?))
}

/// `POST /api/bids/{id}/reinstate` (operator): undoes a void while the lot's winner is not final.
pub async fn reinstate_bid(
    State(state): State<AppState>,
    Operator(caller): Operator,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BidReinstated>, ApiError> {
    Ok(Json(moderation::reinstate_bid(&state.pool, &caller.user, BidId(id), Utc::now()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ban {
    reason: String,
    #[serde(default)]
    void_standing_bids: bool,
}

fn bidder_id(text: &str) -> Result<BidderId, ApiError> {
    BidderId::parse(text).map_err(|error| ApiError::field("bidder_id", error.to_string()))
}

/// A bidder after a ban, with the bids voided with it.
#[derive(Serialize, ts_rs::TS)]
pub struct Banned {
    bidder: Bidder,
    voided_bids: Vec<BidId>,
}

/// A bidder after an unban, whether the ban changed, and the bids reinstated with it.
#[derive(Serialize, ts_rs::TS)]
pub struct Unbanned {
    bidder: Bidder,
    changed: bool,
    reinstated_bids: Vec<BidId>,
}

/// An unban that also undoes the voids a ban-with-void made (the ban's `voided_bids`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Unban {
    #[serde(default)]
    reinstate_bids: Vec<i64>,
}

pub async fn ban(
    State(state): State<AppState>,
    Operator(caller): Operator,
    ApiPath(id): ApiPath<String>,
    ApiJson(ban): ApiJson<Ban>,
) -> Result<Json<Banned>, ApiError> {
    let bidder = bidder_id(&id)?;
    let reason = Reason { reason: ban.reason }.checked()?.to_owned();
    let (banned, voided) = moderation::ban_bidder(&state.pool, &caller.user, &bidder, &reason, ban.void_standing_bids, Utc::now()).await?;
    Ok(Json(Banned { bidder: banned, voided_bids: voided }))
}

pub async fn unban(
    State(state): State<AppState>,
    Operator(caller): Operator,
    ApiPath(id): ApiPath<String>,
    unban: Option<ApiJson<Unban>>,
) -> Result<Json<Unbanned>, ApiError> {
    let bidder = bidder_id(&id)?;
    let reinstate: Vec<BidId> = unban.map(|ApiJson(unban)| unban).unwrap_or_default().reinstate_bids.into_iter().map(BidId).collect();
    let (bidder, changed) = moderation::unban_bidder(&state.pool, &caller.user, &bidder, &reinstate, Utc::now()).await?;
    Ok(Json(Unbanned { bidder, changed, reinstated_bids: reinstate }))
}

pub async fn get_bidder(State(state): State<AppState>, _: Viewer, ApiPath(id): ApiPath<String>) -> Result<Json<Bidder>, ApiError> {
    let bidder = bidder_id(&id)?;
    Ok(Json(gavel_store::bidders::get(&state.pool, &bidder).await?.ok_or(ApiError::NotFound("bidder"))?))
}

/// `POST /api/bidders/{id}/unlink` (admin): unbinds the bidder from their wallet.
pub async fn unlink(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiPath(id): ApiPath<String>,
    ApiJson(reason): ApiJson<Reason>,
) -> Result<Json<Bidder>, ApiError> {
    let bidder = bidder_id(&id)?;
    Ok(Json(moderation::unlink_bidder(&state.pool, &caller.user, &bidder, reason.checked()?).await?))
}
