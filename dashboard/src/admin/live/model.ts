// The live lot's state as the operator's console keeps it, without the DOM: the lot changed by
// each event of the stream, the bid feed's lines (stored bids and decisions just announced), and
// where the lot's clock stands. Kept apart from the page so that every rule is tested as is.

import type { Bid, EventEnvelope, LotWithTop } from '../../shared/api-types';
import { applyExtension } from '../../shared/live';
import { weiToEth } from '../../shared/wei';

/** A line of the bid feed: a stored bid, or a decision just announced by the stream. */
export interface FeedEntry {
  /** `bid:<id>` for a stored or accepted bid, `msg:<chat message id>` for a refusal just announced. */
  key: string;
  bidId: number | null;
  bidder: string;
  /** What was offered; null for a leader raising a private maximum. */
  amountWei: string | null;
  accepted: boolean;
  /** For an accepted bid, what kind ("max bid"); for a refused one, why, in the viewer's words. */
  note: string;
  at: string;
  voided: boolean;
  voidReason: string | null;
}

export function entryFromBid(bid: Bid): FeedEntry {
  const accepted = bid.decision === 'ACCEPTED';
  return {
    key: `bid:${bid.id}`,
    bidId: bid.id,
    bidder: bid.bidder,
    amountWei: bid.offered_wei,
    accepted,
    note: accepted ? (bid.kind === 'max' ? 'max bid' : '') : (bid.reason ?? bid.reason_code ?? 'refused'),
    at: bid.received_at,
    voided: bid.voided_at !== null,
    voidReason: bid.void_reason,
  };
}

/** The feed line an event adds (a decision), or null. */
export function entryFromEvent(event: EventEnvelope): FeedEntry | null {
  switch (event.type) {
    case 'bid.accepted': {
      const p = event.payload;
      return {
        key: `bid:${p.bid_id}`,
        bidId: p.bid_id,
        bidder: p.bidder,
        amountWei: p.amount,
        accepted: true,
        note: p.amount === null ? 'raised their max' : p.max_bid ? 'max bid' : '',
        at: p.received_at,
        voided: false,
        voidReason: null,
      };
    }
    case 'bid.rejected': {
      const p = event.payload;
      return { key: `msg:${p.message_id}`, bidId: null, bidder: p.bidder, amountWei: p.amount, accepted: false, note: p.message, at: p.received_at, voided: false, voidReason: null };
    }
    default:
      return null;
  }
}

/** What the Result column says. */
export function resultOf(entry: FeedEntry): string {
  if (!entry.accepted) return `refused: ${entry.note}`;
  if (entry.voided) return entry.voidReason ? `voided: ${entry.voidReason}` : 'voided';
  return entry.note ? `accepted (${entry.note})` : 'accepted';
}

/** The lead as the lot view holds it, from an event's bidder and wei. */
function lead(bidder: string | null, wei: string | null): LotWithTop['high_bid'] {
  return bidder && wei ? { bidder, amount: { wei, eth: weiToEth(wei) } } : null;
}

/** Changes `lot` as `event` says; true when it concerned the lot. */
export function applyLotEvent(lot: LotWithTop, event: EventEnvelope): boolean {
  if (!('lot_id' in event.payload) || event.payload.lot_id !== lot.id) return false;
  switch (event.type) {
    case 'bid.accepted':
      lot.high_bid = lead(event.payload.high_bidder, event.payload.high_amount);
      lot.ends_at = event.payload.ends_at;
      return true;
    case 'bid.voided':
    case 'bid.reinstated':
      lot.high_bid = lead(event.payload.high_bidder, event.payload.high_amount);
      return true;
    case 'lot.extended':
      applyExtension(lot, event.payload);
      return true;
    case 'lot.paused':
      lot.paused_at = event.payload.paused_at;
      lot.ends_at = event.payload.ends_at;
      return true;
    case 'lot.resumed':
      lot.paused_at = null;
      lot.ends_at = event.payload.ends_at;
      return true;
    case 'lot.opened':
      lot.state = 'ACTIVE';
      lot.starts_at = event.payload.starts_at;
      lot.ends_at = event.payload.ends_at;
      return true;
    case 'lot.processing':
      lot.state = 'PROCESSING';
      return true;
    case 'lot.closed':
      lot.winner_final_at = event.occurred_at;
      return true;
    case 'lot.completed':
      lot.state = 'COMPLETED';
      return true;
    case 'lot.cancelled':
      lot.state = 'CANCELLED';
      lot.paused_at = null;
      lot.cancel_reason = event.payload.reason;
      return true;
    default:
      return true;
  }
}

/** Whether the lot still takes operators' corrections: bids may be voided or reinstated, the lot paused. */
export function isOpen(lot: Pick<LotWithTop, 'state' | 'winner_final_at'>): boolean {
  return (lot.state === 'ACTIVE' || lot.state === 'PROCESSING') && lot.winner_final_at === null;
}

export type LotClock =
  | { kind: 'pending'; opensAt: string }
  | { kind: 'running'; leftMs: number }
  | { kind: 'paused'; leftMs: number }
  | { kind: 'closing' }
  | { kind: 'over' };

/** Where the lot's clock stands at `now` (ms on the server's clock). */
export function clockOf(lot: Pick<LotWithTop, 'state' | 'starts_at' | 'ends_at' | 'paused_at'>, now: number): LotClock {
  switch (lot.state) {
    case 'PENDING':
      return { kind: 'pending', opensAt: lot.starts_at };
    case 'ACTIVE':
      return lot.paused_at
        ? { kind: 'paused', leftMs: Math.max(0, Date.parse(lot.ends_at) - Date.parse(lot.paused_at)) }
        : { kind: 'running', leftMs: Math.max(0, Date.parse(lot.ends_at) - now) };
    case 'PROCESSING':
      return { kind: 'closing' };
    default:
      return { kind: 'over' };
  }
}

