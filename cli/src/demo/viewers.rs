//! The simulated viewers: each has a Twitch identity, a wallet and a link secret; they type
//! `!link` and `!bid` into a chat that speaks Twitch's protocol, as people would, bidding over
//! the leader from what the board shows and sniping in the last seconds so that anti-snipe
//! extends the lot.

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::U256;
use alloy::signers::local::PrivateKeySigner;
use chrono::{DateTime, Utc};
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::{BidderId, LotId, Wei};
use rand::seq::SliceRandom;

use super::narrator::{SharedBoard, say};

/// The first names; more viewers are `viewer9`, `viewer10`…
const NAMES: [&str; 8] = ["ada", "brook", "cyd", "dex", "eve", "finn", "gus", "hal"];

pub struct SimulatedViewer {
    pub chat: Viewer,
    pub bidder: BidderId,
    pub wallet: PrivateKeySigner,
    /// Typed after `!link`; its commitment went on chain with the deposit.
    pub secret: String,
}

/// `count` names, user ids from 1001.
pub fn names(count: u32) -> Vec<String> {
    (0..count).map(|n| NAMES.get(n as usize).map_or_else(|| format!("viewer{}", n + 1), |name| (*name).to_owned())).collect()
}

pub fn simulated(names: &[String], wallets: Vec<PrivateKeySigner>) -> anyhow::Result<Vec<SimulatedViewer>> {
    names
        .iter()
        .zip(wallets)
        .zip(1001u32..)
        .map(|((name, wallet), user_id)| {
            Ok(SimulatedViewer {
                chat: Viewer::new(user_id.to_string(), name.clone(), name.clone()),
                bidder: BidderId::of("twitch", &user_id.to_string())?,
                wallet,
                secret: uuid::Uuid::new_v4().simple().to_string(),
            })
        })
        .collect()
}

