// Small pieces several pages draw the same way: amounts, states, bidder names, times.

import { api } from '../shared/api';
import { h } from '../shared/dom';
import type { Bidder, LotState } from '../shared/api-types';
import { weiToEth } from '../shared/wei';

export function eth(wei: string | null | undefined, testid?: string): HTMLElement {
  if (wei === null || wei === undefined) return h('span', { class: 'amount muted', testid }, '—');
  return h('span', { class: 'amount' }, h('span', { testid, 'data-wei': wei }, weiToEth(wei)), h('span', { class: 'unit' }, ' ETH'));
}

export function stateBadge(state: LotState, testid?: string): HTMLElement {
  return h('span', { class: `badge state-${state.toLowerCase()}`, testid }, state);
}

const names = new Map<string, Promise<string | null>>();

/** A bidder shown by id at once, then by display name once it is known. */
export function bidderTag(id: string, testid?: string): HTMLElement {
  const tag = h('span', { class: 'bidder', testid, 'data-bidder': id, title: id }, id);
  let name = names.get(id);
  if (!name) {
    name = api<Bidder>('GET', `/api/bidders/${encodeURIComponent(id)}`).then(
      (bidder) => bidder.display_name || bidder.login,
      () => null,
    );
    names.set(id, name);
  }
  void name.then((known) => {
    if (known) tag.textContent = known;
  });
  return tag;
}

/** An RFC 3339 instant as the value of an `<input type="datetime-local">` (local time). */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

/** The value of an `<input type="datetime-local">` as an RFC 3339 instant, or null if empty. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`not a date and time: ${value}`);
  return date.toISOString();
}

export function shortTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString(undefined, { hour12: false });
}
