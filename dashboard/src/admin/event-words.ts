// Each event of the log as a sentence an operator reads at a glance: what happened, to which lot,
// by whom, for how much. The sentence is a list of parts (text, a bidder, an amount, a time…)
// that the events page draws (bidders by name, amounts in ETH, times in the marathon's zone), so
// the wording is tested without a browser.

import type { EventEnvelope } from '../shared/api-types';

/** "’s bid of 0.05 ETH", or "’s raise of their maximum" for a max bid whose ceiling stays private. */
const bidOf = (amount: string | null): Part[] => (amount === null ? ['’s raise of their maximum'] : ['’s bid of ', { wei: amount }]);

export type Part = string | { bidder: string } | { wei: string } | { lot: number } | { time: string } | { hash: string };

/** "2nd", "3rd"… for extensions. */
function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/** Who leads after a void or its undoing. */
function lead(bidder: string | null, amount: string | null): Part[] {
  return bidder && amount ? [{ bidder }, ' leads at ', { wei: amount }] : ['no bid stands'];
}

export function describeEvent(event: EventEnvelope): Part[] {
  switch (event.type) {
    case 'lot.opened': {
      const p = event.payload;
      return [{ lot: p.lot_id }, ' opened; bidding ends at ', { time: p.ends_at }];
    }
    case 'lot.extended': {
      const p = event.payload;
      const by = p.cause === 'admin' ? ' by an operator' : ` by a late bid (${ordinal(p.extensions_used)} extension)`;
      return [{ lot: p.lot_id }, ` ${p.reopened ? 'reopened and ' : ''}extended to `, { time: p.ends_at }, by];
    }
    case 'lot.processing': {
      const p = event.payload;
      return [{ lot: p.lot_id }, ' closed for bids at ', { time: p.ends_at }, '; its last bids are being decided'];
    }
    case 'lot.closed': {
      const p = event.payload;
      return p.winner && p.amount ? [{ lot: p.lot_id }, ' won by ', { bidder: p.winner }, ' for ', { wei: p.amount }] : [{ lot: p.lot_id }, ' closed with no winning bid'];
    }
    case 'lot.completed': {
      const p = event.payload;
      return p.buyer && p.amount
        ? [{ lot: p.lot_id }, ' settled on chain: the token went to ', { hash: p.buyer }, ' for ', { wei: p.amount }]
        : [{ lot: p.lot_id }, ' settled on chain with no sale'];
    }
    case 'lot.cancelled': {
      const p = event.payload;
      return [{ lot: p.lot_id }, ` cancelled: ${p.reason}`];
    }
    case 'lot.paused': {
      const p = event.payload;
      return [{ lot: p.lot_id }, ' paused: its clock stopped at ', { time: p.paused_at }, ' and bids are refused'];
    }
    case 'lot.resumed': {
      const p = event.payload;
      return [{ lot: p.lot_id }, ' resumed; bidding now ends at ', { time: p.ends_at }];
    }
    case 'bid.accepted': {
      const p = event.payload;
      if (p.amount === null) return [{ bidder: p.bidder }, ' raised their maximum on ', { lot: p.lot_id }, ' (kept private)'];
      const parts: Part[] = [{ bidder: p.bidder }, ' bid ', { wei: p.amount }, ' on ', { lot: p.lot_id }];
      if (p.high_bidder === p.bidder) {
        parts.push(' and leads');
        if (p.outbid) parts.push(', outbidding ', { bidder: p.outbid });
      } else {
        parts.push('; ', { bidder: p.high_bidder }, ' still leads at ', { wei: p.high_amount });
      }
      return parts;
    }
    case 'bid.rejected': {
      const p = event.payload;
      return [{ bidder: p.bidder }, '’s bid', ...(p.amount ? [' of ', { wei: p.amount }] : []), ...(p.lot_id !== null ? [' on ', { lot: p.lot_id }] : []), ` refused: ${p.message}`];
    }
    case 'bid.voided': {
      const p = event.payload;
      return [{ bidder: p.bidder }, ...bidOf(p.amount), ' on ', { lot: p.lot_id }, ` voided (${p.reason}); `, ...lead(p.high_bidder, p.high_amount)];
    }
    case 'bid.reinstated': {
      const p = event.payload;
      return [{ bidder: p.bidder }, ...bidOf(p.amount), ' on ', { lot: p.lot_id }, ' stands again (its void undone); ', ...lead(p.high_bidder, p.high_amount)];
    }
    case 'bidder.banned': {
      const p = event.payload;
      const voided = p.voided_bids.length;
      return [{ bidder: p.bidder }, ` banned (${p.reason})${voided ? `; ${voided} bid${voided === 1 ? '' : 's'} voided` : ''}`];
    }
    case 'bidder.unbanned':
      return [{ bidder: event.payload.bidder }, ' unbanned'];
    case 'bidding.paused':
      return [`Bidding paused by ${event.payload.by}`];
    case 'bidding.resumed':
      return [`Bidding resumed by ${event.payload.by}`];
    case 'deposit.credited': {
      const p = event.payload;
      return ['Deposit of ', { wei: p.amount }, ' credited to ', { hash: p.wallet }];
    }
    case 'settlement.attempt': {
      const p = event.payload;
      return ['Settlement of ', { lot: p.lot_id }, ': transaction ', { hash: p.tx_hash }, ` (nonce ${p.nonce}) ${p.status}`];
    }
  }
}

/** Whether `bidder` (an id such as `twitch:1004`) appears anywhere in the event, as the API's filter judges. */
export function mentionsBidder(event: EventEnvelope, bidder: string): boolean {
  const search = (value: unknown): boolean => {
    if (typeof value === 'string') return value === bidder;
    if (Array.isArray(value)) return value.some(search);
    if (value && typeof value === 'object') return Object.values(value).some(search);
    return false;
  };
  return search(event.payload);
}
