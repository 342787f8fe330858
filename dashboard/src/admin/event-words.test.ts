import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../shared/api-types';
import { describeEvent, mentionsBidder, type Part } from './event-words';

const envelope = (type: string, payload: object) => ({ id: 'e', seq: 1, occurred_at: '2026-12-08T20:00:00Z', type, payload }) as unknown as EventEnvelope;

/** The sentence with its parts written out plainly, as a test reads it. */
const words = (parts: Part[]) =>
  parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if ('bidder' in part) return `<${part.bidder}>`;
      if ('wei' in part) return `${part.wei} wei`;
      if ('lot' in part) return `lot #${part.lot}`;
      if ('time' in part) return `@${part.time}`;
      return `#${part.hash}`;
    })
    .join('');

describe('describeEvent', () => {
  it('says who bid how much on which lot, and who leads', () => {
    const accepted = envelope('bid.accepted', {
      message_id: 'twitch:m', channel: 'twitch:gavel', lot_id: 5, bid_id: 9, bidder: 'twitch:1004', max_bid: false, amount: '20000000000000000',
      high_bidder: 'twitch:1004', high_amount: '20000000000000000', outbid: 'twitch:7', ends_at: '2026-12-08T21:00:00Z', received_at: '2026-12-08T20:00:00Z',
    });
    expect(words(describeEvent(accepted))).toBe('<twitch:1004> bid 20000000000000000 wei on lot #5 and leads, outbidding <twitch:7>');
  });

  it('gives a refused bid its amount when the event carries it', () => {
    const base = { message_id: 'twitch:m', channel: 'twitch:gavel', lot_id: 5, bidder: 'twitch:1004', reason: { code: 'paused' }, message: 'Bidding is paused.', received_at: '2026-12-08T20:00:00Z' };
    expect(words(describeEvent(envelope('bid.rejected', { ...base, amount: '5' })))).toBe('<twitch:1004>’s bid of 5 wei on lot #5 refused: Bidding is paused.');
    expect(words(describeEvent(envelope('bid.rejected', { ...base, amount: null })))).toBe('<twitch:1004>’s bid on lot #5 refused: Bidding is paused.');
  });

  it('words extensions by cause, and a void with the lead after it', () => {
    const extended = envelope('lot.extended', { lot_id: 5, marathon_id: 1, previous_ends_at: 'a', ends_at: '2026-12-08T21:00:30Z', extensions_used: 2, cause: 'anti_snipe', reopened: false });
    expect(words(describeEvent(extended))).toBe('lot #5 extended to @2026-12-08T21:00:30Z by a late bid (2nd extension)');
    const voided = envelope('bid.voided', { lot_id: 5, bid_id: 9, bidder: 'twitch:1004', amount: '3', reason: 'fat finger', high_bidder: null, high_amount: null });
    expect(words(describeEvent(voided))).toBe('<twitch:1004>’s bid of 3 wei on lot #5 voided (fat finger); no bid stands');
  });
});

describe('mentionsBidder', () => {
  it('finds the bidder id anywhere in the payload, exactly', () => {
    const banned = envelope('bidder.banned', { bidder: 'twitch:1004', reason: 'spam', voided_bids: [] });
    const accepted = envelope('bid.accepted', { bidder: 'twitch:1', high_bidder: 'twitch:1', outbid: 'twitch:1004' });
    expect(mentionsBidder(banned, 'twitch:1004')).toBe(true);
    expect(mentionsBidder(accepted, 'twitch:1004')).toBe(true);
    expect(mentionsBidder(accepted, 'twitch:100')).toBe(false);
  });
});
