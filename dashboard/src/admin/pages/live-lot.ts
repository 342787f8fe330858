// The live lot: high bid, top 3, countdown and the bid feed, kept current by the event stream.
// Events update the page at once; the lot is refetched shortly after for what events do not
// carry (the top 3), and everything is reloaded when the stream (re)opens or asks for a resync.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import { applyExtension } from '../../shared/live';
import { lotOf } from '../../shared/sse';
import { formatCountdown, serverClock } from '../../shared/time';
import type { Bid, BidPage, EventEnvelope, Lot, LotWithTop, Marathon, MarathonDetail } from '../../shared/api-types';
import { weiToEth } from '../../shared/wei';
import { debounce, type Page } from '../app';
import { bidderTag, eth, fromLocalInput, shortTime, stateBadge, toLocalInput } from '../view';

/** A line of the feed: a stored bid, or a decision just announced by the stream. */
interface FeedEntry {
  key: string;
  bidId: number | null;
  bidder: string;
  amountWei: string | null;
  accepted: boolean;
  note: string;
  at: string;
  voided: boolean;
}

const FEED_SIZE = 100;
const OPEN_STATES = new Set(['ACTIVE', 'PROCESSING']);

function fromStored(bid: Bid): FeedEntry {
  const accepted = bid.decision === 'ACCEPTED';
  return {
    key: `bid:${bid.id}`,
    bidId: bid.id,
    bidder: bid.bidder,
    amountWei: bid.offered_wei,
    accepted,
    note: accepted ? (bid.kind === 'max' ? 'max bid' : '') : (bid.reason ?? bid.reason_code ?? 'rejected'),
    at: bid.received_at,
    voided: bid.voided_at !== null,
  };
}

