// The live lot's bid feed: a table with fixed columns (Time, Bidder, Amount, Result, actions)
// whose rows are kept by key and changed in place, so twenty bids a second neither shift the
// layout nor take the focus from a row's button. Newest first, at most FEED_SIZE rows.

import { h } from '../../shared/dom';
import { weiToEth } from '../../shared/wei';
import { bidderTag, eth } from '../view';
import { formatInstant } from '../zone';
import { resultOf, type FeedEntry } from './model';

export const FEED_SIZE = 100;

/** What a row offers, decided by the page (roles, the lot's state). */
export interface FeedActions {
  canVoid(entry: FeedEntry): boolean;
  canReinstate(entry: FeedEntry): boolean;
  canBan(entry: FeedEntry): boolean;
  void(entry: FeedEntry): void;
  reinstate(entry: FeedEntry): void;
  ban(entry: FeedEntry): void;
}

interface Row {
  entry: FeedEntry;
  tr: HTMLTableRowElement;
  time: HTMLElement;
  bidder: HTMLElement;
  amount: HTMLElement;
  result: HTMLElement;
  voidButton: HTMLButtonElement;
  reinstateButton: HTMLButtonElement;
  banButton: HTMLButtonElement;
  /** Whose name the bidder cell shows (it is rebuilt only when that changes). */
  shownBidder: string | null;
}

