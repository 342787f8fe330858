// The live lot: the operator's console for a show. High bid, clock, top 3 and the bid feed kept
// current by the event stream; pause and resume (this lot, or all bidding), quick extend, moving
// the end, cancelling, voiding and banning from the feed, each destructive action confirmed in
// the page and undoable while the lot is open; the overlay as viewers see it, the audit trail,
// and keyboard shortcuts.
//
// The page is built once per lot and events change values in place (texts, attributes, feed
// rows by key): nothing an operator is typing into (the end, a reason) is ever redrawn under
// their fingers, however many bids arrive. The lot is read again shortly after bids for the top 3
// (events do not carry it), and everything is read again when the stream (re)opens or resyncs.

import '../live/live-lot.css';
import { api } from '../../shared/api';
import { h } from '../../shared/dom';
import { lotOf } from '../../shared/sse';
import { formatCountdown, serverClock } from '../../shared/time';
import type {
  Banned,
  BidPage,
  BidReinstated,
  BidVoided,
  BiddingStatus,
  EventEnvelope,
  Lot,
  LotWithTop,
  Marathon,
  MarathonDetail,
  Settings,
  Unbanned,
} from '../../shared/api-types';
import { weiToEth } from '../../shared/wei';
import { debounce, type Page } from '../app';
import { FormFeedback, textProblem } from '../forms';
import { AuditTrail } from '../live/audit';
import { ConfirmPanel } from '../live/confirm';
import { BidFeed, FEED_SIZE } from '../live/feed';
import { applyLotEvent, clockOf, entryFromBid, entryFromEvent, isOpen, type FeedEntry } from '../live/model';
import { overlayPreview } from '../live/preview';
import { shortcutLegend, shortcutOf, type ShortcutAction } from '../live/shortcuts';
import { bidderTag, dayLabel, eth } from '../view';
import { displayZone, formatInstant, onZoneChange, opensIn, zonedDateTimeField } from '../zone';

/** What the last action can be undone with, while the lot is open (a void, a ban, a pause). */
interface Undo {
  label: string;
  /** Also offered once the lot is over (resuming all bidding is not about this lot). */
  always?: boolean;
  run(): Promise<void>;
}

/** Events after which the audit trail has a new entry. */
const AUDITED = new Set<EventEnvelope['type']>(['lot.paused', 'lot.resumed', 'lot.cancelled', 'bid.voided', 'bid.reinstated', 'bidder.banned', 'bidder.unbanned', 'bidding.paused', 'bidding.resumed']);
const REASON_MAX_CHARS = 500;

