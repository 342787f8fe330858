//! The lot clock: drives PENDING → ACTIVE → PROCESSING from what PostgreSQL holds.
//!
//! Nothing is kept in memory: each pass asks the database which transitions are due, so a
//! restart resumes every lot where it was (a start that passed while the process was down opens
//! the lot at once; an end that passed closes it). Each transition and its event commit in one
//! transaction, and the state guard in the row lock makes a transition happen exactly once even
//! with several schedulers running.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use gavel_domain::LotId;
use gavel_domain::events::{Event, LotOpened, LotProcessing};
use gavel_domain::lot::{Lot, LotState, LotTransition};
use gavel_store::{PgPool, lots, outbox};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{Heartbeats, telemetry};

/// Longest sleep between passes: other processes may add or edit lots without waking this one.
const MAX_SLEEP: Duration = Duration::from_secs(1);
/// Shortest sleep: a due lot another transaction holds locked is retried soon, not in a busy loop.
const MIN_SLEEP: Duration = Duration::from_millis(5);
/// Pause after a failed pass (database unreachable) before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A transition the scheduler made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transitioned {
    pub lot_id: LotId,
    pub to: LotState,
}

/// Makes every transition due at `now`, each with its event, in one transaction.
pub async fn advance_due_lots(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<Transitioned>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut done = Vec::new();
    for mut record in lots::lock_due(&mut *tx, now).await? {
        let (steps, events) = due_transitions(&mut record.lot, now)?;
        outbox::append_many(&mut *tx, &events, now).await?;
        lots::save(&mut *tx, &record).await?;
        done.extend(steps);
    }
    tx.commit().await?;
    for step in &done {
        tracing::info!(lot_id = step.lot_id.0, state = %step.to, "lot transition");
    }
    Ok(done)
}

/// Applies the clock's transitions due at `now` to a locked lot: opens it if its start has
/// come, moves it to PROCESSING if its end has. Returns what it did and the events to write.
/// The bid engine calls this too, so a bid never meets a lot the clock has not caught up with.
pub fn due_transitions(lot: &mut Lot, now: DateTime<Utc>) -> Result<(Vec<Transitioned>, Vec<Event>), sqlx::Error> {
    let mut steps = Vec::new();
    let mut events = Vec::new();
    if lot.state == LotState::Pending && lot.starts_at <= now {
        lot.transition(LotTransition::Open).map_err(invalid)?;
        events.push(Event::LotOpened(LotOpened {
            lot_id: lot.id,
            marathon_id: lot.marathon_id,
            starts_at: lot.starts_at,
            ends_at: lot.ends_at,
        }));
        steps.push(Transitioned { lot_id: lot.id, to: LotState::Active });
    }
    if lot.end_reached(now) {
        lot.transition(LotTransition::EndReached).map_err(invalid)?;
        events.push(Event::LotProcessing(LotProcessing { lot_id: lot.id, marathon_id: lot.marathon_id, ends_at: lot.ends_at }));
        steps.push(Transitioned { lot_id: lot.id, to: LotState::Processing });
    }
    Ok((steps, events))
}

/// The rows were selected by state, so a refused transition means the data changed under the
/// lock: report it as an error, never skip it silently.
fn invalid(error: gavel_domain::lot::InvalidTransition) -> sqlx::Error {
    sqlx::Error::Protocol(format!("scheduler: {error}"))
}

/// Runs the clock until `shutdown`. `wake` is notified when a lot's times change in this
/// process, so an edit takes effect without waiting for the next pass.
pub async fn run(pool: PgPool, wake: Arc<Notify>, heartbeats: Arc<Heartbeats>, shutdown: CancellationToken) -> anyhow::Result<()> {
    tracing::info!("scheduler started");
    let mut counted_at: Option<std::time::Instant> = None;
    loop {
        let sleep = match advance_due_lots(&pool, Utc::now()).await {
            Ok(done) => {
                Heartbeats::beat(&heartbeats.scheduler);
                // Recounted when this clock moved a lot, and every few seconds for what others
                // did (a bid reopening a lot, a cancellation).
                if !done.is_empty() || counted_at.is_none_or(|at| at.elapsed() >= telemetry::GAUGE_EVERY) {
                    counted_at = Some(std::time::Instant::now());
                    count_active_lots(&pool).await;
                }
                until_next_due(&pool).await
            }
            Err(error) => {
                tracing::warn!(error = %error, "scheduler pass failed; retrying");
                RETRY_AFTER
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(sleep) => {}
            () = wake.notified() => {}
        }
    }
    tracing::info!("scheduler stopped");
    Ok(())
}

async fn count_active_lots(pool: &PgPool) {
    match lots::active_count(pool).await {
        Ok(count) => metrics::gauge!(telemetry::LOTS_ACTIVE).set(count as f64),
        Err(error) => tracing::debug!(error = %error, "could not count the active lots"),
    }
}

async fn until_next_due(pool: &PgPool) -> Duration {
    match lots::next_due_at(pool).await {
        Ok(Some(due)) => (due - Utc::now()).to_std().unwrap_or(Duration::ZERO).clamp(MIN_SLEEP, MAX_SLEEP),
        Ok(None) => MAX_SLEEP,
        Err(error) => {
            tracing::warn!(error = %error, "could not read the next due time");
            RETRY_AFTER
        }
    }
}
