//! Marathons: stored as the columns of [`MarathonSpec`], read back through its validation.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use gavel_domain::MarathonId;
use gavel_domain::marathon::{MarathonConfig, MarathonSpec, NoSalePolicy};
use sqlx::PgExecutor;

use crate::{corrupt, wei_column, wei_text};

#[derive(Debug, Clone)]
pub struct Marathon {
    pub id: MarathonId,
    pub config: MarathonConfig,
    pub created_at: DateTime<Utc>,
}

// A macro rather than a const so that queries stay `&'static str` (sqlx refuses runtime-built SQL).
macro_rules! marathon_columns {
    () => {
        "id, name, first_day, days, time_zone, opening_time, lot_duration_secs, reserve_wei::TEXT,
    increment_bps, min_increment_wei::TEXT, anti_snipe_window_secs, anti_snipe_extension_secs,
    anti_snipe_max_extensions, allow_self_outbid, no_sale, chat_channels, auction_house, show_join_qr, created_at"
    };
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    first_day: NaiveDate,
    days: i32,
    time_zone: String,
    opening_time: NaiveTime,
    lot_duration_secs: i32,
    reserve_wei: String,
    increment_bps: i32,
    min_increment_wei: String,
    anti_snipe_window_secs: i32,
    anti_snipe_extension_secs: i32,
    anti_snipe_max_extensions: i32,
    allow_self_outbid: bool,
    no_sale: String,
    chat_channels: Vec<String>,
    auction_house: Option<String>,
    show_join_qr: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<Row> for Marathon {
    type Error = sqlx::Error;
    fn try_from(row: Row) -> Result<Self, Self::Error> {
        let unsigned = |value: i32| u32::try_from(value).map_err(|error| corrupt("marathon number", error));
        let no_sale = match row.no_sale.as_str() {
            "burn" => NoSalePolicy::Burn,
            "keep_in_treasury" => NoSalePolicy::KeepInTreasury,
            other => return Err(corrupt("no-sale policy", other)),
        };
        let auction_house =
            row.auction_house.map(|text| text.parse().map_err(|error| corrupt("auction house address", error))).transpose()?;
        let spec = MarathonSpec {
            name: row.name,
            first_day: row.first_day,
            days: unsigned(row.days)?,
            time_zone: row.time_zone,
            opening_time: row.opening_time,
            lot_duration_secs: unsigned(row.lot_duration_secs)?,
            reserve_wei: wei_column(&row.reserve_wei)?,
            increment_bps: unsigned(row.increment_bps)?,
            min_increment_wei: wei_column(&row.min_increment_wei)?,
            anti_snipe_window_secs: unsigned(row.anti_snipe_window_secs)?,
            anti_snipe_extension_secs: unsigned(row.anti_snipe_extension_secs)?,
            anti_snipe_max_extensions: unsigned(row.anti_snipe_max_extensions)?,
            allow_self_outbid: row.allow_self_outbid,
            no_sale,
            chat_channels: row.chat_channels,
            auction_house,
            show_join_qr: row.show_join_qr,
        };
        let config = MarathonConfig::parse(spec).map_err(|error| corrupt("marathon", error))?;
        Ok(Marathon { id: MarathonId(row.id), config, created_at: row.created_at })
    }
}

pub async fn insert(db: impl PgExecutor<'_>, config: &MarathonConfig) -> Result<MarathonId, sqlx::Error> {
    let spec = config.to_spec();
    // Validated values fit their columns: days ≤ 366, seconds ≤ 86 400, bps ≤ 10 000, extensions ≤ 1 000.
    let int = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
    let id = sqlx::query_scalar(
        "INSERT INTO marathons (name, first_day, days, time_zone, opening_time, lot_duration_secs, reserve_wei,
            increment_bps, min_increment_wei, anti_snipe_window_secs, anti_snipe_extension_secs,
            anti_snipe_max_extensions, allow_self_outbid, no_sale, chat_channels, auction_house, show_join_qr)
         VALUES ($1, $2, $3, $4, $5, $6, $7::NUMERIC, $8, $9::NUMERIC, $10, $11, $12, $13, $14, $15, $16, $17)
         RETURNING id",
    )
    .bind(&spec.name)
    .bind(spec.first_day)
    .bind(int(spec.days))
    .bind(&spec.time_zone)
    .bind(spec.opening_time)
    .bind(int(spec.lot_duration_secs))
    .bind(wei_text(spec.reserve_wei))
    .bind(int(spec.increment_bps))
    .bind(wei_text(spec.min_increment_wei))
    .bind(int(spec.anti_snipe_window_secs))
    .bind(int(spec.anti_snipe_extension_secs))
    .bind(int(spec.anti_snipe_max_extensions))
    .bind(spec.allow_self_outbid)
    .bind(spec.no_sale.as_str())
    .bind(&spec.chat_channels)
    .bind(spec.auction_house.map(|address| address.to_checksum(None)))
    .bind(spec.show_join_qr)
    .fetch_one(db)
    .await?;
    Ok(MarathonId(id))
}

