//! Gavel's persistence in PostgreSQL, the source of truth for every service.
//!
//! Each module owns the queries of one part of the schema (`migrations/`). Functions take an
//! executor, so that a caller composes several of them in one transaction: a state change and
//! the event it emits (the transactional outbox) always commit together.
//!
//! Amounts cross the boundary as decimal text (`$1::NUMERIC`, `col::TEXT`) so no value is ever
//! rounded through a float.

pub mod audit;
pub mod bidders;
pub mod bids;
pub mod heartbeats;
pub mod instances;
pub mod lots;
pub mod marathons;
pub mod outbox;
pub mod settings;
pub mod settlement;
pub mod users;
pub mod viewers;

use std::time::Duration;

use gavel_domain::Wei;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
pub use sqlx::{PgPool, Postgres, Transaction};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens a pool. Connecting is lazy-checked here (one connection made) so that a wrong URL
/// fails at start, with the cause, rather than at the first request.
pub async fn connect(options: PgConnectOptions, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(max_connections).acquire_timeout(Duration::from_secs(5)).connect_with(options).await
}

/// Applies every pending migration; safe to run on every start.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Reads a `NUMERIC(78,0)` column selected as text. A value that is not a whole wei amount
/// means the database was changed behind Gavel's back: a decode error, never a panic.
pub(crate) fn wei_column(text: &str) -> Result<Wei, sqlx::Error> {
    Wei::parse_wei(text).map_err(|error| sqlx::Error::Decode(format!("stored amount '{text}': {error}").into()))
}

pub(crate) fn optional_wei_column(text: Option<&str>) -> Result<Option<Wei>, sqlx::Error> {
    text.map(wei_column).transpose()
}

/// Turns a stored value the domain refuses into a decode error naming it.
pub(crate) fn corrupt(what: &str, error: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("stored {what}: {error}").into())
}

/// The decimal text a wei amount is bound as.
pub(crate) fn wei_text(wei: Wei) -> String {
    wei.as_u256().to_string()
}
