// Small pieces several pages draw the same way: amounts, states, bidder names, days,
// transaction hashes.

import { api } from '../shared/api';
import { copyButton, h } from '../shared/dom';
import type { Bidder, LotState } from '../shared/api-types';
import { weiToEth } from '../shared/wei';

export function eth(wei: string | null | undefined, testid?: string): HTMLElement {
  if (wei === null || wei === undefined) return h('span', { class: 'amount muted', testid }, '—');
  return h('span', { class: 'amount' }, h('span', { testid, 'data-wei': wei }, weiToEth(wei)), h('span', { class: 'unit' }, ' ETH'));
}

export function stateBadge(state: LotState, testid?: string): HTMLElement {
  return h('span', { class: `badge state-${state.toLowerCase()}`, testid }, state);
}

/** Days are numbered from 1 for people (as the overlay says "Day 1"); the API's day_index from 0. */
export function dayLabel(dayIndex: number): string {
  return `Day ${dayIndex + 1}`;
}

/** A transaction hash or address shortened to `0x1234…abcd`, whole in its title, with a copy button. */
export function hashCell(hash: string, testid?: string): HTMLElement {
  return h(
    'span',
    { class: 'hash' },
    h('span', { class: 'mono', title: hash, testid, 'data-hash': hash }, `${hash.slice(0, 6)}…${hash.slice(-4)}`),
    ' ',
    copyButton(hash, testid ? `${testid}-copy` : 'copy-hash'),
  );
}

const names = new Map<string, Promise<string | null>>();

/** A bidder shown by id at once, then by display name once it is known (`withId`: "dex (twitch:1004)"). */
export function bidderTag(id: string, testid?: string, withId = false): HTMLElement {
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
    if (known) tag.textContent = withId && known !== id ? `${known} (${id})` : known;
  });
  return tag;
}