/// What Gavel answers in chat to `viewer` saying `text`, said again every 5 s without one (an
/// ingest instance answers once it holds the speaker lease), for up to `patience`.
pub async fn ask(twitch: &LocalTwitchServer, channel: &str, viewer: &Viewer, text: &str, patience: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + patience;
    while tokio::time::Instant::now() < deadline {
        let id = twitch.say(channel, viewer, text).await;
        let retry = tokio::time::Instant::now() + Duration::from_secs(5);
        while tokio::time::Instant::now() < retry {
            if let Some(line) = twitch.sent().into_iter().find(|line| line.reply_to.as_deref() == Some(id.as_str())) {
                return Some(line.text);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    None
}

/// Links `viewer` in chat; retried while the deposit is not yet credited (a real chain credits
/// it only once it is deep enough to survive a reorganisation).
pub async fn link(twitch: &LocalTwitchServer, channel: &str, viewer: &SimulatedViewer) -> anyhow::Result<()> {
    let text = format!("!link {}", viewer.secret);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    loop {
        let answer = ask(twitch, channel, &viewer.chat, &text, Duration::from_secs(30)).await;
        say(format_args!("chat #{channel} {}: !link <secret>  →  {}", viewer.chat.login, answer.as_deref().unwrap_or("(no answer)")));
        if answer.as_deref().is_some_and(|answer| answer.contains("bidding power")) {
            return Ok(());
        }
        anyhow::ensure!(tokio::time::Instant::now() < deadline, "{} could not link in chat: {answer:?}", viewer.chat.login);
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
}

/// A lot's bidding rules, as the marathon was created with them.
#[derive(Clone, Copy)]
pub struct Rules {
    pub reserve: Wei,
    pub step: Wei,
    pub deposit: Wei,
    pub window: Duration,
}

impl Rules {
    /// A step of 0.0005 ETH, smaller when the deposits call for it: a lot sees about
    /// `2 × bidders + 2` bids of one to three steps over a reserve of two, and its price must stay
    /// within half a deposit and within its share of half of all deposits, so that whoever wins
    /// the early lots, someone can still afford the later ones.
    pub fn for_demo(args: &super::DemoArgs) -> Rules {
        let (bidders, lots) = (U256::from(args.bidders), U256::from(args.lots));
        let deposit = args.deposit.as_u256();
        let per_lot = (deposit * bidders / (U256::from(2u8) * lots)).min(deposit / U256::from(2u8));
        let most_steps = U256::from(3u8) * (U256::from(2u8) * bidders + U256::from(2u8)) + U256::from(2u8);
        let grain = U256::from(10_000_000_000_000u128); // 0.00001 ETH: amounts people can read
        let step = (per_lot / most_steps).min(U256::from(500_000_000_000_000u128)) / grain * grain;
        let step = step.max(grain);
        Rules {
            reserve: Wei::from(step * U256::from(2u8)),
            step: Wei::from(step),
            deposit: args.deposit,
            window: Duration::from_secs(u64::from((args.lot_seconds / 6).clamp(2, 10))),
        }
    }
}

/// The viewers in the chat, bidding from what the board shows.
#[derive(Clone)]
pub struct Crowd {
    pub twitch: Arc<LocalTwitchServer>,
    pub channel: String,
    pub viewers: Arc<Vec<SimulatedViewer>>,
    pub board: SharedBoard,
    pub rules: Rules,
}

impl Crowd {
    /// The chat of one lot from `start` to `end`: bids spread over the lot, then one in the last
    /// seconds (extending it) and an answer to it inside the new window (extending it again).
    pub async fn bid_on_lot(self, lot: LotId, start: DateTime<Utc>, end: DateTime<Utc>) {
        let window = self.rules.window;
        let bidding = (end - start).to_std().unwrap_or_default().saturating_sub(window + Duration::from_secs(2));
        let count = (self.viewers.len() * 2).max(3);
        let mut offsets: Vec<Duration> =
            (0..count).map(|_| Duration::from_secs(1) + bidding.mul_f64(rand::random_range(0.0..1.0))).collect();
        offsets.sort();
        for offset in offsets {
            sleep_until(start + offset).await;
            self.place_bid(lot).await;
        }
        sleep_until(end - window / 2).await;
        self.place_bid(lot).await;
        // The snipe moved the end half a window past the old one: this bid lands inside the new window.
        sleep_until(end + Duration::from_millis(300)).await;
        self.place_bid(lot).await;
    }

    /// A viewer who is not leading and can afford it bids one to three steps over the leader.
    async fn place_bid(&self, lot: LotId) {
        let rules = self.rules;
        let choice = {
            let board = self.board.lock();
            let (leader, floor) = match board.leader(lot) {
                Some((leader, high)) => (Some(leader.clone()), high.saturating_add(rules.step)),
                None => (None, rules.reserve),
            };
            let steps: u32 = rand::random_range(0..3);
            let eager = (0..steps).fold(floor, |amount, _| amount.saturating_add(rules.step));
            let can_pay = |viewer: &&SimulatedViewer, amount: Wei| {
                Some(&viewer.bidder) != leader.as_ref()
                    && rules.deposit.saturating_sub(board.won(&viewer.bidder)).as_u256() >= amount.as_u256()
            };
            // The eager raise if someone can pay it, else the least raise.
            [eager, floor].into_iter().find_map(|amount| {
                let mut candidates: Vec<&SimulatedViewer> = self.viewers.iter().filter(|viewer| can_pay(viewer, amount)).collect();
                candidates.shuffle(&mut rand::rng());
                candidates.first().map(|viewer| (viewer.chat.clone(), amount))
            })
        };
        if let Some((viewer, amount)) = choice {
            let text = format!("!bid {}", amount.to_eth_string());
            say(format_args!("chat #{} {}: {text}", self.channel, viewer.login));
            self.twitch.say(&self.channel, &viewer, &text).await;
        }
    }
}

async fn sleep_until(at: DateTime<Utc>) {
    tokio::time::sleep((at - Utc::now()).to_std().unwrap_or_default()).await;
}