/// Stores a marathon's schedule (first day, days, time zone, opening time, lot duration) from
/// `config`, validated by the caller, who has checked that none of its lots has opened.
pub async fn update_schedule(db: impl PgExecutor<'_>, id: MarathonId, config: &MarathonConfig) -> Result<(), sqlx::Error> {
    let spec = config.to_spec();
    let int = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
    sqlx::query("UPDATE marathons SET first_day = $2, days = $3, time_zone = $4, opening_time = $5, lot_duration_secs = $6 WHERE id = $1")
        .bind(id.0)
        .bind(spec.first_day)
        .bind(int(spec.days))
        .bind(&spec.time_zone)
        .bind(spec.opening_time)
        .bind(int(spec.lot_duration_secs))
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes a marathon and its lots, when nothing has happened in it: every lot PENDING or
/// CANCELLED, none with a bid, none touched on chain (a token minted ahead, a burn). Returns false, deleting nothing, when something has (or when
/// there is no such marathon).
pub async fn delete_unused(db: &mut sqlx::PgConnection, id: MarathonId) -> Result<bool, sqlx::Error> {
    // Locked first, so that none opens between the question and the deletion.
    sqlx::query("SELECT id FROM lots WHERE marathon_id = $1 ORDER BY id FOR UPDATE").bind(id.0).execute(&mut *db).await?;
    let used: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM lots l WHERE l.marathon_id = $1
                          AND (l.state NOT IN ('PENDING', 'CANCELLED')
                               OR EXISTS (SELECT 1 FROM bids b WHERE b.lot_id = l.id)
                               OR EXISTS (SELECT 1 FROM chain_actions c WHERE c.lot_id = l.id)
                               OR EXISTS (SELECT 1 FROM settlement_attempts s WHERE s.lot_id = l.id)))",
    )
    .bind(id.0)
    .fetch_one(&mut *db)
    .await?;
    if used {
        return Ok(false);
    }
    sqlx::query("DELETE FROM lots WHERE marathon_id = $1").bind(id.0).execute(&mut *db).await?;
    let deleted = sqlx::query("DELETE FROM marathons WHERE id = $1").bind(id.0).execute(&mut *db).await?;
    Ok(deleted.rows_affected() == 1)
}

/// Stores a marathon's name and anti-snipe rule from `config` (validated by the caller).
/// Writes what may change in a running marathon: its name, its anti-snipe rule and its overlay's
/// join QR code.
pub async fn update_editable(db: impl PgExecutor<'_>, id: MarathonId, config: &MarathonConfig) -> Result<(), sqlx::Error> {
    let spec = config.to_spec();
    sqlx::query(
        "UPDATE marathons SET name = $2, anti_snipe_window_secs = $3, anti_snipe_extension_secs = $4, anti_snipe_max_extensions = $5,
                              show_join_qr = $6
         WHERE id = $1",
    )
    .bind(id.0)
    .bind(&spec.name)
    .bind(i32::try_from(spec.anti_snipe_window_secs).map_err(|error| crate::corrupt("anti-snipe window", error))?)
    .bind(i32::try_from(spec.anti_snipe_extension_secs).map_err(|error| crate::corrupt("anti-snipe extension", error))?)
    .bind(i32::try_from(spec.anti_snipe_max_extensions).map_err(|error| crate::corrupt("anti-snipe extensions", error))?)
    .bind(spec.show_join_qr)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl PgExecutor<'_>, id: MarathonId) -> Result<Option<Marathon>, sqlx::Error> {
    let row: Option<Row> =
        sqlx::query_as(concat!("SELECT ", marathon_columns!(), " FROM marathons WHERE id = $1")).bind(id.0).fetch_optional(db).await?;
    row.map(Marathon::try_from).transpose()
}

pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<Marathon>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(concat!("SELECT ", marathon_columns!(), " FROM marathons ORDER BY id")).fetch_all(db).await?;
    rows.into_iter().map(Marathon::try_from).collect()
}

/// The chat channels (`platform:channel`) of the marathon a lot belongs to.
pub async fn channels_of_lot(db: impl PgExecutor<'_>, lot: gavel_domain::LotId) -> Result<Vec<String>, sqlx::Error> {
    let channels: Option<Vec<String>> =
        sqlx::query_scalar("SELECT m.chat_channels FROM marathons m JOIN lots l ON l.marathon_id = m.id WHERE l.id = $1")
            .bind(lot.0)
            .fetch_optional(db)
            .await?;
    Ok(channels.unwrap_or_default())
}
