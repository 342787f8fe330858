// The stream overlay for OBS's browser source, at /overlay/{marathonId}. It follows the
// marathon's current lot: the public live state (served from Redis) on load, on every (re)open
// or resync of the stream and whenever the lot may have changed; the lot's public event stream
// in between. Transparent everywhere but its panels.

import './overlay.css';
import { h, fill } from '../shared/dom';
import { subscribe, type Stream } from '../shared/sse';
import { formatCountdown, ServerClock } from '../shared/time';
import type { BidAccepted, BidVoided, Envelope, LiveBid, LiveState, LotClosed, LotExtended } from '../shared/types';
import { weiToEth } from '../shared/wei';

const marathonId = Number(/\/overlay\/(\d+)/.exec(location.pathname)?.[1] ?? new URLSearchParams(location.search).get('marathon'));
const clock = new ServerClock();
const TICKER_SIZE = 6;
/** How often the live state is read when nothing happens: often between lots, rarely during one. */
const POLL_IDLE_MS = 10_000;
const POLL_ACTIVE_MS = 60_000;
const WINNER_SHOWN_MS = 20_000;

interface TickerEntry {
  bidId: number;
  bidder: string;
  amountWei: string;
  voided: boolean;
}

let live: LiveState | null = null;
let stream: Stream | null = null;
let streamLot: number | null = null;
let ticker: TickerEntry[] = [];
let pollTimer: ReturnType<typeof setTimeout> | undefined;
let refetchTimer: ReturnType<typeof setTimeout> | undefined;
/** The lot whose winner is final (`lot.closed`), while it is still the one shown. */
let closedLot: number | null = null;
/** Display names learnt from the live state; events carry only bidder ids. */
const names = new Map<string, string>();

const image = h('img', { class: 'lot-image', testid: 'overlay-image', alt: '' });
const marathonName = h('div', { class: 'marathon-name' });
const title = h('div', { class: 'lot-title', testid: 'overlay-title' });
const highBid = h('span', { testid: 'overlay-high-bid' });
const highAmount = h('div', { class: 'high-amount' }, highBid, h('span', { class: 'unit' }, ' ETH'));
const highBidder = h('div', { class: 'high-bidder', testid: 'overlay-high-bidder' });
const highLabel = h('div', { class: 'label' }, 'Current bid');
const countdown = h('div', { class: 'countdown', testid: 'overlay-countdown' });
const countdownLabel = h('div', { class: 'label' }, 'Time left');
const participants = h('div', { class: 'participants' });
const tickerList = h('ol', { class: 'ticker', testid: 'overlay-ticker' });
const extended = h('div', { class: 'extended', testid: 'overlay-extended', hidden: true });
const winner = h('div', { class: 'winner', testid: 'overlay-winner', hidden: true });
const lotPanel = h(
  'section',
  { class: 'panel lot-panel', hidden: true },
  image,
  h(
    'div',
    { class: 'lot-info' },
    marathonName,
    title,
    h('div', { class: 'figures' }, h('div', { class: 'high' }, highLabel, highAmount, highBidder), h('div', { class: 'time' }, countdownLabel, countdown)),
    participants,
  ),
);

document.getElementById('overlay')!.replaceChildren(lotPanel, h('section', { class: 'ticker-panel' }, tickerList), extended, winner);

function nameOf(bidder: string): string {
  return names.get(bidder) ?? 'a new bidder';
}

function learnNames(state: LiveState): void {
  for (const bid of [state.lot?.high, ...(state.lot?.top ?? [])]) {
    if (bid) names.set(bid.bidder, bid.name);
  }
}

function restart(element: HTMLElement, className: string): void {
  element.classList.remove(className);
  void element.offsetWidth; // restarts the CSS animation
  element.classList.add(className);
}

function draw(): void {
  const lot = live?.lot ?? null;
  lotPanel.hidden = lot === null;
  if (!lot || !live) return;
  if (image.getAttribute('src') !== lot.image_url) image.src = lot.image_url;
  marathonName.textContent = live.marathon_name;
  title.textContent = lot.title;
  highLabel.textContent = lot.state === 'ACTIVE' || lot.state === 'PENDING' ? 'Current bid' : lot.high ? 'Winning bid' : 'No bids';
  highBid.textContent = lot.high ? weiToEth(lot.high.amount_wei) : '—';
  highBid.dataset.wei = lot.high?.amount_wei ?? '';
  highBidder.textContent = lot.high ? lot.high.name : 'No bids yet: type !bid in chat';
  participants.textContent = lot.participants > 0 ? `${lot.participants} bidder${lot.participants === 1 ? '' : 's'}` : '';
  drawTicker();
  tick();
}

function drawTicker(): void {
  fill(
    tickerList,
    ticker.map((entry, index) =>
      h(
        'li',
        { class: `${entry.voided ? 'voided' : ''} ${index === 0 ? 'newest' : ''}`, 'data-bid-id': entry.bidId },
        h('span', { class: 'who' }, nameOf(entry.bidder)),
        h('span', { class: 'amount' }, `${weiToEth(entry.amountWei)} ETH`),
      ),
    ),
  );
}

