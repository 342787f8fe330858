//! `/api/lots/{id}`: read a lot with its leaderboard and bids, edit it before it opens, extend
//! or cancel it; and the public bid log.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use gavel_domain::lot::LotState;
use gavel_domain::{BidId, LotId, MarathonId};
use gavel_store::bids::{self, BidView, LogEntry};
use gavel_store::{audit, lots};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AppState;
use super::auth::{Admin, Operator, Viewer};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use super::views::{LotView, StandingView, ranked};
use crate::moderation::{self, lot_target};

const TOP: u32 = 3;
const MAX_PAGE: u32 = 200;
const MAX_URI_BYTES: usize = 2048;

/// Token and image addresses are IPFS or HTTP(S) URIs of reasonable length.
pub fn check_uri(field: &'static str, uri: String) -> Result<String, ApiError> {
    let uri = uri.trim().to_owned();
    let scheme_ok = ["ipfs://", "https://", "http://", "ar://"].iter().any(|scheme| uri.starts_with(scheme));
    if !scheme_ok || uri.len() > MAX_URI_BYTES || uri.chars().any(char::is_whitespace) {
        return Err(ApiError::field(field, "must be an ipfs://, ar://, https:// or http:// URI of at most 2048 bytes, without spaces"));
    }
    Ok(uri)
}

/// Checks a lot's window on its own and against the marathon's other lots: it must end after
/// it starts, start in the future, and overlap no other lot (one lot at a time).
pub async fn check_window(
    db: &mut sqlx::PgConnection,
    marathon_id: MarathonId,
    lot: Option<LotId>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    if ends_at <= starts_at {
        return Err(ApiError::field("ends_at", "must be after starts_at"));
    }
    if starts_at <= Utc::now() {
        return Err(ApiError::field("starts_at", "must be in the future"));
    }
    if let Some(other) = lots::overlapping(&mut *db, marathon_id, starts_at, ends_at, lot).await? {
        return Err(ApiError::Conflict(format!("the lot would overlap lot {other} of the same marathon")));
    }
    Ok(())
}

async fn existing(state: &AppState, id: i64) -> Result<gavel_store::lots::LotRecord, ApiError> {
    lots::get(&state.pool, LotId(id)).await?.ok_or(ApiError::NotFound("lot"))
}

#[derive(Serialize, ts_rs::TS)]
pub struct LotWithTop {
    #[serde(flatten)]
    lot: LotView,
    top: Vec<StandingView>,
}

pub async fn get(State(state): State<AppState>, _: Viewer, ApiPath(id): ApiPath<i64>) -> Result<Json<LotWithTop>, ApiError> {
    let record = existing(&state, id).await?;
    let top = ranked(bids::leaderboard(&state.pool, record.lot.id, TOP).await?);
    Ok(Json(LotWithTop { lot: LotView::from(&record), top }))
}

pub async fn leaderboard(State(state): State<AppState>, _: Viewer, ApiPath(id): ApiPath<i64>) -> Result<Json<Vec<StandingView>>, ApiError> {
    let record = existing(&state, id).await?;
    Ok(Json(ranked(bids::leaderboard(&state.pool, record.lot.id, TOP).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    before: Option<i64>,
    limit: Option<u32>,
}

#[derive(Serialize, ts_rs::TS)]
pub struct BidPage {
    bids: Vec<BidView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    next_before: Option<BidId>,
}

pub async fn bids_page(
    State(state): State<AppState>,
    _: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<BidPage>, ApiError> {
    let limit = page.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::field("limit", format!("must be between 1 and {MAX_PAGE}")));
    }
    let record = existing(&state, id).await?;
    let bids = bids::page_for_lot(&state.pool, record.lot.id, page.before.map(BidId), limit).await?;
    let next_before = (bids.len() == limit as usize).then(|| bids.last().map(|bid| bid.id)).flatten();
    Ok(Json(BidPage { bids, next_before }))
}

/// What an admin may change before a lot opens.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotEdit {
    token_uri: Option<String>,
    image_url: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
}

pub async fn edit(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<LotEdit>,
) -> Result<Json<LotView>, ApiError> {
    let mut tx = state.pool.begin().await?;
    let mut record = lots::lock(&mut *tx, LotId(id)).await?.ok_or(ApiError::NotFound("lot"))?;
    if record.lot.state != LotState::Pending {
        return Err(ApiError::Conflict(format!("a lot can be edited only before it opens; this one is {}", record.lot.state)));
    }
    if let Some(uri) = edit.token_uri {
        record.token_uri = check_uri("token_uri", uri)?;
    }
    if let Some(uri) = edit.image_url {
        record.image_url = check_uri("image_url", uri)?;
    }
    if edit.starts_at.is_some() || edit.ends_at.is_some() {
        record.lot.starts_at = edit.starts_at.unwrap_or(record.lot.starts_at);
        record.lot.ends_at = edit.ends_at.unwrap_or(record.lot.ends_at);
        check_window(&mut tx, record.lot.marathon_id, Some(record.lot.id), record.lot.starts_at, record.lot.ends_at).await?;
    }
    lots::edit_pending(&mut *tx, &record).await?;
    let details = json!({ "token_uri": record.token_uri, "image_url": record.image_url, "starts_at": record.lot.starts_at, "ends_at": record.lot.ends_at });
    audit::record(&mut *tx, caller.user.id, "lot.edit", &lot_target(record.lot.id), details).await?;
    tx.commit().await?;
    state.wake_scheduler.notify_one();
    // No event says a pending lot changed: its live entries are rebuilt here.
    if let Some(live) = &state.live {
        let refreshed = match live.refresh_lot(record.lot.id).await {
            Ok(_) => live.refresh_marathon(record.lot.marathon_id).await.map(|_| ()),
            Err(error) => Err(error),
        };
        if let Err(error) = refreshed {
            tracing::warn!(error = %error, "live state not refreshed after an edit");
        }
    }
    Ok(Json(LotView::from(&record)))
}

/// A new end: a time (`ends_at`), or a number of seconds after the end as it is when the request
/// arrives (`by_secs`, the dashboard's +1 / +5 min: an anti-snipe extension the page has not seen
/// yet is kept, not undercut).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    ends_at: Option<DateTime<Utc>>,
    by_secs: Option<u32>,
}