export const liveLotPage: Page = (outlet, app, [id]) => {
  const lotId = Number(id);
  const canOperate = app.can('operator');
  const canAdminister = app.can('admin');
  let lot: LotWithTop | null = null;
  let marathon: Marathon | null = null;
  let marathonLots: Lot[] = [];
  let biddingPaused = false;
  let undo: Undo | null = null;
  /** The lot's open state when the feed's row actions were last drawn. */
  let rowsDrawnOpen: boolean | null = null;

  const marathonZone = () => marathon?.time_zone ?? null;
  const when = (iso: string | null | undefined, style: 'time' | 'datetime' = 'time') => formatInstant(iso, marathonZone(), style);

  // --- the page, built once --------------------------------------------------------------

  const title = h('h1', { testid: 'lot-title' }, `Lot ${lotId}`);
  const stateBadge = h('span', { class: 'badge', testid: 'lot-state' });
  const pausedBadge = h('span', { class: 'badge badge-paused big-badge', testid: 'lot-paused', hidden: true }, 'Paused');
  const links = h('p', { class: 'muted links' });

  const highBid = h('span', { testid: 'high-bid' }, '—');
  const highUnit = h('span', { class: 'unit' }, ' ETH');
  const highBidder = h('div', { class: 'who-leads' });
  let highBidderShown: string | null | undefined;
  const countdown = h('span', { class: 'countdown', testid: 'countdown' }, '–:––');
  const clockLabel = h('div', { class: 'muted', testid: 'clock-label' });
  const endsAt = h('div', { class: 'muted', testid: 'lot-ends-at' });
  const clockHeading = h('h2', null, 'Time left');
  const clockFigure = h('section', { class: 'card figure clock' }, clockHeading, h('div', { class: 'big' }, countdown), clockLabel, endsAt);
  const topSlots = [0, 1, 2].map(() => ({ item: h('li', { hidden: true }), shown: '' }));
  const topEmpty = h('p', { class: 'muted' }, 'No bids yet');

  const houseBanner = h(
    'div',
    { class: 'house-paused', testid: 'bidding-paused-banner', role: 'status', hidden: true },
    h('strong', null, 'All bidding is paused (maintenance).'),
    ' Every chat bid on every lot is refused; this lot’s clock keeps running. Pause this lot to stop its clock.',
  );

  const notice = h('div', { class: 'action-notice', role: 'status', 'aria-live': 'polite', testid: 'action-notice', hidden: true });
  const noticeText = h('span', { testid: 'action-notice-text' });
  const undoButton = h('button', { type: 'button', class: 'secondary small', testid: 'undo', hidden: true, onclick: () => void runUndo() }, 'Undo');
  notice.append(noticeText, ' ', undoButton);

  const confirm = new ConfirmPanel(app);
  const feed = new BidFeed(marathonZone, {
    canVoid: (entry) => canOperate && entry.accepted && !entry.voided && entry.bidId !== null && lot !== null && isOpen(lot),
    canReinstate: (entry) => canOperate && entry.accepted && entry.voided && entry.bidId !== null && lot !== null && isOpen(lot),
    canBan: () => canOperate,
    void: (entry) => askVoid(entry),
    reinstate: (entry) => void app.attempt(() => reinstate(entry)),
    ban: (entry) => askBan(entry),
  });
  const audit = new AuditTrail(lotId, marathonZone, (bidId) => feed.find(bidId), (error) => app.report(error, 'read'));

  // Controls: drawn once, shown or hidden as the lot's state and the role allow.
  const pauseLotButton = h('button', { type: 'button', class: 'warn', testid: 'pause-lot', onclick: () => askPauseLot() }, 'Pause this lot');
  const resumeLotButton = h('button', { type: 'button', class: 'go', testid: 'resume-lot', onclick: () => void app.attempt(resumeLot) }, 'Resume this lot');
  const extend1 = h('button', { type: 'button', class: 'secondary', testid: 'extend-1', onclick: () => void quickExtend(60) }, '+1 min');
  const extend5 = h('button', { type: 'button', class: 'secondary', testid: 'extend-5', onclick: () => void quickExtend(300) }, '+5 min');
  let endField = zonedDateTimeField('extend-ends-at', displayZone(null));
  /** The operator typed into the end field: events no longer move what it shows. */
  let endFieldTouched = false;
  /** The end the field was last set to (it is written only when that changes, never while the operator types). */
  let endFieldShows: string | null = null;
  const endFieldSlot = h('span', { class: 'field-slot' }, endField.element);
  const endConflict = h('p', { class: 'field-error', role: 'alert', hidden: true, testid: 'extend-error' });
  let endFeedback = new FormFeedback({ ends_at: { input: endField.element, label: 'The new end' } }, endConflict);
  const extendForm = h(
    'form',
    { class: 'move-end', novalidate: true, onsubmit: (event) => (event.preventDefault(), void moveEnd()) },
    h('label', null, 'Move it to ', endFieldSlot),
    h('button', { class: 'secondary', testid: 'extend-submit' }, 'Move the end'),
    endConflict,
  );
  endFieldSlot.addEventListener('input', () => (endFieldTouched = true));
  const lotControls = h('div', { class: 'control-row' }, h('span', { class: 'control-label' }, 'This lot'), pauseLotButton, resumeLotButton, extend1, extend5);
  const endControls = h('div', { class: 'control-row' }, h('span', { class: 'control-label' }, 'End'), extendForm);

  const biddingState = h('span', { class: 'bidding-state', testid: 'bidding-state' });
  const pauseBiddingButton = h('button', { type: 'button', class: 'secondary', testid: 'bidding-pause', onclick: () => askPauseBidding() }, 'Pause all bidding');
  const resumeBiddingButton = h('button', { type: 'button', class: 'go', testid: 'bidding-resume', onclick: () => void app.attempt(resumeBidding) }, 'Resume all bidding');
  const houseControls = h(
    'div',
    { class: 'control-row' },
    h('span', { class: 'control-label', title: 'Maintenance: every lot of every marathon' }, 'All bidding (maintenance)'),
    biddingState,
    pauseBiddingButton,
    resumeBiddingButton,
  );

  const cancelReason = h('input', { testid: 'cancel-reason', placeholder: 'why (kept in the audit trail)', maxlength: REASON_MAX_CHARS, autocomplete: 'off' });
  const cancelFeedback = new FormFeedback({ reason: { input: cancelReason, label: 'Reason' } });
  const cancelForm = h(
    'form',
    { class: 'danger-zone', novalidate: true, testid: 'cancel-form', onsubmit: (event) => (event.preventDefault(), askCancel()) },
    h('span', { class: 'control-label' }, 'Cancel this lot'),
    h('label', null, 'Reason ', cancelReason),
    h('button', { class: 'danger', testid: 'cancel-submit' }, 'Cancel lot…'),
  );
  const rerun = h('p', { class: 'rerun', hidden: true });

  const previewSlot = h('div', { class: 'preview-slot' });
  const previewCard = h('section', { class: 'card preview-card', hidden: true }, h('h2', null, 'What viewers see now'), previewSlot);

  const controls = h('section', { class: 'card show-controls', hidden: true }, h('h2', null, 'Show controls'), lotControls, endControls, houseControls, cancelForm, rerun);

  const page = h(
    'div',
    { class: 'live-page' },
    h('header', { class: 'live-head' }, h('div', { class: 'live-title' }, title, stateBadge, pausedBadge), links),
    h(
      'div',
      { class: 'live-columns' },
      h(
        'div',
        { class: 'live-main' },
        h(
          'div',
          { class: 'live-figures' },
          h('section', { class: 'card figure' }, h('h2', null, 'High bid'), h('div', { class: 'big' }, h('span', { class: 'amount' }, highBid, highUnit)), highBidder),
          clockFigure,
          h('section', { class: 'card figure' }, h('h2', null, 'Top 3'), topEmpty, h('ol', { class: 'top3', testid: 'top-bids' }, topSlots.map((slot) => slot.item))),
        ),
        houseBanner,
        notice,
        confirm.element,
        controls,
        h('section', { class: 'card feed-card' }, h('h2', null, 'Bid feed'), feed.element),
      ),
      h(
        'aside',
        { class: 'live-side' },
        previewCard,
        canOperate ? h('section', { class: 'card keys-card' }, h('h2', null, 'Keys'), shortcutLegend()) : null,
        h('section', { class: 'card audit-card' }, h('h2', null, 'Audit trail'), audit.element),
      ),
    ),
  );
  outlet.replaceChildren(page);

  // --- values, changed in place ------------------------------------------------------------

  let headerFor: string | null = null;
  let previewFor: number | null = null;

  const drawHeader = (current: LotWithTop) => {
    const key = `${current.day_index}|${marathon?.name ?? ''}`;
    if (headerFor === key) return;
    headerFor = key;
    title.textContent = `${dayLabel(current.day_index)} · lot #${current.id}`;
    links.replaceChildren(
      h('a', { href: `#/marathons/${current.marathon_id}` }, marathon?.name ?? `Marathon ${current.marathon_id}`),
      ' · ',
      h('a', { href: current.image_url, target: '_blank', rel: 'noreferrer' }, 'artwork'),
      ' · ',
      h('a', { href: `#/settlement/${current.id}` }, 'settlement'),
      ' · ',
      h('a', { href: `/overlay/${current.marathon_id}`, target: '_blank', testid: 'overlay-link' }, 'overlay (for OBS)'),
    );
    if (previewFor !== current.marathon_id) {
      previewFor = current.marathon_id;
      previewSlot.replaceChildren(overlayPreview(current.marathon_id));
      previewCard.hidden = false;
    }
  };

  const drawValues = () => {
    if (!lot) return;
    const current = lot;
    drawHeader(current);
    stateBadge.textContent = current.state;
    stateBadge.className = `badge state-${current.state.toLowerCase()}`;
    const paused = current.state === 'ACTIVE' && current.paused_at !== null;
    pausedBadge.hidden = !paused;
    page.classList.toggle('is-paused', paused);

    const high = current.high_bid;
    highBid.textContent = high ? weiToEth(high.amount.wei) : '—';
    highBid.dataset.wei = high?.amount.wei ?? '';
    highUnit.hidden = !high;
    const leader = high?.bidder ?? null;
    if (highBidderShown !== leader) {
      highBidderShown = leader;
      highBidder.replaceChildren(leader ? bidderTag(leader, 'high-bidder') : h('span', { class: 'muted', testid: 'high-bidder' }, 'no bids yet'));
    }

    topEmpty.hidden = current.top.length > 0;
    topSlots.forEach((slot, index) => {
      const standing = current.top[index];
      const key = standing ? `${standing.bidder}|${standing.amount.wei}` : '';
      slot.item.hidden = !standing;
      if (slot.shown === key) return;
      slot.shown = key;
      slot.item.replaceChildren(...(standing ? [eth(standing.amount.wei), ' ', bidderTag(standing.bidder)] : []));
    });

    endsAt.dataset.endsAt = current.ends_at;
    if (!endFieldTouched && endFieldShows !== current.ends_at) {
      endField.set(current.ends_at);
      endFieldShows = current.ends_at;
    }
    drawControls(current);
    const open = isOpen(current);
    if (rowsDrawnOpen !== open) {
      rowsDrawnOpen = open;
      feed.refresh();
    }
    if (undo && !undo.always && !open) setUndo(null);
    tick();
  };

  const drawControls = (current: LotWithTop) => {
    controls.hidden = !canOperate;
    const active = current.state === 'ACTIVE';
    const paused = active && current.paused_at !== null;
    pauseLotButton.hidden = !active || paused;
    resumeLotButton.hidden = !paused;
    for (const part of [lotControls, endControls]) part.hidden = !active;
    biddingState.textContent = biddingPaused ? 'paused' : 'running';
    biddingState.dataset.paused = String(biddingPaused);
    pauseBiddingButton.hidden = biddingPaused;
    resumeBiddingButton.hidden = !biddingPaused;
    houseBanner.hidden = !biddingPaused;
    cancelForm.hidden = !canAdminister || !(current.state === 'PENDING' || isOpen(current));
    drawRerun(current);
  };

  const drawRerun = (current: LotWithTop) => {
    const dayTaken = marathonLots.some((other) => other.day_index === current.day_index && other.state !== 'CANCELLED');
    const offered = canAdminister && current.state === 'CANCELLED' && !dayTaken;
    rerun.hidden = !offered;
    if (!offered || rerun.childElementCount > 0) return;
    rerun.append(
      `${dayLabel(current.day_index)} was cancelled. `,
      h('a', { href: `#/marathons/${current.marathon_id}`, testid: 'rerun-day' }, `Run ${dayLabel(current.day_index)} again with a new lot`),
      ' (on the marathon page: use “Run this day again” on its row).',
    );
  };

  const tick = () => {
    if (!lot) return;
    const clock = clockOf(lot, serverClock.now());
    countdown.classList.toggle('pending', clock.kind === 'pending');
    countdown.classList.toggle('frozen', clock.kind === 'paused');
    clockHeading.textContent = clock.kind === 'pending' ? 'Opens' : clock.kind === 'paused' ? 'Time left (paused)' : 'Time left';
    switch (clock.kind) {
      case 'pending':
        countdown.textContent = opensIn(clock.opensAt, marathonZone(), serverClock.now());
        clockLabel.textContent = '';
        endsAt.textContent = `ends ${when(lot.ends_at, 'datetime')}`;
        break;
      case 'running':
        countdown.textContent = formatCountdown(clock.leftMs);
        clockLabel.textContent = biddingPaused ? 'running (all bidding is paused)' : '';
        endsAt.textContent = `ends ${when(lot.ends_at)} · ${lot.extensions_used} late-bid extension${lot.extensions_used === 1 ? '' : 's'}`;
        break;
      case 'paused':
        countdown.textContent = formatCountdown(clock.leftMs);
        clockLabel.textContent = `Paused at ${when(lot.paused_at)}: the clock is stopped`;
        endsAt.textContent = 'resuming keeps the time left';
        break;
      case 'closing':
        countdown.textContent = '0:00';
        clockLabel.textContent = 'closing: deciding the last bids';
        endsAt.textContent = `ended ${when(lot.ends_at)}`;
        break;
      case 'over':
        if (lot.state === 'CANCELLED') {
          countdown.textContent = '—';
          clockLabel.textContent = `Cancelled${lot.cancel_reason ? `: ${lot.cancel_reason}` : ''}`;
          endsAt.textContent = '';
        } else {
          countdown.textContent = '0:00';
          clockLabel.textContent = 'over';
          endsAt.textContent = `ended ${when(lot.ends_at)}`;
        }
        break;
    }
  };

  const flashClock = () => {
    clockFigure.classList.remove('flash');
    void clockFigure.offsetWidth; // restarts the animation
    clockFigure.classList.add('flash');
  };

  // --- the notice and undo -----------------------------------------------------------------

  const say = (...parts: (Node | string)[]) => {
    noticeText.replaceChildren(...parts);
    notice.hidden = false;
    notice.classList.remove('fresh');
    void notice.offsetWidth; // restarts the highlight
    notice.classList.add('fresh');
  };

  const setUndo = (next: Undo | null) => {
    undo = next;
    undoButton.hidden = next === null;
    undoButton.textContent = next?.label ?? 'Undo';
  };

  const runUndo = async () => {
    const pending = undo;
    if (!pending) return;
    setUndo(null);
    const done = await app.attempt(pending.run);
    if (!done) setUndo(pending);
  };

  // --- actions -----------------------------------------------------------------------------

  const mergeLot = (fresh: Lot) => {
    if (!lot) return;
    lot = { ...lot, ...fresh };
    drawValues();
  };

  const leadOf = (bidder: string | null, wei: string | null): LotWithTop['high_bid'] => (bidder && wei ? { bidder, amount: { wei, eth: weiToEth(wei) } } : null);

  const bidWords = (entry: FeedEntry): (Node | string)[] => [bidderTag(entry.bidder), '’s bid', ...(entry.amountWei ? [' of ', eth(entry.amountWei)] : [])];

  const askPauseLot = () => {
    if (!lot) return;
    const left = clockOf(lot, serverClock.now());
    confirm.open({
      action: 'pause-lot',
      question: `Pause ${dayLabel(lot.day_index)} now${left.kind === 'running' ? `, with ${formatCountdown(left.leftMs)} left` : ''}?`,
      detail: 'The clock stops and chat bids are refused until you resume; viewers see “Bidding paused”. Resuming keeps the time left.',
      reason: { required: false, placeholder: 'why, if you wish (stream down, dispute…)' },
      confirmLabel: 'Pause the lot',
      keepLabel: 'Keep it running',
      run: async ({ reason }) => {
        mergeLot(await api<Lot>('POST', `/api/lots/${lotId}/pause`, reason ? { reason } : undefined));
        say(`Lot paused: the clock is stopped${lot ? ` at ${formatCountdown(Math.max(0, Date.parse(lot.ends_at) - Date.parse(lot.paused_at ?? lot.ends_at)))} left` : ''} and bids are refused.`);
        setUndo({ label: 'Resume', run: resumeLot });
      },
    });
  };

  async function resumeLot(): Promise<void> {
    mergeLot(await api<Lot>('POST', `/api/lots/${lotId}/resume`));
    say(`Lot resumed: it now ends ${when(lot?.ends_at)}.`);
    setUndo(null);
  }

  const askPauseBidding = () => {
    confirm.open({
      action: 'pause-bidding',
      question: 'Pause all bidding, on every lot?',
      detail: 'Maintenance: every chat bid of every marathon is refused until you resume. This lot’s clock keeps running: to stop it, pause this lot instead.',
      confirmLabel: 'Pause all bidding',
      keepLabel: 'Keep bidding open',
      run: async () => {
        biddingPaused = (await api<BiddingStatus>('POST', '/api/bidding/pause')).bidding_paused;
        drawValues();
        say('All bidding is paused (maintenance).');
        setUndo({ label: 'Resume all bidding', always: true, run: resumeBidding });
      },
    });
  };

  async function resumeBidding(): Promise<void> {
    biddingPaused = (await api<BiddingStatus>('POST', '/api/bidding/resume')).bidding_paused;
    drawValues();
    say('All bidding resumed.');
    setUndo(null);
  }

  const quickExtend = async (seconds: number) => {
    if (!lot || lot.state !== 'ACTIVE') return;
    // Counted by the server from the end as it stands then: an anti-snipe extension this page
    // has not seen yet is kept.
    await app.attempt(async () => {
      const extended = await api<Lot>('POST', `/api/lots/${lotId}/extend`, { by_secs: seconds });
      mergeLot(extended);
      flashClock();
      say(`End moved ${seconds / 60} min later, to ${when(extended.ends_at)}.`);
      setUndo(null);
    });
  };

  const moveEnd = async () => {
    endFeedback.clear();
    let target: string | null;
    try {
      target = endField.value();
    } catch (error) {
      endFeedback.check([[endField.element, error instanceof Error ? error.message : String(error)]]);
      return;
    }
    if (!endFeedback.check([[endField.element, target === null ? 'Enter the new end (date and time)' : null]]) || target === null) return;
    const ends = target;
    try {
      mergeLot(await api<Lot>('POST', `/api/lots/${lotId}/extend`, { ends_at: ends }));
    } catch (error) {
      if (endFeedback.place(error)) app.clearError();
      else app.report(error);
      return;
    }
    app.clearError();
    endFieldTouched = false;
    endFieldShows = null;
    drawValues();
    flashClock();
    say(`End moved to ${when(ends, 'datetime')}.`);
    setUndo(null);
  };

  const askCancel = () => {
    if (!lot || !cancelFeedback.check([[cancelReason, textProblem(cancelReason.value, REASON_MAX_CHARS, 'A reason')]])) return;
    const reason = cancelReason.value.trim();
    confirm.open({
      action: 'cancel-lot',
      question: `Cancel ${dayLabel(lot.day_index)} (lot #${lot.id}) for good?`,
      detail: `Bidding ends with no winner and no sale, and this cannot be undone. Reason: “${reason}”. The day can be run again with a new lot afterwards.`,
      confirmLabel: 'Cancel the lot',
      keepLabel: 'Keep the lot',
      run: async () => {
        try {
          mergeLot(await api<Lot>('POST', `/api/lots/${lotId}/cancel`, { reason }));
        } catch (error) {
          if (cancelFeedback.place(error)) {
            confirm.close();
            return;
          }
          throw error;
        }
        cancelReason.value = '';
        say('Lot cancelled. ', ...(canAdminister ? [`${dayLabel(lot?.day_index ?? 0)} can be run again from the marathon page.`] : []));
        setUndo(null);
        void loadMarathon();
      },
    });
  };

  const askVoid = (entry: FeedEntry) => {
    if (entry.bidId === null) return;
    confirm.open({
      action: 'void',
      question: h('span', null, 'Void ', ...bidWords(entry), '?'),
      detail: 'The lead goes back to the best bid still standing. You can undo this while the lot is open.',
      reason: { required: true, placeholder: 'why (kept in the audit trail)' },
      confirmLabel: 'Void bid',
      keepLabel: 'Keep it',
      run: async ({ reason }) => {
        const voided = await api<BidVoided>('POST', `/api/bids/${entry.bidId}/void`, { reason });
        feed.setVoided(voided.bid_id, true, reason);
        if (lot) lot.high_bid = leadOf(voided.high_bidder, voided.high_amount);
        drawValues();
        refreshSoon();
        say('Voided ', ...bidWords(entry), '.');
        setUndo({ label: 'Undo', run: () => reinstate(entry) });
      },
    });
  };

  async function reinstate(entry: FeedEntry): Promise<void> {
    const back = await api<BidReinstated>('POST', `/api/bids/${entry.bidId}/reinstate`);
    feed.setVoided(back.bid_id, false);
    if (lot) lot.high_bid = leadOf(back.high_bidder, back.high_amount);
    drawValues();
    refreshSoon();
    say('Reinstated ', ...bidWords(entry), '.');
    setUndo(null);
  }

  const askBan = (entry: FeedEntry) => {
    const bidder = entry.bidder;
    confirm.open({
      action: 'ban',
      question: h('span', null, 'Ban ', bidderTag(bidder), '?'),
      detail: 'Their chat bids are refused on every lot from now on. Voiding their standing bids takes them off every lot not yet won. You can undo this while the lot is open.',
      reason: { required: true, placeholder: 'why (kept in the audit trail)' },
      option: { testid: 'ban-void-bids', label: 'also void their standing bids', checked: false },
      confirmLabel: 'Ban',
      keepLabel: 'Keep them',
      run: async ({ reason, option }) => {
        const banned = await api<Banned>('POST', `/api/bidders/${encodeURIComponent(bidder)}/ban`, { reason, void_standing_bids: option });
        for (const bidId of banned.voided_bids) feed.setVoided(bidId, true, reason);
        refreshSoon();
        const voided = banned.voided_bids.length;
        say('Banned ', bidderTag(bidder), voided ? ` and voided ${voided} standing bid${voided === 1 ? '' : 's'}.` : '.');
        setUndo({ label: 'Undo', run: () => unban(bidder, banned.voided_bids) });
      },
    });
  };

  async function unban(bidder: string, bids: number[]): Promise<void> {
    const lifted = await api<Unbanned>('POST', `/api/bidders/${encodeURIComponent(bidder)}/unban`, { reinstate_bids: bids });
    for (const bidId of lifted.reinstated_bids) feed.setVoided(bidId, false);
    refreshSoon();
    const back = lifted.reinstated_bids.length;
    say('Lifted the ban on ', bidderTag(bidder), back ? ` and reinstated ${back} bid${back === 1 ? '' : 's'}.` : '.');
    setUndo(null);
  }

  // --- the keyboard ------------------------------------------------------------------------

  const onShortcut = (action: ShortcutAction) => {
    if (action === 'close') return confirm.close();
    if (confirm.isOpen || !lot || !canOperate) return;
    switch (action) {
      case 'toggle-lot-pause':
        if (lot.state === 'ACTIVE' && lot.paused_at) void app.attempt(resumeLot);
        else if (lot.state === 'ACTIVE') askPauseLot();
        return;
      case 'extend-1':
        return void quickExtend(60);
      case 'extend-5':
        return void quickExtend(300);
      case 'void-high': {
        const high = lot.high_bid;
        const entry = high ? feed.findStanding(high.bidder, high.amount.wei) : null;
        if (entry && isOpen(lot)) askVoid(entry);
        else say(high ? 'The high bid is not in the feed as one bid (a maximum bid’s raise): void it from its row.' : 'There is no high bid to void.');
        return;
      }
      case 'undo':
        return void runUndo();
    }
  };

  const onKey = (event: KeyboardEvent) => {
    const action = shortcutOf(event);
    if (!action) return;
    event.preventDefault();
    onShortcut(action);
  };
  document.addEventListener('keydown', onKey);

  // --- reading and following -----------------------------------------------------------------

  const loadMarathon = async () => {
    if (!lot) return;
    const detail = await api<MarathonDetail>('GET', `/api/marathons/${lot.marathon_id}`);
    const zoneBefore = marathon?.time_zone;
    marathon = detail.marathon;
    marathonLots = detail.lots;
    headerFor = null;
    if (zoneBefore !== marathon.time_zone) rebuildEndField();
    drawValues();
    feed.refresh();
    audit.draw();
  };

  /** The end field reads and writes wall time in the zone shown: made again when that zone changes, keeping what was typed. */
  const rebuildEndField = () => {
    let typed: string | null = null;
    if (endFieldTouched) {
      try {
        typed = endField.value();
      } catch {
        typed = null; // half-typed: the lot's end instead
      }
    }
    endFeedback.clear();
    endField = zonedDateTimeField('extend-ends-at', displayZone(marathonZone()), typed ?? lot?.ends_at ?? null);
    endFieldTouched = typed !== null;
    endFieldShows = typed ?? lot?.ends_at ?? null;
    endFeedback = new FormFeedback({ ends_at: { input: endField.element, label: 'The new end' } }, endConflict);
    endFieldSlot.replaceChildren(endField.element);
  };

  const reloadLot = async () => {
    const fresh = await api<LotWithTop>('GET', `/api/lots/${lotId}`);
    lot = fresh;
    drawValues();
  };

  const reloadAll = async () => {
    await app.load(async () => {
      const [fresh, bids, settings] = await Promise.all([
        api<LotWithTop>('GET', `/api/lots/${lotId}`),
        api<BidPage>('GET', `/api/lots/${lotId}/bids?limit=${FEED_SIZE}`),
        api<Settings>('GET', '/api/settings'),
      ]);
      lot = fresh;
      biddingPaused = settings.bidding_paused;
      feed.reset(bids.bids.map(entryFromBid));
      // Read each time too: another page may have given a cancelled day a new lot meanwhile.
      await loadMarathon();
      await audit.load();
    });
  };

  const refreshSoon = debounce(() => void app.load(reloadLot), 250);

  const onEvent = (event: EventEnvelope) => {
    if (!lot) return;
    if (event.type === 'bidding.paused' || event.type === 'bidding.resumed') {
      biddingPaused = event.type === 'bidding.paused';
      drawValues();
      audit.loadSoon();
      return;
    }
    if (event.type === 'bidder.banned' || event.type === 'bidder.unbanned') {
      audit.loadSoon();
      return;
    }
    if (lotOf(event) !== lotId || !applyLotEvent(lot, event)) return;
    const entry = entryFromEvent(event);
    if (entry) feed.add(entry);
    switch (event.type) {
      case 'bid.voided':
        feed.setVoided(event.payload.bid_id, true, event.payload.reason);
        break;
      case 'bid.reinstated':
        feed.setVoided(event.payload.bid_id, false);
        break;
      case 'lot.extended':
        flashClock();
        if (event.payload.cause === 'admin') audit.loadSoon();
        break;
      case 'lot.cancelled':
        void app.load(loadMarathon);
        break;
    }
    if (AUDITED.has(event.type)) audit.loadSoon();
    drawValues();
    if (event.type.startsWith('bid.') || event.type === 'lot.closed') refreshSoon();
  };

  const stopListening = app.live.listen({ onEvent, onSync: () => void reloadAll() });
  const stopZone = onZoneChange(() => {
    rebuildEndField();
    headerFor = null;
    drawValues();
    feed.refresh();
    audit.draw();
  });
  const timer = setInterval(tick, 250);
  void reloadAll();

  return () => {
    stopListening();
    stopZone();
    clearInterval(timer);
    refreshSoon.cancel();
    audit.loadSoon.cancel();
    document.removeEventListener('keydown', onKey);
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
