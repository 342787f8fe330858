//! `/api/marathons`: create, list and read marathons, and add lots to them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use gavel_domain::MarathonId;
use gavel_domain::lot::LotState;
use gavel_domain::marathon::{MarathonConfig, MarathonSpec};
use gavel_store::lots::{self, NewLot};
use gavel_store::{audit, marathons};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AppState;
use super::auth::{Admin, Viewer};
use super::error::{ApiError, ApiJson, ApiPath};
use super::lots::{check_uri, check_window};
use super::views::{LotView, MarathonView};

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiJson(spec): ApiJson<MarathonSpec>,
) -> Result<(StatusCode, Json<MarathonView>), ApiError> {
    let config = MarathonConfig::parse(spec)?;
    config.check_first_day(Utc::now())?;
    config.check_anti_snipe()?;
    config.check_channels()?;
    let mut tx = state.pool.begin().await?;
    let id = marathons::insert(&mut *tx, &config).await?;
    audit::record(&mut *tx, caller.user.id, "marathon.create", &format!("marathon:{id}"), json!({ "name": config.name })).await?;
    let marathon = marathons::get(&mut *tx, id).await?.ok_or(ApiError::NotFound("marathon"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(MarathonView::from(&marathon))))
}

pub async fn list(State(state): State<AppState>, _: Viewer) -> Result<Json<Vec<MarathonView>>, ApiError> {
    let all = marathons::list(&state.pool).await?;
    Ok(Json(all.iter().map(MarathonView::from).collect()))
}

/// A marathon with all its lots, as the dashboard's marathon page shows it.
#[derive(Serialize, ts_rs::TS)]
pub struct MarathonDetail {
    marathon: MarathonView,
    lots: Vec<LotView>,
}

pub async fn get(State(state): State<AppState>, _: Viewer, ApiPath(id): ApiPath<i64>) -> Result<Json<MarathonDetail>, ApiError> {
    let marathon = marathons::get(&state.pool, MarathonId(id)).await?.ok_or(ApiError::NotFound("marathon"))?;
    let lots = lots::for_marathon(&state.pool, marathon.id).await?.iter().map(LotView::from).collect();
    Ok(Json(MarathonDetail { marathon: MarathonView::from(&marathon), lots }))
}

/// What may change in a running marathon: its name, its anti-snipe rule and whether the overlay
/// shows the join QR code; and, until one of its lots opens, its schedule (its pending lots move
/// with it). The money rules stay as the lots were announced.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarathonEdit {
    name: Option<String>,
    first_day: Option<chrono::NaiveDate>,
    days: Option<u32>,
    time_zone: Option<String>,
    opening_time: Option<chrono::NaiveTime>,
    lot_duration_secs: Option<u32>,
    anti_snipe_window_secs: Option<u32>,
    anti_snipe_extension_secs: Option<u32>,
    anti_snipe_max_extensions: Option<u32>,
    show_join_qr: Option<bool>,
}

/// `PATCH /api/marathons/{id}`: checked by the same rules as a new marathon; bids decided
/// afterwards follow the new anti-snipe rule.
pub async fn edit(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(edit): ApiJson<MarathonEdit>,
) -> Result<Json<MarathonView>, ApiError> {
    let mut tx = state.pool.begin().await?;
    let current = marathons::get(&mut *tx, MarathonId(id)).await?.ok_or(ApiError::NotFound("marathon"))?;
    let mut spec = current.config.to_spec();
    spec.name = edit.name.unwrap_or(spec.name);
    spec.anti_snipe_window_secs = edit.anti_snipe_window_secs.unwrap_or(spec.anti_snipe_window_secs);
    spec.anti_snipe_extension_secs = edit.anti_snipe_extension_secs.unwrap_or(spec.anti_snipe_extension_secs);
    spec.anti_snipe_max_extensions = edit.anti_snipe_max_extensions.unwrap_or(spec.anti_snipe_max_extensions);
    spec.show_join_qr = edit.show_join_qr.unwrap_or(spec.show_join_qr);
    let reschedules = edit.first_day.is_some()
        || edit.days.is_some()
        || edit.time_zone.is_some()
        || edit.opening_time.is_some()
        || edit.lot_duration_secs.is_some();
    spec.first_day = edit.first_day.unwrap_or(spec.first_day);
    spec.days = edit.days.unwrap_or(spec.days);
    spec.time_zone = edit.time_zone.unwrap_or(spec.time_zone);
    spec.opening_time = edit.opening_time.unwrap_or(spec.opening_time);
    spec.lot_duration_secs = edit.lot_duration_secs.unwrap_or(spec.lot_duration_secs);
    let config = MarathonConfig::parse(spec.clone())?;
    if edit.anti_snipe_window_secs.is_some() || edit.anti_snipe_extension_secs.is_some() {
        config.check_anti_snipe()?;
    }
    marathons::update_editable(&mut *tx, current.id, &config).await?;
    if reschedules {
        reschedule(&mut tx, current.id, &config).await?;
    }
    let details = json!({ "name": spec.name, "anti_snipe_window_secs": spec.anti_snipe_window_secs,
                          "anti_snipe_extension_secs": spec.anti_snipe_extension_secs, "anti_snipe_max_extensions": spec.anti_snipe_max_extensions,
                          "show_join_qr": spec.show_join_qr, "first_day": spec.first_day, "days": spec.days, "time_zone": spec.time_zone,
                          "opening_time": spec.opening_time, "lot_duration_secs": spec.lot_duration_secs });
    audit::record(&mut *tx, caller.user.id, "marathon.edit", &format!("marathon:{id}"), details).await?;
    let marathon = marathons::get(&mut *tx, current.id).await?.ok_or(ApiError::NotFound("marathon"))?;
    tx.commit().await?;
    // No event says a marathon changed: its live entry is rebuilt here.
    if let Some(live) = &state.live
        && let Err(error) = live.refresh_marathon(current.id).await
    {
        tracing::warn!(error = %error, "live state not refreshed after an edit");
    }
    Ok(Json(MarathonView::from(&marathon)))
}

