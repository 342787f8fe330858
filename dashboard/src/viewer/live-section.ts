// The current lot, live: high bid and who holds it, time left on Gavel's clock, the top 3, the
// least the next bid must be with the exact chat line that places it, a ticker of bids and the
// anti-snipe extensions as they happen.

import { bidCommand, minimumNextBid } from '../shared/bid-rules';
import { copyButton, fill, h } from '../shared/dom';
import { LiveLotFollower, lotCountdown } from '../shared/live';
import type { BidRules, LotLive } from '../shared/api-types';
import type { LotExtended } from '../shared/api-types';
import type { ViewerState } from './state';
import { eth, itemsOr, localTime, resolveUri, stateBadge } from './view';

const EXTENSION_SHOWN_MS = 6_000;

export function liveSection(state: ViewerState, onLotChanged: () => void): HTMLElement {
  const body = h('div', { class: 'live-body' });
  const countdown = h('span', { class: 'countdown', testid: 'live-countdown' }, '–:––');
  const countdownLabel = h('div', { class: 'label' }, 'Time left');
  const extended = h('div', { class: 'extended', testid: 'live-extended', hidden: true });
  const image = h('img', { class: 'live-image', alt: '' });
  let lastLot: { id: number; state: string } | null = null;
  let flashTimer: ReturnType<typeof setTimeout> | undefined;

  const follower = new LiveLotFollower(
    state.marathonId,
    {
      onChange: () => {
        const lot = follower.live?.lot ?? null;
        // The schedule and past lots follow the live lot's transitions.
        if (lot?.id !== lastLot?.id || lot?.state !== lastLot?.state) {
          if (lot?.id !== lastLot?.id) extended.hidden = true;
          if (lastLot !== null) onLotChanged();
          lastLot = lot ? { id: lot.id, state: lot.state } : null;
        }
        draw();
      },
      onExtended: (extension: LotExtended) => {
        const added = Math.round((Date.parse(extension.ends_at) - Date.parse(extension.previous_ends_at)) / 1000);
        extended.hidden = false;
        extended.dataset.extensions = String(extension.extensions_used);
        extended.textContent = `${extension.cause === 'anti_snipe' ? 'Anti-snipe' : 'Extended by the organisers'}: +${added} s, now ends ${localTime(extension.ends_at)}`;
        extended.classList.remove('flash');
        void extended.offsetWidth; // restarts the animation
        extended.classList.add('flash');
        clearTimeout(flashTimer);
        flashTimer = setTimeout(() => extended.classList.remove('flash'), EXTENSION_SHOWN_MS);
      },
      onClosed: () => onLotChanged(),
    },
    { tickerSize: 8, holdClosedMs: 10_000 },
  );

  const draw = () => {
    const live = follower.live;
    const lot = live?.lot ?? null;
    if (!live || !lot) {
      const next = state.marathon?.lots.find((candidate) => candidate.state === 'PENDING');
      fill(
        body,
        h('p', { class: 'empty', testid: 'live-lot', 'data-lot-id': '' }, live ? 'No lot is open right now.' : 'Loading…', next ? ` Next: Day ${next.day_index + 1}, ${localTime(next.starts_at)}.` : ''),
      );
      return;
    }
    const open = lot.state === 'ACTIVE' || lot.state === 'PENDING';
    const src = resolveUri(lot.image_url, state.chain?.ipfs_gateway);
    if (image.getAttribute('src') !== src) image.src = src;
    image.alt = lot.title;
    if (lot.extensions_used > 0 && extended.hidden) {
      extended.hidden = false;
      extended.dataset.extensions = String(lot.extensions_used);
      extended.textContent = `Extended ${lot.extensions_used} time${lot.extensions_used === 1 ? '' : 's'} by late bids (anti-snipe)`;
    }
    fill(
      body,
      h(
        'div',
        { class: 'live-lot', testid: 'live-lot', 'data-lot-id': lot.id, 'data-state': lot.state },
        image,
        h(
          'div',
          { class: 'live-facts' },
          h('div', { class: 'live-title' }, h('h3', null, lot.title), stateBadge(lot.state)),
          h('div', { class: 'figures' }, highBid(lot, open), h('div', null, countdownLabel, h('div', { class: 'big' }, countdown))),
          extended,
          open ? nextBid(state, lot, live.rules) : null,
          h('div', { class: 'columns' }, topThree(lot), latestBids()),
          lot.participants > 0 ? h('p', { class: 'muted' }, `${lot.participants} bidder${lot.participants === 1 ? '' : 's'} so far`) : null,
        ),
      ),
    );
    tick();
  };

  const latestBids = () =>
    h(
      'div',
      null,
      h('h4', null, 'Latest bids'),
      h(
        'ol',
        { class: 'ticker', testid: 'live-ticker' },
        itemsOr(follower.ticker, 'Bids appear here as they come', (entry, index) =>
          h(
            'li',
            { class: `${entry.voided ? 'voided' : ''} ${index === 0 ? 'newest' : ''}`, 'data-bid-id': entry.bidId },
            h('span', null, follower.nameOf(entry.bidder)),
            eth(entry.amountWei),
          ),
        ),
      ),
    );

  const tick = () => {
    const lot = follower.live?.lot;
    if (!lot) return;
    const shown = lotCountdown(lot, follower.clock.now());
    countdownLabel.textContent = shown?.label ?? (lot.state === 'CANCELLED' ? 'Cancelled' : lot.state === 'COMPLETED' ? 'Settled' : 'Closing');
    countdown.textContent = shown?.text ?? '0:00';
    countdown.classList.toggle('urgent', shown?.urgent ?? false);
  };

  setInterval(tick, 250);
  state.subscribe(() => {
    if (!follower.live?.lot) draw();
  });
  follower.start();
  return h('section', { id: 'live', class: 'card' }, h('h2', null, 'Live now'), body);
}

