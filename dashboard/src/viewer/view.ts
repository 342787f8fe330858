// Small pieces the viewer page's sections draw alike: amounts, times in the viewer's zone,
// transaction links, copyable lines, token images.

import { h } from '../shared/dom';
import type { LotState } from '../shared/api-types';
import { AmountError, parseEth, weiToEth } from '../shared/wei';

/** An amount in ETH carrying its exact wei in `data-wei`. */
export function eth(wei: string | bigint, testid?: string): HTMLElement {
  const text = wei.toString();
  return h('span', { class: 'amount', testid, 'data-wei': text }, weiToEth(text), h('span', { class: 'unit' }, ' ETH'));
}

/** The viewer's own time zone, named (`Europe/Paris`). */
export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const dateTime = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

/** An instant in the viewer's zone, with the zone's short name (`Fri 22 Nov, 20:00 CET`). */
export function localTime(iso: string | number): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : dateTime.format(date);
}

const STATE_WORDS: Record<LotState, string> = {
  PENDING: 'Upcoming',
  ACTIVE: 'Open',
  PROCESSING: 'Closing',
  COMPLETED: 'Sold',
  CANCELLED: 'Cancelled',
};

export function stateBadge(state: LotState, noSale = false): HTMLElement {
  return h('span', { class: `badge state-${state.toLowerCase()}`, 'data-state': state }, state === 'COMPLETED' && noSale ? 'No sale' : STATE_WORDS[state]);
}

/** A transaction: a link to the explorer when there is one, else its hash as text. */
export function txLink(hash: string, url: string | null, testid?: string): HTMLElement {
  const short = `${hash.slice(0, 10)}…${hash.slice(-8)}`;
  return url
    ? h('a', { class: 'mono', href: url, target: '_blank', rel: 'noopener', testid, title: hash }, short)
    : h('span', { class: 'mono', testid, title: hash }, short);
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** A list's items, or one muted item saying that it is empty. */
export function itemsOr<T>(items: readonly T[], empty: string, item: (value: T, index: number) => HTMLElement): HTMLElement[] {
  return items.length === 0 ? [h('li', { class: 'muted' }, empty)] : items.map(item);
}

/**
 * An ETH amount typed in a form, in wei, by the chat's rules; zero refused. Throws an Error
 * whose message is the sentence to show.
 */
export function amountOf(input: HTMLInputElement): bigint {
  let wei: bigint;
  try {
    wei = parseEth(input.value);
  } catch (error) {
    if (error instanceof AmountError) throw new Error(error.message.charAt(0).toUpperCase() + error.message.slice(1));
    throw error;
  }
  if (wei === 0n) throw new Error('Enter an amount above 0');
  return wei;
}

/** `ipfs://CID/path` through the gateway (`https://ipfs.io/ipfs/` + `CID/path`); other URLs as they are. */
export function resolveUri(uri: string, gateway: string | null | undefined): string {
  const match = /^ipfs:\/\/(?:ipfs\/)?(.*)$/i.exec(uri.trim());
  if (!match) return uri;
  const base = gateway || 'https://ipfs.io/ipfs/';
  return `${base.endsWith('/') ? base : base + '/'}${match[1]}`;
}