/// A new schedule for a marathon none of whose lots has opened: its pending lots move to their
/// days' new windows, each checked as a new lot would be once all have moved (a day moved onto
/// another day's old window is no overlap). The lots are locked first, so none opens meanwhile.
async fn reschedule(tx: &mut sqlx::PgConnection, id: MarathonId, config: &MarathonConfig) -> Result<(), ApiError> {
    let ids: Vec<i64> = lots::for_marathon(&mut *tx, id).await?.iter().map(|record| record.lot.id.0).collect();
    let locked = lots::lock_many(&mut *tx, &ids).await?;
    if locked.iter().any(|record| !matches!(record.lot.state, LotState::Pending | LotState::Cancelled)) {
        return Err(ApiError::Conflict("a lot of this marathon has opened: its schedule stays as announced".into()));
    }
    config.check_first_day(Utc::now())?;
    marathons::update_schedule(&mut *tx, id, config).await?;
    let mut moved = Vec::new();
    for mut record in locked.into_iter().filter(|record| record.lot.state == LotState::Pending) {
        (record.lot.starts_at, record.lot.ends_at) = config.lot_window(record.day_index)?;
        lots::edit_pending(&mut *tx, &record).await?;
        moved.push(record);
    }
    for record in &moved {
        check_window(&mut *tx, id, Some(record.lot.id), record.lot.starts_at, record.lot.ends_at).await?;
    }
    Ok(())
}

/// `DELETE /api/marathons/{id}` (admin): only a marathon in which nothing has happened (no lot
/// opened, no bid).
pub async fn delete(State(state): State<AppState>, Admin(caller): Admin, ApiPath(id): ApiPath<i64>) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await?;
    let marathon = marathons::get(&mut *tx, MarathonId(id)).await?.ok_or(ApiError::NotFound("marathon"))?;
    if !marathons::delete_unused(&mut tx, marathon.id).await? {
        return Err(ApiError::Conflict("a lot of this marathon has opened or has bids: it stays for the record".into()));
    }
    audit::record(&mut *tx, caller.user.id, "marathon.delete", &format!("marathon:{id}"), json!({ "name": marathon.config.name })).await?;
    tx.commit().await?;
    state.wake_scheduler.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// A new lot. Its times follow the marathon's schedule for its day unless given.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotSpec {
    day_index: u32,
    token_uri: String,
    image_url: String,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
}

pub async fn add_lot(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(spec): ApiJson<LotSpec>,
) -> Result<(StatusCode, Json<LotView>), ApiError> {
    let marathon = marathons::get(&state.pool, MarathonId(id)).await?.ok_or(ApiError::NotFound("marathon"))?;
    let (scheduled_start, _) = marathon.config.lot_window(spec.day_index)?;
    let starts_at = spec.starts_at.unwrap_or(scheduled_start);
    let ends_at = match spec.ends_at {
        Some(ends_at) => ends_at,
        None => starts_at
            .checked_add_signed(marathon.config.lot_duration)
            .ok_or_else(|| ApiError::field("starts_at", "is past the calendar's end"))?,
    };
    let new_lot = NewLot {
        marathon_id: marathon.id,
        day_index: spec.day_index,
        token_uri: check_uri("token_uri", spec.token_uri)?,
        image_url: check_uri("image_url", spec.image_url)?,
        starts_at,
        ends_at,
    };
    let mut tx = state.pool.begin().await?;
    check_window(&mut tx, marathon.id, None, starts_at, ends_at).await?;
    let lot_id = lots::insert(&mut *tx, &new_lot).await?.ok_or_else(|| {
        ApiError::Conflict(format!("day {} of this marathon already has a lot (cancel it to run the day again)", spec.day_index + 1))
    })?;
    audit::record(
        &mut *tx,
        caller.user.id,
        "lot.create",
        &crate::moderation::lot_target(lot_id),
        json!({ "marathon_id": id, "day_index": spec.day_index }),
    )
    .await?;
    let record = lots::get(&mut *tx, lot_id).await?.ok_or(ApiError::NotFound("lot"))?;
    tx.commit().await?;
    state.wake_scheduler.notify_one();
    Ok((StatusCode::CREATED, Json(LotView::from(&record))))
}