function highBid(lot: LotLive, open: boolean): HTMLElement {
  return h(
    'div',
    null,
    h('div', { class: 'label' }, open ? 'Current bid' : lot.high ? 'Winning bid' : 'No bids'),
    h('div', { class: 'big' }, lot.high ? eth(lot.high.amount_wei, 'live-high-bid') : h('span', { testid: 'live-high-bid', 'data-wei': '' }, '—')),
    h('div', { class: 'bidder', testid: 'live-high-bidder' }, lot.high ? lot.high.name : 'No bid yet'),
  );
}

/** The least the next bid must be, and the chat line that places it. */
function nextBid(state: ViewerState, lot: LotLive, rules: BidRules): HTMLElement {
  const minimum = minimumNextBid(rules, lot.high?.amount_wei);
  const line = bidCommand(minimum);
  return h(
    'div',
    { class: 'next-bid' },
    h('div', null, lot.high ? 'The next bid must be at least ' : 'Bidding starts at ', eth(minimum, 'live-min-next'), '. Type in chat:'),
    h('div', { class: 'chat-line' }, h('code', { testid: 'live-bid-line' }, line), copyButton(line, 'copy-bid-line')),
    channelsNote(state),
  );
}

function topThree(lot: LotLive): HTMLElement {
  return h(
    'div',
    null,
    h('h4', null, 'Top 3'),
    h('ol', { class: 'top', testid: 'live-top' }, itemsOr(lot.top.slice(0, 3), 'No bids yet', (bid) => h('li', null, h('span', null, bid.name), eth(bid.amount_wei)))),
  );
}

function channelsNote(state: ViewerState): HTMLElement | null {
  const channels = state.marathon?.channels ?? [];
  if (channels.length === 0) return null;
  return h('p', { class: 'muted' }, 'Chat: ', channels.map((channel, index) => [index > 0 ? ', ' : '', `${channel.platform_name} ${channel.channel}`]), '. Only linked wallets can bid: join below.');
}