export const liveLotPage: Page = (outlet, app, [id]) => {
  const lotId = Number(id);
  let lot: LotWithTop | null = null;
  let feed: FeedEntry[] = [];
  let voiding: FeedEntry | null = null;

  const header = h('div', { class: 'lot-header' });
  const high = h('div', { class: 'card high' });
  const clock = h('div', { class: 'card clock' });
  const top = h('div', { class: 'card top' });
  const controls = h('div', { class: 'controls' });
  const voidPanel = h('div', { class: 'void-panel', hidden: true });
  const feedList = h('ol', { class: 'feed', testid: 'bid-feed' });
  const countdown = h('span', { class: 'countdown', testid: 'countdown' }, '–:––');
  const countdownLabel = h('span', { class: 'muted' });

  outlet.replaceChildren(
    header,
    h('section', { class: 'live-grid' }, high, clock, top),
    controls,
    h('section', { class: 'card' }, h('h2', null, 'Bid feed'), voidPanel, feedList),
  );

  const drawLot = () => {
    if (!lot) return;
    const current = lot;
    fill(
      header,
      h('h1', null, `Lot ${current.id} `, h('span', { class: 'muted' }, `day ${current.day_index}`), ' ', stateBadge(current.state, 'lot-state')),
      h(
        'p',
        { class: 'muted' },
        h('a', { href: `#/marathons/${current.marathon_id}` }, `marathon ${current.marathon_id}`),
        ' · ',
        h('a', { href: current.image_url, target: '_blank', rel: 'noreferrer' }, 'image'),
        ' · ',
        h('a', { href: `#/settlement/${current.id}` }, 'settlement'),
        ' · ',
        h('a', { href: `/overlay/${current.marathon_id}`, target: '_blank' }, 'overlay'),
      ),
    );
    fill(
      high,
      h('h2', null, 'High bid'),
      h('div', { class: 'big' }, eth(current.high_bid?.amount.wei, 'high-bid')),
      h('div', null, current.high_bid ? bidderTag(current.high_bid.bidder, 'high-bidder') : h('span', { testid: 'high-bidder', class: 'muted' }, 'no bids yet')),
    );
    fill(
      clock,
      h('h2', null, 'Time left'),
      h('div', { class: 'big' }, countdown),
      countdownLabel,
      h('div', { class: 'muted' }, `extensions used: ${current.extensions_used}`),
    );
    fill(
      top,
      h('h2', null, 'Top 3'),
      current.top.length === 0
        ? h('p', { class: 'muted' }, 'no bids yet')
        : h(
            'ol',
            { testid: 'top-bids' },
            current.top.map((standing) => h('li', null, eth(standing.amount.wei), ' ', bidderTag(standing.bidder))),
          ),
    );
    drawControls();
    tick();
  };

  const tick = () => {
    if (!lot) return;
    const now = serverClock.now();
    if (lot.state === 'ACTIVE') {
      countdown.textContent = formatCountdown(Date.parse(lot.ends_at) - now);
      countdownLabel.textContent = `ends ${shortTime(lot.ends_at)}`;
    } else if (lot.state === 'PENDING') {
      countdown.textContent = formatCountdown(Date.parse(lot.starts_at) - now);
      countdownLabel.textContent = `opens ${shortTime(lot.starts_at)}`;
    } else {
      countdown.textContent = '0:00';
      countdownLabel.textContent = lot.state === 'PROCESSING' ? 'closing: deciding the last bids' : lot.state.toLowerCase();
    }
  };

  const drawControls = () => {
    if (!lot) return;
    const current = lot;
    const parts: HTMLElement[] = [];
    if (app.can('operator') && current.state === 'ACTIVE') {
      const endsAt = h('input', { type: 'datetime-local', step: 1, testid: 'extend-ends-at', value: toLocalInput(current.ends_at) });
      parts.push(
        h(
          'form',
          {
            class: 'inline card',
            onsubmit: (event) => {
              event.preventDefault();
              void app.attempt(async () => {
                await api('POST', `/api/lots/${lotId}/extend`, { ends_at: fromLocalInput(endsAt.value) });
                await reloadLot();
              });
            },
          },
          h('label', null, 'Move the end to ', endsAt),
          h('button', { testid: 'extend-submit' }, 'Extend'),
        ),
      );
    }
    if (app.can('admin') && (current.state === 'PENDING' || OPEN_STATES.has(current.state)) && current.winner_final_at === null) {
      const reason = h('input', { testid: 'cancel-reason', placeholder: 'reason', required: true });
      parts.push(
        h(
          'form',
          {
            class: 'inline card danger',
            onsubmit: (event) => {
              event.preventDefault();
              if (!confirm(`Cancel lot ${lotId}? This cannot be undone.`)) return;
              void app.attempt(async () => {
                await api('POST', `/api/lots/${lotId}/cancel`, { reason: reason.value });
                await reloadLot();
              });
            },
          },
          h('label', null, 'Cancel the lot: ', reason),
          h('button', { testid: 'cancel-submit' }, 'Cancel lot'),
        ),
      );
    }
    fill(controls, parts);
  };

  const canVoid = (entry: FeedEntry) =>
    app.can('operator') && entry.accepted && !entry.voided && entry.bidId !== null && lot !== null && OPEN_STATES.has(lot.state) && lot.winner_final_at === null;

  const drawFeed = () => {
    fill(
      feedList,
      feed.length === 0 ? h('li', { class: 'muted' }, 'no bids yet') : null,
      feed.map((entry) =>
        h(
          'li',
          {
            class: `feed-row ${entry.accepted ? 'accepted' : 'rejected'} ${entry.voided ? 'voided' : ''}`,
            testid: entry.bidId !== null ? `bid-row-${entry.bidId}` : undefined,
            'data-bid-id': entry.bidId ?? undefined,
            'data-amount-eth': entry.amountWei ? weiToEth(entry.amountWei) : undefined,
            'data-decision': entry.accepted ? 'ACCEPTED' : 'REJECTED',
            'data-voided': entry.voided ? 'true' : 'false',
          },
          h('span', { class: 'time' }, shortTime(entry.at)),
          bidderTag(entry.bidder),
          entry.amountWei ? eth(entry.amountWei) : h('span', { class: 'muted' }, '—'),
          h('span', { class: 'note' }, entry.voided ? 'voided' : entry.note),
          canVoid(entry)
            ? h('button', { class: 'small danger', testid: `void-button-${entry.bidId}`, onclick: () => openVoid(entry) }, 'Void')
            : null,
        ),
      ),
    );
  };

  const openVoid = (entry: FeedEntry) => {
    voiding = entry;
    const reason = h('input', { testid: 'void-reason', placeholder: 'why (shown in the audit log)', required: true, maxlength: 500 });
    voidPanel.hidden = false;
    fill(
      voidPanel,
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (event) => {
            event.preventDefault();
            void submitVoid(reason.value);
          },
        },
        h('span', null, `Void bid ${entry.bidId} (${entry.amountWei ? weiToEth(entry.amountWei) : '?'} ETH by ${entry.bidder}): `),
        reason,
        h('button', { class: 'danger', testid: 'void-submit' }, 'Void bid'),
        h('button', { type: 'button', class: 'link', testid: 'void-cancel', onclick: closeVoid }, 'Keep it'),
      ),
    );
    reason.focus();
  };

  const closeVoid = () => {
    voiding = null;
    voidPanel.hidden = true;
    voidPanel.replaceChildren();
  };

  const submitVoid = async (reason: string) => {
    const entry = voiding;
    if (!entry || entry.bidId === null) return;
    const done = await app.attempt(() => api('POST', `/api/bids/${entry.bidId}/void`, { reason }));
    if (done) {
      closeVoid();
      entry.voided = true;
      drawFeed();
      refreshSoon();
    }
  };

  const reloadLot = async () => {
    lot = await api<LotWithTop>('GET', `/api/lots/${lotId}`);
    drawLot();
    drawFeed();
  };

  const reloadAll = async () => {
    await app.attempt(async () => {
      const [fresh, page] = await Promise.all([
        api<LotWithTop>('GET', `/api/lots/${lotId}`),
        api<BidPage>('GET', `/api/lots/${lotId}/bids?limit=${FEED_SIZE}`),
      ]);
      lot = fresh;
      feed = page.bids.map(fromStored);
      drawLot();
      drawFeed();
    });
  };

  const refreshSoon = debounce(() => void app.attempt(reloadLot), 250);

  const push = (entry: FeedEntry) => {
    if (feed.some((existing) => existing.key === entry.key)) return;
    feed = [entry, ...feed].slice(0, FEED_SIZE);
  };

  const onEvent = (event: EventEnvelope) => {
    if (lotOf(event) !== lotId || !lot) return;
    const lead = (bidder: string | null, wei: string | null) =>
      bidder && wei ? { bidder, amount: { wei, eth: weiToEth(wei) } } : null;
    switch (event.type) {
      case 'bid.accepted': {
        const p = event.payload;
        lot.high_bid = lead(p.high_bidder, p.high_amount);
        lot.ends_at = p.ends_at;
        push({
          key: `bid:${p.bid_id}`,
          bidId: p.bid_id,
          bidder: p.bidder,
          amountWei: p.amount,
          accepted: true,
          note: p.amount === null ? 'raised max' : p.max_bid ? 'max bid' : '',
          at: p.received_at,
          voided: false,
        });
        break;
      }
      case 'bid.rejected': {
        const p = event.payload;
        push({ key: `msg:${p.message_id}`, bidId: null, bidder: p.bidder, amountWei: null, accepted: false, note: p.message, at: p.received_at, voided: false });
        break;
      }
      case 'bid.voided': {
        const p = event.payload;
        lot.high_bid = lead(p.high_bidder, p.high_amount);
        const entry = feed.find((candidate) => candidate.bidId === p.bid_id);
        if (entry) entry.voided = true;
        break;
      }
      case 'lot.extended': {
        applyExtension(lot, event.payload);
        clock.classList.remove('flash');
        void clock.offsetWidth; // restarts the animation
        clock.classList.add('flash');
        break;
      }
    }
    drawLot();
    drawFeed();
    refreshSoon();
  };

  const stopListening = app.live.listen({ onEvent, onSync: () => void reloadAll() });
  const timer = setInterval(tick, 250);
  void reloadAll();

  return () => {
    stopListening();
    clearInterval(timer);
    refreshSoon.cancel();
  };
};

/** `#/live`: the lot running now (or the next to open), across marathons. */
export const currentLotPage: Page = (outlet, app) => {
  outlet.replaceChildren(h('p', { class: 'muted' }, 'Looking for the lot running now…'));
  let cancelled = false;
  void app.attempt(async () => {
    const marathons = await api<Marathon[]>('GET', '/api/marathons');
    const details = await Promise.all(marathons.map((m) => api<MarathonDetail>('GET', `/api/marathons/${m.id}`)));
    const lots = details.flatMap((detail) => detail.lots);
    const rank = (lot: Lot) => (lot.state === 'ACTIVE' ? 0 : lot.state === 'PROCESSING' ? 1 : lot.state === 'PENDING' ? 2 : 3);
    const best = lots
      .filter((lot) => rank(lot) < 3)
      .sort((a, b) => rank(a) - rank(b) || Date.parse(a.starts_at) - Date.parse(b.starts_at))[0];
    if (cancelled) return;
    if (best) location.replace(`#/lots/${best.id}`);
    else outlet.replaceChildren(h('p', null, 'No lot is running or scheduled. ', h('a', { href: '#/marathons' }, 'Marathons')));
  });
  return () => {
    cancelled = true;
  };
};