/// The longest relative extension: a day, a lot's longest duration.
const MAX_EXTENSION_SECS: u32 = 86_400;

pub async fn extend(
    State(state): State<AppState>,
    Operator(caller): Operator,
    ApiPath(id): ApiPath<i64>,
    ApiJson(extension): ApiJson<Extension>,
) -> Result<Json<LotView>, ApiError> {
    let new_end = match (extension.ends_at, extension.by_secs) {
        (Some(at), None) => moderation::NewEnd::At(at),
        (None, Some(secs)) if (1..=MAX_EXTENSION_SECS).contains(&secs) => {
            moderation::NewEnd::Later(chrono::TimeDelta::seconds(i64::from(secs)))
        }
        (None, Some(_)) => return Err(ApiError::field("by_secs", format!("must be between 1 and {MAX_EXTENSION_SECS} seconds"))),
        _ => return Err(ApiError::field("ends_at", "give either ends_at (a time) or by_secs (seconds after the current end)")),
    };
    let record = moderation::extend_lot(&state.pool, &caller.user, LotId(id), new_end, Utc::now()).await?;
    state.wake_scheduler.notify_one();
    Ok(Json(LotView::from(&record)))
}

/// Why an operator paused a lot, for the audit trail; optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseNote {
    reason: Option<String>,
}

/// `POST /api/lots/{id}/pause` (operator), with an optional `{"reason": …}`: stops the lot's clock.
pub async fn pause(
    State(state): State<AppState>,
    Operator(caller): Operator,
    ApiPath(id): ApiPath<i64>,
    note: Option<ApiJson<PauseNote>>,
) -> Result<Json<LotView>, ApiError> {
    let reason = match note.and_then(|ApiJson(note)| note.reason) {
        Some(reason) => Some(Reason { reason }.checked()?.to_owned()),
        None => None,
    };
    let record = moderation::pause_lot(&state.pool, &caller.user, LotId(id), reason.as_deref(), Utc::now()).await?;
    state.wake_scheduler.notify_one();
    Ok(Json(LotView::from(&record)))
}

/// `POST /api/lots/{id}/resume` (operator): the clock runs again with the time it had left.
pub async fn resume(
    State(state): State<AppState>,
    Operator(caller): Operator,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<LotView>, ApiError> {
    let record = moderation::resume_lot(&state.pool, &caller.user, LotId(id), Utc::now()).await?;
    state.wake_scheduler.notify_one();
    Ok(Json(LotView::from(&record)))
}

/// What operators did to a lot, newest first.
#[derive(Serialize, ts_rs::TS)]
pub struct LotAudit {
    entries: Vec<audit::LotAuditEntry>,
}

/// `GET /api/lots/{id}/audit` (viewer): the lot's audit trail.
pub async fn audit_trail(State(state): State<AppState>, _: Viewer, ApiPath(id): ApiPath<i64>) -> Result<Json<LotAudit>, ApiError> {
    let record = existing(&state, id).await?;
    Ok(Json(LotAudit { entries: audit::for_lot(&state.pool, record.lot.id, MAX_PAGE).await? }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

impl Reason {
    /// A reason is required, and short enough to show in a dashboard.
    pub fn checked(&self) -> Result<&str, ApiError> {
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ApiError::field("reason", "must be 1 to 500 characters"));
        }
        Ok(reason)
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(reason): ApiJson<Reason>,
) -> Result<Json<LotView>, ApiError> {
    let record = moderation::cancel_lot(&state.pool, &caller.user, LotId(id), reason.checked()?, Utc::now()).await?;
    Ok(Json(LotView::from(&record)))
}

/// A lot's public bid log: its accepted bids and voids in decision order, the entries of the hash
/// chain whose head goes on chain at settlement.
#[derive(Serialize, ts_rs::TS)]
pub struct BidLog {
    lot_id: LotId,
    state: LotState,
    entries: Vec<LogEntry>,
}

/// The public bid log of a lot: accepted amounts and voids in decision order. No token needed.
pub async fn public_bid_log(State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<BidLog>, ApiError> {
    let record = existing(&state, id).await?;
    let entries: Vec<LogEntry> = bids::log(&state.pool, record.lot.id).await?;
    Ok(Json(BidLog { lot_id: record.lot.id, state: record.lot.state, entries }))
}
