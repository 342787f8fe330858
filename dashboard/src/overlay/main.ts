// The stream overlay for OBS's browser source, at /overlay/{marathonId}. It follows the
// marathon's current lot (shared/live.ts: the public live state, then the lot's event stream)
// and plays what happens: bids, late-bid extensions, pauses, the winner or a cancellation. When
// the marathon asks for it, a corner shows the viewer page's address with a QR code and the chat
// line that bids the minimum. Transparent everywhere but its panels.
//
// Viewers read it from across a room, mid-stream: every state is said in plain words (never
// "Anti-snipe"), a pause stops the clock instead of letting it run out, and what cannot be shown
// (a broken artwork, an unknown marathon) is replaced by something neutral, never a blank page
// or a broken-image icon.

import './overlay.css';
import QRCode from 'qrcode';
import { bidCommand, minimumNextBid } from '../shared/bid-rules';
import { h, fill } from '../shared/dom';
import { addedTimeInWords, LiveLotFollower, type LiveProblem } from '../shared/live';
import type { LotClosed, LotExtended, LotLive, PublicLive } from '../shared/api-types';
import { weiToEth } from '../shared/wei';

const idInAddress = /\/overlay\/(\d+)/.exec(location.pathname)?.[1] ?? new URLSearchParams(location.search).get('marathon');
const marathonId = Number(idInAddress);
const WINNER_SHOWN_MS = 20_000;

const follower = new LiveLotFollower(
  marathonId,
  { onChange: draw, onBid: () => restart(highAmount, 'bump'), onExtended: showExtended, onClosed: showWinner, onProblem: showProblem },
  { holdClosedMs: WINNER_SHOWN_MS },
);
/** The address the QR code was drawn for. */
let qrFor: string | null = null;

const image = h('img', { class: 'lot-image', testid: 'overlay-image', alt: '', hidden: true });
// Shown instead of an artwork that is missing or does not load: the same size, no icon.
const imagePlaceholder = h('div', { class: 'lot-image placeholder', testid: 'overlay-image-placeholder', 'aria-hidden': 'true' });
image.addEventListener('load', () => {
  image.hidden = false;
  imagePlaceholder.hidden = true;
});
image.addEventListener('error', () => {
  image.hidden = true;
  imagePlaceholder.hidden = false;
});
const marathonName = h('div', { class: 'marathon-name' });
const title = h('div', { class: 'lot-title', testid: 'overlay-title' });
const notice = h('div', { class: 'notice', testid: 'overlay-notice', role: 'status', hidden: true });
const highBid = h('span', { testid: 'overlay-high-bid' });
const highAmount = h('div', { class: 'high-amount' }, highBid, h('span', { class: 'unit' }, ' ETH'));
const highBidder = h('div', { class: 'high-bidder', testid: 'overlay-high-bidder' });
const highLabel = h('div', { class: 'label' }, 'Current bid');
const countdown = h('div', { class: 'countdown', testid: 'overlay-countdown' });
const countdownLabel = h('div', { class: 'label' }, 'Time left');
const figures = h('div', { class: 'figures' }, h('div', { class: 'high' }, highLabel, highAmount, highBidder), h('div', { class: 'time' }, countdownLabel, countdown));
const participants = h('div', { class: 'participants', testid: 'overlay-participants' });
const tickerList = h('ol', { class: 'ticker', testid: 'overlay-ticker' });
const extended = h('div', { class: 'extended', testid: 'overlay-extended', hidden: true });
const winner = h('div', { class: 'winner', testid: 'overlay-winner', hidden: true });
const problem = h('div', { class: 'panel problem', testid: 'overlay-problem', role: 'alert', hidden: true });
const joinQr = h('div', { class: 'join-qr', testid: 'overlay-join-qr' });
const joinUrl = h('div', { class: 'join-url', testid: 'overlay-join-url' });
const joinBidLabel = h('div', { class: 'label' }, 'Then bid in chat');
const joinBidLine = h('div', { class: 'join-bid-line', testid: 'overlay-bid-line' });
const joinPanel = h(
  'section',
  { class: 'panel join-panel', testid: 'overlay-join', hidden: true },
  joinQr,
  h('div', { class: 'join-text' }, h('div', { class: 'label' }, 'Join the auction'), joinUrl, joinBidLabel, joinBidLine),
);
const lotPanel = h(
  'section',
  { class: 'panel lot-panel', hidden: true },
  image,
  imagePlaceholder,
  h(
    'div',
    { class: 'lot-info' },
    marathonName,
    title,
    notice,
    figures,
    participants,
  ),
);