export class BidFeed {
  readonly element: HTMLElement;
  private readonly body = h('tbody');
  private readonly empty = h('tbody', { class: 'feed-empty' }, h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No bids yet')));
  private readonly rows = new Map<string, Row>();

  constructor(
    private readonly zone: () => string | null,
    private readonly actions: FeedActions,
  ) {
    this.element = h(
      'div',
      { class: 'feed-scroll' },
      h(
        'table',
        { class: 'feed-table', testid: 'bid-feed' },
        h('colgroup', null, h('col', { class: 'col-time' }), h('col', { class: 'col-bidder' }), h('col', { class: 'col-amount' }), h('col', { class: 'col-result' }), h('col', { class: 'col-actions' })),
        h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Bidder'), h('th', { class: 'num' }, 'Amount'), h('th', null, 'Result'), h('th', null, h('span', { class: 'sr-only' }, 'Actions')))),
        this.body,
        this.empty,
      ),
    );
  }

  /** Every entry, newest first (a reload): rows kept where their key is, others added or removed. */
  reset(entries: FeedEntry[]): void {
    const wanted = new Set(entries.map((entry) => entry.key));
    for (const [key, row] of this.rows) {
      if (!wanted.has(key)) {
        row.tr.remove();
        this.rows.delete(key);
      }
    }
    let previous: HTMLElement | null = null;
    for (const entry of entries.slice(0, FEED_SIZE)) {
      const row = this.rows.get(entry.key) ?? this.create(entry);
      row.entry = entry;
      this.render(row);
      const place: ChildNode | null = previous ? previous.nextSibling : this.body.firstChild;
      if (place !== row.tr) this.body.insertBefore(row.tr, place);
      previous = row.tr;
    }
    this.trim();
  }

  /** A decision just announced: a new row on top, or the row of that bid brought up to date. */
  add(entry: FeedEntry): void {
    const known = this.rows.get(entry.key);
    if (known) {
      known.entry = { ...entry, voided: known.entry.voided, voidReason: known.entry.voidReason };
      this.render(known);
      return;
    }
    const row = this.create(entry);
    this.render(row);
    this.body.insertBefore(row.tr, this.body.firstChild);
    this.trim();
  }

  /** The stored or announced bid with this id. */
  find(bidId: number): FeedEntry | null {
    return this.rows.get(`bid:${bidId}`)?.entry ?? null;
  }

  /** The newest standing bid of `bidder` for `amountWei` (the high bid's row). */
  findStanding(bidder: string, amountWei: string): FeedEntry | null {
    for (const row of this.rows.values()) {
      const entry = row.entry;
      if (entry.accepted && !entry.voided && entry.bidId !== null && entry.bidder === bidder && entry.amountWei === amountWei) return entry;
    }
    return null;
  }

  /** Marks a bid voided (with the reason) or standing again. */
  setVoided(bidId: number, voided: boolean, reason: string | null = null): void {
    const row = this.rows.get(`bid:${bidId}`);
    if (!row) return;
    row.entry = { ...row.entry, voided, voidReason: voided ? reason || row.entry.voidReason : null };
    this.render(row);
  }

  /** Redraws every row: the times (the zone changed) and the actions offered (the lot's state changed). */
  refresh(): void {
    for (const row of this.rows.values()) this.render(row);
  }

  private create(entry: FeedEntry): Row {
    const button = (label: string, className: string, onclick: () => void) => h('button', { type: 'button', class: `small ${className}`, onclick }, label);
    const row: Row = {
      entry,
      tr: h('tr'),
      time: h('td', { class: 'feed-time' }),
      bidder: h('td', { class: 'feed-bidder' }),
      amount: h('td', { class: 'num' }),
      result: h('td', { class: 'feed-result' }),
      voidButton: button('Void', 'danger', () => this.actions.void(row.entry)),
      reinstateButton: button('Reinstate', 'secondary', () => this.actions.reinstate(row.entry)),
      banButton: button('Ban', 'danger-outline', () => this.actions.ban(row.entry)),
      shownBidder: null,
    };
    row.tr.append(row.time, row.bidder, row.amount, row.result, h('td', { class: 'feed-actions' }, row.voidButton, row.reinstateButton, row.banButton));
    this.rows.set(entry.key, row);
    return row;
  }

  private render(row: Row): void {
    const entry = row.entry;
    const tr = row.tr;
    tr.classList.toggle('accepted', entry.accepted);
    tr.classList.toggle('rejected', !entry.accepted);
    tr.classList.toggle('voided', entry.voided);
    if (entry.bidId !== null) {
      tr.dataset.testid = `bid-row-${entry.bidId}`;
      tr.dataset.bidId = String(entry.bidId);
    }
    if (entry.amountWei) tr.dataset.amountEth = weiToEth(entry.amountWei);
    tr.dataset.decision = entry.accepted ? 'ACCEPTED' : 'REJECTED';
    tr.dataset.voided = String(entry.voided);
    tr.dataset.bidder = entry.bidder;
    row.time.textContent = formatInstant(entry.at, this.zone(), 'time');
    if (row.shownBidder !== entry.bidder) {
      row.bidder.replaceChildren(bidderTag(entry.bidder));
      row.shownBidder = entry.bidder;
    }
    const amountKey = entry.amountWei ?? '';
    if (row.amount.dataset.wei !== amountKey) {
      row.amount.replaceChildren(entry.amountWei ? eth(entry.amountWei) : h('span', { class: 'muted', title: 'a private maximum' }, 'private'));
      row.amount.dataset.wei = amountKey;
    }
    row.result.textContent = resultOf(entry);
    row.result.title = resultOf(entry);
    const id = entry.bidId;
    setAction(row.voidButton, this.actions.canVoid(entry), id === null ? null : `void-button-${id}`);
    setAction(row.reinstateButton, this.actions.canReinstate(entry), id === null ? null : `reinstate-button-${id}`);
    setAction(row.banButton, this.actions.canBan(entry), id === null ? null : `ban-button-${id}`);
    this.empty.hidden = this.rows.size > 0;
  }

  private trim(): void {
    while (this.body.rows.length > FEED_SIZE) {
      const last = this.body.rows[this.body.rows.length - 1];
      for (const [key, row] of this.rows) if (row.tr === last) this.rows.delete(key);
      last.remove();
    }
    this.empty.hidden = this.rows.size > 0;
  }
}

function setAction(button: HTMLButtonElement, offered: boolean, testid: string | null): void {
  button.hidden = !offered;
  if (testid) button.dataset.testid = testid;
}
