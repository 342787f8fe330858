// The stream overlay for OBS's browser source, at /overlay/{marathonId}. It follows the
// marathon's current lot (shared/live.ts: the public live state, then the lot's event stream)
// and plays what happens: bids, anti-snipe extensions, the winner. When the marathon asks for it,
// a corner shows the viewer page's address with a QR code and the chat line that bids the minimum.
// Transparent everywhere but its panels.

import './overlay.css';
import QRCode from 'qrcode';
import { bidCommand, minimumNextBid } from '../shared/bid-rules';
import { h, fill } from '../shared/dom';
import { LiveLotFollower, lotCountdown } from '../shared/live';
import type { PublicLive } from '../shared/api-types';
import type { LotClosed, LotExtended } from '../shared/api-types';
import { weiToEth } from '../shared/wei';

const marathonId = Number(/\/overlay\/(\d+)/.exec(location.pathname)?.[1] ?? new URLSearchParams(location.search).get('marathon'));
const WINNER_SHOWN_MS = 20_000;

const follower = new LiveLotFollower(marathonId, { onChange: draw, onBid: () => restart(highAmount, 'bump'), onExtended: showExtended, onClosed: showWinner }, { holdClosedMs: WINNER_SHOWN_MS });
const clock = follower.clock;
/** The address the QR code was drawn for. */
let qrFor: string | null = null;

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
const joinQr = h('div', { class: 'join-qr', testid: 'overlay-join-qr' });
const joinUrl = h('div', { class: 'join-url', testid: 'overlay-join-url' });
const joinBidLine = h('div', { class: 'join-bid-line', testid: 'overlay-bid-line' });
const joinPanel = h(
  'section',
  { class: 'panel join-panel', testid: 'overlay-join', hidden: true },
  joinQr,
  h('div', { class: 'join-text' }, h('div', { class: 'label' }, 'Join the auction'), joinUrl, h('div', { class: 'label' }, 'Then bid in chat'), joinBidLine),
);
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

document.getElementById('overlay')!.replaceChildren(lotPanel, h('section', { class: 'ticker-panel' }, tickerList), joinPanel, extended, winner);

function restart(element: HTMLElement, className: string): void {
  element.classList.remove(className);
  void element.offsetWidth; // restarts the CSS animation
  element.classList.add(className);
}

function draw(): void {
  const live = follower.live;
  const lot = live?.lot ?? null;
  lotPanel.hidden = lot === null;
  drawJoin(live);
  if (!lot || !live) return;
  if (image.getAttribute('src') !== lot.image_url) image.src = lot.image_url;
  marathonName.textContent = live.marathon_name;
  title.textContent = lot.title;
  highLabel.textContent = lot.state === 'ACTIVE' || lot.state === 'PENDING' ? 'Current bid' : lot.high ? 'Winning bid' : 'No bids';
  highBid.textContent = lot.high ? weiToEth(lot.high.amount_wei) : '—';
  highBid.dataset.wei = lot.high?.amount_wei ?? '';
  highBidder.textContent = lot.high ? lot.high.name : 'No bids yet: type !bid in chat';
  participants.textContent = lot.participants > 0 ? `${lot.participants} bidder${lot.participants === 1 ? '' : 's'}` : '';
  if (lot.id !== follower.closedLot) winner.hidden = true;
  drawTicker();
  tick();
}

/** The way in for a viewer watching the stream: the page's address, its QR code, the bid line. */
function drawJoin(live: PublicLive | null): void {
  const url = live?.show_join_qr ? live.public_url : null;
  joinPanel.hidden = !url;
  if (!live || !url) return;
  joinUrl.textContent = url.replace(/^https?:\/\//, '');
  const open = live.lot && (live.lot.state === 'ACTIVE' || live.lot.state === 'PENDING');
  const minimum = open ? minimumNextBid(live.rules, live.lot!.high?.amount_wei) : null;
  joinBidLine.textContent = minimum === null ? '!bid <amount>' : bidCommand(minimum);
  joinBidLine.dataset.wei = minimum?.toString() ?? '';
  if (qrFor === url) return;
  qrFor = url;
  QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } }).then(
    (svg) => {
      if (qrFor === url) joinQr.innerHTML = svg;
    },
    (error: unknown) => console.warn('overlay: could not draw the QR code', error),
  );
}

function drawTicker(): void {
  fill(
    tickerList,
    follower.ticker.map((entry, index) =>
      h(
        'li',
        { class: `${entry.voided ? 'voided' : ''} ${index === 0 ? 'newest' : ''}`, 'data-bid-id': entry.bidId },
        h('span', { class: 'who' }, follower.nameOf(entry.bidder)),
        h('span', { class: 'amount' }, `${weiToEth(entry.amountWei)} ETH`),
      ),
    ),
  );
}

function tick(): void {
  const lot = follower.live?.lot;
  if (!lot) return;
  const shown = lotCountdown(lot, clock.now());
  const final = lot.state === 'COMPLETED' || follower.closedLot === lot.id;
  countdownLabel.textContent = shown?.label ?? (lot.state === 'CANCELLED' ? 'Cancelled' : !final ? 'Closing' : lot.high ? 'Sold' : 'No sale');
  countdown.textContent = shown?.text ?? '0:00';
  countdown.classList.toggle('urgent', shown?.urgent ?? false);
}

function showExtended(extension: LotExtended): void {
  const addedSecs = Math.round((Date.parse(extension.ends_at) - Date.parse(extension.previous_ends_at)) / 1000);
  extended.hidden = false;
  extended.textContent = extension.cause === 'anti_snipe' ? `Anti-snipe! +${addedSecs} s` : `Extended +${addedSecs} s`;
  restart(extended, 'show');
  restart(countdown, 'extended-pulse');
}

function showWinner(closed: LotClosed, lot: { title: string }): void {
  const lotTitle = lot.title;
  winner.hidden = false;
  fill(
    winner,
    closed.winner && closed.amount
      ? [
          h('div', { class: 'sold' }, 'SOLD!'),
          h('div', { class: 'winner-name' }, follower.nameOf(closed.winner)),
          h('div', { class: 'winner-detail' }, `wins ${lotTitle} for ${weiToEth(closed.amount)} ETH`),
        ]
      : [h('div', { class: 'sold' }, 'No sale'), h('div', { class: 'winner-detail' }, `${lotTitle} closed without a bid`)],
  );
  restart(winner, 'show');
  setTimeout(() => (winner.hidden = true), WINNER_SHOWN_MS);
}

if (Number.isInteger(marathonId) && marathonId > 0) {
  setInterval(tick, 250);
  follower.start();
} else {
  console.error('overlay: no marathon id in the address (expected /overlay/{marathonId})');
}