document.getElementById('overlay')!.replaceChildren(lotPanel, h('section', { class: 'ticker-panel' }, tickerList), joinPanel, extended, winner, problem);

function restart(element: HTMLElement, className: string): void {
  element.classList.remove(className);
  void element.offsetWidth; // restarts the CSS animation
  element.classList.add(className);
}

const isOpen = (lot: LotLive) => lot.state === 'ACTIVE' || lot.state === 'PENDING';

function draw(): void {
  const live = follower.live;
  const lot = live?.lot ?? null;
  lotPanel.hidden = lot === null;
  drawJoin(live);
  if (!lot || !live) return;
  if (image.getAttribute('src') !== lot.image_url) {
    image.hidden = true;
    imagePlaceholder.hidden = false;
    image.src = lot.image_url;
  }
  marathonName.textContent = live.marathon_name;
  title.textContent = lot.title;
  const paused = follower.pause() !== null;
  const cancelled = lot.state === 'CANCELLED';
  notice.hidden = !paused && !cancelled;
  notice.dataset.kind = cancelled ? 'cancelled' : paused ? 'paused' : '';
  notice.textContent = cancelled ? 'This lot was cancelled' : paused ? 'Bidding paused' : '';
  lotPanel.classList.toggle('paused', paused);
  lotPanel.classList.toggle('cancelled', cancelled);
  // A cancelled lot has no bid to win and no time left: the notice says it all.
  figures.hidden = cancelled;
  highLabel.textContent = isOpen(lot) ? 'Current bid' : lot.high ? 'Winning bid' : 'No bids';
  highBid.textContent = lot.high ? weiToEth(lot.high.amount_wei) : '—';
  highBid.dataset.wei = lot.high?.amount_wei ?? '';
  highBidder.textContent = lot.high ? lot.high.name : !isOpen(lot) ? 'No bids' : paused ? 'No bids yet' : 'No bids yet: type !bid in chat';
  // Bidders are counted by their standing bids: with no high bid there are none to count.
  const counted = lot.high ? lot.participants : 0;
  participants.textContent = counted > 0 ? `${counted} bidder${counted === 1 ? '' : 's'}` : '';
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
  const open = live.lot && isOpen(live.lot);
  const paused = follower.pause() !== null;
  const minimum = open && !paused ? minimumNextBid(live.rules, live.lot!.high?.amount_wei) : null;
  joinBidLabel.textContent = paused ? 'Bidding is paused for now' : 'Then bid in chat';
  joinBidLine.textContent = paused ? 'Bidding paused' : minimum === null ? '!bid <amount>' : bidCommand(minimum);
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
  const shown = follower.countdown();
  const final = lot.state === 'COMPLETED' || follower.closedLot === lot.id;
  countdownLabel.textContent = shown?.label ?? (lot.state === 'CANCELLED' ? 'Cancelled' : !final ? 'Closing' : lot.high ? 'Sold' : 'No sale');
  countdown.textContent = shown?.text ?? '0:00';
  countdown.classList.toggle('urgent', shown?.urgent ?? false);
  countdown.classList.toggle('frozen', shown?.label === 'Paused');
}

function showExtended(extension: LotExtended): void {
  const added = addedTimeInWords(extension.previous_ends_at, extension.ends_at);
  extended.hidden = false;
  extended.textContent = extension.cause === 'anti_snipe' ? `Late bid: ${added}` : `Extended: ${added}`;
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

/**
 * Says why nothing is shown, in words the person setting up the stream can act on. A passing
 * failure while a lot is shown changes nothing on screen: the stream keeps it current meanwhile.
 */
function showProblem(found: LiveProblem | null): void {
  const unknownMarathon = found?.status === 404 && /marathon/i.test(found.message);
  if (found !== null && follower.live !== null && !unknownMarathon) return;
  problem.hidden = found === null;
  if (found === null) return;
  lotPanel.hidden = true;
  fill(
    problem,
    unknownMarathon
      ? [h('strong', null, `There is no marathon ${marathonId}.`), ' Check the overlay’s address: /overlay/<marathon number>.']
      : [h('strong', null, 'The auction cannot be shown yet.'), found.status === null ? ' Gavel cannot be reached. Trying again…' : ` Gavel answered: ${found.message}. Trying again…`],
  );
}

if (Number.isInteger(marathonId) && marathonId > 0) {
  setInterval(tick, 250);
  follower.start();
} else {
  problem.hidden = false;
  fill(problem, h('strong', null, 'This overlay’s address names no marathon.'), ' Use /overlay/<marathon number>, e.g. /overlay/1.');
}
