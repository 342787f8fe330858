//! What the demo tells its watcher: it reads Gavel's admin event stream over SSE, as the
//! dashboard does (reconnecting with `Last-Event-ID`), writes one readable line per event that
//! matters to standard error, and keeps the board the simulated viewers bid from.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use gavel_domain::events::{Event, EventEnvelope, ExtensionCause};
use gavel_domain::{BidderId, LotId, Wei};
use tokio_util::sync::CancellationToken;

/// One line of the demo's story, with the time of day.
pub fn say(text: impl std::fmt::Display) {
    eprintln!("{} {text}", Utc::now().format("%H:%M:%S"));
}

/// What the viewers know: each lot's leader, and what each viewer has won so far.
#[derive(Default)]
pub struct Board {
    leaders: HashMap<LotId, (BidderId, Wei)>,
    won: HashMap<BidderId, Wei>,
}

impl Board {
    pub fn leader(&self, lot: LotId) -> Option<&(BidderId, Wei)> {
        self.leaders.get(&lot)
    }

    pub fn won(&self, bidder: &BidderId) -> Wei {
        self.won.get(bidder).copied().unwrap_or(Wei::ZERO)
    }
}

#[derive(Clone, Default)]
pub struct SharedBoard(Arc<Mutex<Board>>);

impl SharedBoard {
    pub fn lock(&self) -> MutexGuard<'_, Board> {
        // A panic while holding it cannot leave the board half-written: each update is one insert.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub struct Narrator {
    api: String,
    token: String,
    board: SharedBoard,
    /// Bidder ids (`twitch:<user id>`) to the names viewers chat under.
    names: HashMap<BidderId, String>,
    /// Settling transactions already told as COMPLETED: their confirmation says nothing new.
    completed: HashSet<String>,
}

impl Narrator {
    pub fn new(api: String, token: String, board: SharedBoard, names: HashMap<BidderId, String>) -> Narrator {
        Narrator { api, token, board, names, completed: HashSet::new() }
    }

    /// Follows the stream until `stop`, reconnecting after a drop or a resync.
    pub async fn run(mut self, stop: CancellationToken) {
        let client = reqwest::Client::new();
        let mut last_seq: Option<i64> = None;
        while !stop.is_cancelled() {
            tokio::select! {
                () = stop.cancelled() => return,
                outcome = self.follow(&client, &mut last_seq) => {
                    if let Err(error) = outcome {
                        say(format_args!("(event stream interrupted: {error}; reconnecting)"));
                    }
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }

    async fn follow(&mut self, client: &reqwest::Client, last_seq: &mut Option<i64>) -> anyhow::Result<()> {
        let mut request = client.get(format!("{}/api/events/stream", self.api)).bearer_auth(&self.token);
        if let Some(seq) = last_seq {
            request = request.header("Last-Event-ID", seq.to_string());
        }
        let mut response = request.send().await?.error_for_status()?;
        let mut pending: Vec<u8> = Vec::new();
        let (mut name, mut data, mut id) = (String::new(), String::new(), None);
        while let Some(chunk) = response.chunk().await? {
            pending.extend_from_slice(&chunk);
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                let line = line.trim_end_matches(['\r', '\n']);
                if line.is_empty() {
                    if let Some(seq) = id.take() {
                        *last_seq = Some(seq);
                    }
                    if name != "resync" && !data.is_empty() {
                        match serde_json::from_str::<EventEnvelope>(&data) {
                            Ok(envelope) => self.tell(&envelope.event),
                            Err(error) => say(format_args!("(an event the demo cannot read: {error})")),
                        }
                    }
                    name.clear();
                    data.clear();
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim_start());
                } else if let Some(value) = line.strip_prefix("event:") {
                    name = value.trim().to_owned();
                } else if let Some(value) = line.strip_prefix("id:") {
                    id = value.trim().parse().ok();
                }
            }
        }
        Ok(())
    }

    fn name(&self, bidder: &BidderId) -> String {
        self.names.get(bidder).cloned().unwrap_or_else(|| bidder.as_str().to_owned())
    }

    /// Updates the board and tells the event, if it is part of the story.
    fn tell(&mut self, event: &Event) {
        match event {
            Event::LotOpened(opened) => say(format_args!("lot {}: open for bids until {}", opened.lot_id, clock(opened.ends_at))),
            Event::BidAccepted(bid) => {
                self.board.lock().leaders.insert(bid.lot_id, (bid.high_bidder.clone(), bid.high_amount));
                say(format_args!("lot {}:   accepted: {} leads at {}", bid.lot_id, self.name(&bid.high_bidder), bid.high_amount));
            }
            Event::BidRejected(bid) => {
                say(format_args!("lot {}:   refused for {}: {}", lot_text(bid.lot_id), self.name(&bid.bidder), bid.message))
            }
            Event::LotExtended(extended) => {
                let cause = match extended.cause {
                    ExtensionCause::AntiSnipe => "a bid in the last seconds (anti-snipe)",
                    ExtensionCause::Admin => "an operator",
                };
                say(format_args!(
                    "lot {}: extended to {} by {cause}; extension {}",
                    extended.lot_id,
                    clock(extended.ends_at),
                    extended.extensions_used
                ));
            }
            Event::LotProcessing(processing) => {
                say(format_args!("lot {}: time is up; deciding the bids received before the end", processing.lot_id))
            }
            Event::LotClosed(closed) => match (&closed.winner, closed.amount) {
                (Some(winner), Some(amount)) => {
                    let mut board = self.board.lock();
                    let won = board.won(winner).saturating_add(amount);
                    board.won.insert(winner.clone(), won);
                    drop(board);
                    say(format_args!(
                        "lot {}: won by {} at {amount}; bid log hash {}",
                        closed.lot_id,
                        self.name(winner),
                        closed.bid_log_head
                    ));
                }
                _ => say(format_args!("lot {}: closed with no bids", closed.lot_id)),
            },
            Event::SettlementAttempt(attempt) if !self.completed.contains(&attempt.tx_hash) => {
                say(format_args!("lot {}: chain transaction {} {}", attempt.lot_id, attempt.tx_hash, attempt.status))
            }
            Event::LotCompleted(completed) => {
                self.completed.insert(completed.tx_hash.clone());
                match (completed.buyer, completed.amount) {
                    (Some(buyer), Some(amount)) => say(format_args!(
                        "lot {}: COMPLETED on chain: the token went to {buyer} for {amount} (transaction {})",
                        completed.lot_id, completed.tx_hash
                    )),
                    _ => say(format_args!("lot {}: COMPLETED on chain with no sale (transaction {})", completed.lot_id, completed.tx_hash)),
                }
            }
            Event::LotCancelled(cancelled) => say(format_args!("lot {}: cancelled: {}", cancelled.lot_id, cancelled.reason)),
            Event::DepositCredited(deposit) => say(format_args!("escrow: deposit of {} from {} credited", deposit.amount, deposit.wallet)),
            _ => {}
        }
    }
}

fn clock(at: DateTime<Utc>) -> String {
    at.format("%H:%M:%S").to_string()
}

fn lot_text(lot: Option<LotId>) -> String {
    lot.map_or_else(|| "-".to_owned(), |lot| lot.to_string())
}