function tick(): void {
  const lot = live?.lot;
  if (!lot) return;
  const now = clock.now();
  if (lot.state === 'ACTIVE') {
    const left = Date.parse(lot.ends_at) - now;
    countdownLabel.textContent = 'Time left';
    countdown.textContent = formatCountdown(left);
    countdown.classList.toggle('urgent', left < 30_000);
  } else if (lot.state === 'PENDING') {
    const left = Date.parse(lot.starts_at) - now;
    countdownLabel.textContent = 'Opens in';
    countdown.textContent = formatCountdown(left);
    countdown.classList.remove('urgent');
    if (left <= 0) schedulePoll(1_000);
  } else {
    const final = lot.state === 'COMPLETED' || closedLot === lot.id;
    countdownLabel.textContent = lot.state === 'CANCELLED' ? 'Cancelled' : !final ? 'Closing' : lot.high ? 'Sold' : 'No sale';
    countdown.textContent = '0:00';
    countdown.classList.remove('urgent');
  }
}

async function load(): Promise<void> {
  const sentAt = Date.now();
  try {
    const response = await fetch(`/api/public/marathons/${marathonId}/live`, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`live state: HTTP ${response.status}`);
    const state = (await response.json()) as LiveState;
    clock.observe(Date.parse(state.server_time), sentAt, Date.now());
    const previousLot = live?.lot?.id ?? null;
    live = state;
    learnNames(state);
    if (state.lot?.id !== previousLot) {
      ticker = (state.lot?.top ?? []).map((bid: LiveBid, index) => ({ bidId: -index - 1, bidder: bid.bidder, amountWei: bid.amount_wei, voided: false }));
      winner.hidden = true;
    }
    follow(state.lot?.id ?? null);
    draw();
    schedulePoll(state.lot?.state === 'ACTIVE' ? POLL_ACTIVE_MS : POLL_IDLE_MS);
  } catch (error) {
    console.warn('overlay: could not read the live state', error);
    schedulePoll(3_000);
  }
}

function schedulePoll(delayMs: number): void {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(() => void load(), delayMs);
}

/** Refetches soon after a burst of events, for what events do not carry (names, top 3). */
function refetchSoon(): void {
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(() => void load(), 300);
}

/** Subscribes to the public stream of the lot shown, and only that one. */
function follow(lotId: number | null): void {
  if (lotId === streamLot) return;
  stream?.close();
  stream = null;
  streamLot = lotId;
  if (lotId !== null) stream = subscribe(`/api/public/lots/${lotId}/events`, { onEvent, onSync: () => void load() });
}

function onEvent(event: Envelope): void {
  const lot = live?.lot;
  if (!lot || event.payload.lot_id !== lot.id) return;
  switch (event.type) {
    case 'bid.accepted': {
      const p = event.payload as unknown as BidAccepted;
      const sameLeader = lot.high?.bidder === p.high_bidder;
      lot.high = { bidder: p.high_bidder, name: sameLeader ? lot.high!.name : nameOf(p.high_bidder), amount_wei: p.high_amount, amount_eth: weiToEth(p.high_amount) };
      lot.ends_at = p.ends_at;
      if (p.amount !== null) ticker = [{ bidId: p.bid_id, bidder: p.bidder, amountWei: p.amount, voided: false }, ...ticker].slice(0, TICKER_SIZE);
      restart(highAmount, 'bump');
      refetchSoon();
      break;
    }
    case 'bid.voided': {
      const p = event.payload as unknown as BidVoided;
      lot.high = p.high_bidder && p.high_amount ? { bidder: p.high_bidder, name: nameOf(p.high_bidder), amount_wei: p.high_amount, amount_eth: weiToEth(p.high_amount) } : null;
      for (const entry of ticker) if (entry.bidId === p.bid_id) entry.voided = true;
      refetchSoon();
      break;
    }
    case 'lot.extended': {
      const p = event.payload as unknown as LotExtended;
      const addedSecs = Math.round((Date.parse(p.ends_at) - Date.parse(p.previous_ends_at)) / 1000);
      lot.ends_at = p.ends_at;
      lot.extensions_used = p.extensions_used;
      if (p.reopened) lot.state = 'ACTIVE';
      extended.hidden = false;
      extended.textContent = p.cause === 'anti_snipe' ? `Anti-snipe! +${addedSecs} s` : `Extended +${addedSecs} s`;
      restart(extended, 'show');
      restart(countdown, 'extended-pulse');
      break;
    }
    case 'lot.processing':
      lot.state = 'PROCESSING';
      break;
    case 'lot.closed': {
      const p = event.payload as unknown as LotClosed;
      lot.state = 'PROCESSING';
      closedLot = lot.id;
      showWinner(p, lot.title);
      schedulePoll(WINNER_SHOWN_MS);
      break;
    }
    case 'lot.completed':
    case 'lot.cancelled':
      refetchSoon();
      break;
  }
  draw();
}

function showWinner(closed: LotClosed, lotTitle: string): void {
  winner.hidden = false;
  fill(
    winner,
    closed.winner && closed.amount
      ? [
          h('div', { class: 'sold' }, 'SOLD!'),
          h('div', { class: 'winner-name' }, nameOf(closed.winner)),
          h('div', { class: 'winner-detail' }, `wins ${lotTitle} for ${weiToEth(closed.amount)} ETH`),
        ]
      : [h('div', { class: 'sold' }, 'No sale'), h('div', { class: 'winner-detail' }, `${lotTitle} closed without a bid`)],
  );
  restart(winner, 'show');
  setTimeout(() => (winner.hidden = true), WINNER_SHOWN_MS);
}

if (Number.isInteger(marathonId) && marathonId > 0) {
  setInterval(tick, 250);
  void load();
} else {
  console.error('overlay: no marathon id in the address (expected /overlay/{marathonId})');
}
