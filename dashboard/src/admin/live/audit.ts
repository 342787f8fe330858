// The live lot's audit trail: who voided, reinstated, banned, extended, paused or cancelled, and
// why, newest first, read from GET /api/lots/{id}/audit and read again shortly after any event
// that records an entry. Each entry is said as a sentence of parts (text, a bidder, an amount,
// a time), so the wording is tested without a browser and the page draws names and zones.

import { api } from '../../shared/api';
import type { LotAudit, LotAuditEntry } from '../../shared/api-types';
import { h } from '../../shared/dom';
import { debounce } from '../app';
import { bidderTag, eth } from '../view';
import { durationInWords, formatInstant } from '../zone';

export type AuditPart = string | { bidder: string } | { wei: string } | { time: string };

/** A bid the page knows (from its feed), to name it by bidder and amount rather than by id. */
export type BidLookup = (bidId: number) => { bidder: string; amountWei: string | null } | null;

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);
const count = (value: unknown): number => (Array.isArray(value) ? value.length : 0);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

function bidParts(target: string, bidOf: BidLookup): AuditPart[] {
  const id = Number(target.slice('bid:'.length));
  const known = Number.isInteger(id) ? bidOf(id) : null;
  if (!known) return [`bid #${id}`];
  return known.amountWei ? [{ bidder: known.bidder }, '’s bid of ', { wei: known.amountWei }] : [{ bidder: known.bidder }, '’s bid'];
}

/** The entry as a sentence, its author first. */
export function describeAudit(entry: LotAuditEntry, bidOf: BidLookup): AuditPart[] {
  const who = entry.username ?? 'a deleted user';
  const d = entry.details ?? {};
  const why = text(d.reason);
  const because: AuditPart[] = why ? [`: ${why}`] : [];
  const bidder = entry.target.startsWith('bidder:') ? entry.target.slice('bidder:'.length) : null;
  switch (entry.action) {
    case 'lot.create':
      return [`${who} created the lot`];
    case 'lot.edit':
      return [`${who} edited the lot before it opened`];
    case 'lot.extend':
      return [`${who} moved the end from `, { time: String(d.from) }, ' to ', { time: String(d.to) }];
    case 'lot.pause': {
      const left = typeof d.left_ms === 'number' ? ` with ${durationInWords(d.left_ms)} left` : '';
      return [`${who} paused the lot${left}`, ...because];
    }
    case 'lot.resume':
      return [`${who} resumed the lot; it now ends `, { time: String(d.to) }];
    case 'lot.cancel':
      return [`${who} cancelled the lot`, ...because];
    case 'bid.void':
      return [`${who} voided `, ...bidParts(entry.target, bidOf), ...because];
    case 'bid.reinstate':
      return [`${who} reinstated `, ...bidParts(entry.target, bidOf)];
    case 'bidder.ban': {
      const voided = count(d.voided_bids);
      return [`${who} banned `, { bidder: bidder ?? entry.target }, voided ? ` and voided ${plural(voided, 'bid')}` : '', ...because];
    }
    case 'bidder.unban': {
      const reinstated = count(d.reinstated_bids);
      return [`${who} lifted the ban on `, { bidder: bidder ?? entry.target }, reinstated ? ` and reinstated ${plural(reinstated, 'bid')}` : ''];
    }
    case 'bidding.pause':
      return [`${who} paused all bidding (maintenance)`];
    case 'bidding.resume':
      return [`${who} resumed all bidding`];
    default:
      return [`${who}: ${entry.action} ${entry.target}`];
  }
}

export class AuditTrail {
  readonly element: HTMLElement;
  private readonly list = h('ol', { class: 'audit-list', testid: 'audit-trail' });
  private readonly empty = h('p', { class: 'muted' }, 'Nothing yet: voids, bans, pauses and extensions are listed here with who made them and why.');
  private entries: LotAuditEntry[] = [];
  /** Several events come together (a ban voids bids): one read after them. */
  readonly loadSoon = debounce(() => void this.load(), 400);

  constructor(
    private readonly lotId: number,
    private readonly zone: () => string | null,
    private readonly bidOf: BidLookup,
    private readonly onError: (error: unknown) => void,
  ) {
    this.element = h('div', { class: 'audit' }, this.empty, this.list);
  }

  async load(): Promise<void> {
    try {
      const answer = await api<LotAudit>('GET', `/api/lots/${this.lotId}/audit`);
      this.entries = answer.entries;
      this.draw();
    } catch (error) {
      this.onError(error);
    }
  }

  /** Draws the entries again (the zone changed, or the feed now knows a bid an entry names). */
  draw(): void {
    this.empty.hidden = this.entries.length > 0;
    this.list.replaceChildren(
      ...this.entries.map((entry) =>
        h(
          'li',
          { testid: `audit-entry-${entry.id}`, 'data-action': entry.action, 'data-username': entry.username ?? '' },
          h('span', { class: 'audit-time' }, formatInstant(entry.at, this.zone(), 'time')),
          h('span', { class: 'what' }, describeAudit(entry, this.bidOf).map((part) => this.part(part))),
        ),
      ),
    );
  }

  private part(part: AuditPart): Node {
    if (typeof part === 'string') return document.createTextNode(part);
    if ('bidder' in part) return bidderTag(part.bidder);
    if ('wei' in part) return eth(part.wei);
    return document.createTextNode(formatInstant(part.time, this.zone(), 'time'));
  }
}
