//! The SSE routes: `GET /api/events/stream` (every event; a session or API token) and
//! `GET /api/public/lots/{id}/events` (one lot's public events, for the overlay).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;
use gavel_domain::LotId;
use gavel_domain::events::{Event, EventEnvelope};
use gavel_store::outbox;
use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::Gateway;
use crate::hub::Published;

const HEARTBEAT: Duration = Duration::from_secs(15);

pub fn router(gateway: Gateway) -> Router {
    Router::new().route("/api/events/stream", get(all_events)).route("/api/public/lots/{id}/events", get(lot_events)).with_state(gateway)
}

/// Which events a stream carries.
#[derive(Debug, Clone, Copy)]
enum Audience {
    /// Every event (operators and admins).
    All,
    /// One lot's public events: its lot and accepted-bid events (a rejection's reason is the
    /// bidder's business, not the stream's).
    Lot(LotId),
}

impl Audience {
    fn admits(self, event: &Event) -> bool {
        match self {
            Audience::All => true,
            Audience::Lot(lot) => {
                event.lot_id() == Some(lot)
                    && matches!(
                        event,
                        Event::LotOpened(_)
                            | Event::LotExtended(_)
                            | Event::LotProcessing(_)
                            | Event::LotClosed(_)
                            | Event::LotCompleted(_)
                            | Event::LotCancelled(_)
                            | Event::BidAccepted(_)
                            | Event::BidVoided(_)
                    )
            }
        }
    }
}

async fn all_events(State(gateway): State<Gateway>, headers: HeaderMap) -> Response {
    if !(gateway.authorize)(headers.clone()).await {
        let body = json!({ "error": "unauthenticated", "message": "log in, or send Authorization: Bearer <token>" });
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    stream(gateway, Audience::All, last_event_id(&headers)).await
}

async fn lot_events(State(gateway): State<Gateway>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    stream(gateway, Audience::Lot(LotId(id)), last_event_id(&headers)).await
}

/// `Last-Event-ID`, when it is a sequence number; anything else is a fresh start.
fn last_event_id(headers: &HeaderMap) -> Option<i64> {
    headers.get("last-event-id").and_then(|value| value.to_str().ok()).and_then(|text| text.trim().parse().ok()).filter(|seq| *seq >= 0)
}

async fn stream(gateway: Gateway, audience: Audience, last: Option<i64>) -> Response {
    // Subscribed before the backlog is read, so nothing falls between the two.
    let live = gateway.hub.subscribe();
    let mut backlog = VecDeque::new();
    let mut resync = false;
    if let Some(last) = last {
        match replay(&gateway, last).await {
            Ok(Some(events)) => {
                backlog.extend(events.into_iter().filter(|e| audience.admits(&e.event)).map(|e| Arc::new(Published::new(e))))
            }
            Ok(None) => resync = true,
            Err(error) => {
                tracing::warn!(error = %error, "replay failed; the client is told to resync");
                resync = true;
            }
        }
    }
    let state = ClientStream { backlog, live, last_sent: last.unwrap_or(0), audience, resync, done: false };
    Sse::new(events(state)).keep_alive(KeepAlive::new().interval(HEARTBEAT)).into_response()
}

/// What the client missed after `last`, from Redis or PostgreSQL; `None` when it missed more
/// than a replay carries.
async fn replay(gateway: &Gateway, last: i64) -> Result<Option<Vec<EventEnvelope>>, sqlx::Error> {
    let limit = gateway.config().max_replay;
    let events = match gateway.history.after(last, limit + 1).await {
        Some(events) => events,
        None => outbox::numbered_after(&gateway.pool, last, i64::try_from(limit + 1).unwrap_or(i64::MAX)).await?,
    };
    Ok((events.len() <= limit).then_some(events))
}

struct ClientStream {
    backlog: VecDeque<Arc<Published>>,
    live: broadcast::Receiver<Arc<Published>>,
    /// The highest `seq` sent (or the client's `Last-Event-ID`): nothing at or below goes out.
    last_sent: i64,
    audience: Audience,
    /// The client must reload its state: sent first, then the stream ends.
    resync: bool,
    done: bool,
}

fn events(state: ClientStream) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    futures_util::stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        if state.resync {
            state.done = true;
            return Some((Ok(SseEvent::default().event("resync").data("{}")), state));
        }
        while let Some(event) = state.backlog.pop_front() {
            if event.envelope.seq > state.last_sent {
                state.last_sent = event.envelope.seq;
                return Some((Ok(sse_event(&event)), state));
            }
        }
        loop {
            match state.live.recv().await {
                Ok(event) if event.envelope.seq > state.last_sent && state.audience.admits(&event.envelope.event) => {
                    state.last_sent = event.envelope.seq;
                    return Some((Ok(sse_event(&event)), state));
                }
                Ok(_) => continue,
                // Too slow for its buffer: told to resync and dropped; nobody else waited.
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "a slow SSE client was dropped");
                    state.done = true;
                    return Some((Ok(SseEvent::default().event("resync").data(json!({ "missed": missed }).to_string())), state));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

fn sse_event(event: &Published) -> SseEvent {
    SseEvent::default().id(event.envelope.seq.to_string()).event(event.envelope.event.event_type()).data(event.json.as_str())
}
