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

use crate::hub::Published;
use crate::{Gateway, telemetry};

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
    /// The `stream` label of the clients gauge.
    fn label(self) -> &'static str {
        match self {
            Audience::All => "all",
            Audience::Lot(_) => "lot",
        }
    }

    fn admits(self, event: &Event) -> bool {
        match self {
            Audience::All => true,
            Audience::Lot(lot) => {
                let about_the_lot = event.lot_id() == Some(lot)
                    && matches!(
                        event,
                        Event::LotOpened(_)
                            | Event::LotExtended(_)
                            | Event::LotProcessing(_)
                            | Event::LotClosed(_)
                            | Event::LotCompleted(_)
                            | Event::LotCancelled(_)
                            | Event::LotPaused(_)
                            | Event::LotResumed(_)
                            | Event::BidAccepted(_)
                            | Event::BidVoided(_)
                            | Event::BidReinstated(_)
                    );
                // Every lot's viewers are told when all bidding pauses and resumes.
                about_the_lot || matches!(event, Event::BiddingPaused(_) | Event::BiddingResumed(_))
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
    let mut resync = None;
    if let Some(last) = last {
        let head = head(&gateway).await;
        if last > head {
            // An id from the future (a forged header, a reset database): start over at the head.
            resync = Some(head);
        } else {
            match replay(&gateway, last).await {
                Ok(Some(events)) => {
                    backlog.extend(events.into_iter().filter(|e| audience.admits(&e.event)).map(|e| Arc::new(Published::new(e))))
                }
                Ok(None) => resync = Some(head),
                Err(error) => {
                    tracing::warn!(error = %error, "replay failed; the client is told to resync");
                    resync = Some(head);
                }
            }
        }
    }
    let hub = gateway.hub.clone();
    let connected = Connected::new(audience);
    let state = ClientStream { backlog, live, hub, last_sent: last.unwrap_or(0), audience, resync, done: false, _connected: connected };
    Sse::new(events(state)).keep_alive(KeepAlive::new().interval(HEARTBEAT)).into_response()
}

/// What the client missed after `last`: from Redis as far as its history reaches, then from
/// PostgreSQL for anything after that (events no gateway saw, while none ran); `None` when it
/// missed more than a replay carries.
async fn replay(gateway: &Gateway, last: i64) -> Result<Option<Vec<EventEnvelope>>, sqlx::Error> {
    let limit = gateway.config().max_replay;
    let mut events = gateway.history.after(last, limit + 1).await.unwrap_or_default();
    if events.len() <= limit {
        let after = events.last().map_or(last, |e| e.seq);
        let wanted = i64::try_from(limit + 1 - events.len()).unwrap_or(i64::MAX);
        events.extend(outbox::numbered_after(&gateway.pool, after, wanted).await?);
    }
    Ok((events.len() <= limit).then_some(events))
}

/// The newest `seq`: what this gateway broadcast, or what the outbox numbered if later.
async fn head(gateway: &Gateway) -> i64 {
    let numbered = outbox::head(&gateway.pool).await.unwrap_or_default().unwrap_or_default();
    numbered.max(gateway.hub.last_seq())
}

struct ClientStream {
    backlog: VecDeque<Arc<Published>>,
    live: broadcast::Receiver<Arc<Published>>,
    hub: Arc<crate::hub::Hub>,
    /// The highest `seq` sent (or the client's `Last-Event-ID`): nothing at or below goes out.
    last_sent: i64,
    audience: Audience,
    /// The client must reload its state: `resync` is sent first, with this id (the head) so a
    /// reconnection starts from there instead of asking for the same replay again; then the
    /// stream ends.
    resync: Option<i64>,
    done: bool,
    _connected: Connected,
}

/// One client counted in the gauge for as long as its stream lives: dropped when the stream
/// ends (a resync) or the client goes (the response body is dropped), whichever comes first.
struct Connected(metrics::Gauge);

impl Connected {
    fn new(audience: Audience) -> Self {
        let gauge = metrics::gauge!(telemetry::SSE_CLIENTS, "stream" => audience.label());
        gauge.increment(1);
        Connected(gauge)
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.0.decrement(1);
    }
}

fn events(state: ClientStream) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    futures_util::stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        if let Some(head) = state.resync {
            state.done = true;
            return Some((Ok(resync(head, 0)), state));
        }
        while let Some(event) = state.backlog.pop_front() {
            if event.envelope.seq > state.last_sent {
                state.last_sent = event.envelope.seq;
                return Some((Ok(sse_event(&event, state.audience)), state));
            }
        }
        loop {
            match state.live.recv().await {
                Ok(event) if event.envelope.seq > state.last_sent && state.audience.admits(&event.envelope.event) => {
                    state.last_sent = event.envelope.seq;
                    return Some((Ok(sse_event(&event, state.audience)), state));
                }
                Ok(_) => continue,
                // Too slow for its buffer: told to resync and dropped; nobody else waited.
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "a slow SSE client was dropped");
                    state.done = true;
                    return Some((Ok(resync(state.hub.last_seq(), missed)), state));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

fn resync(head: i64, missed: u64) -> SseEvent {
    SseEvent::default().id(head.to_string()).event("resync").data(json!({ "head": head, "missed": missed }).to_string())
}

fn sse_event(event: &Published, audience: Audience) -> SseEvent {
    let json = match (audience, &event.public_json) {
        (Audience::Lot(_), Some(public)) => public,
        _ => &event.json,
    };
    SseEvent::default().id(event.envelope.seq.to_string()).event(event.envelope.event.event_type()).data(json.as_str())
}
