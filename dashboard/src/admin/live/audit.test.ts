import { describe, expect, it } from 'vitest';
import type { LotAuditEntry } from '../../shared/api-types';
import { describeAudit } from './audit';

const entry = (action: string, target: string, details: Record<string, unknown>, username: string | null = 'ada'): LotAuditEntry => ({ id: 1, username, action, target, details, at: '2030-01-01T20:30:00Z' });
const bids = (id: number) => (id === 17 ? { bidder: 'twitch:1004', amountWei: '30000000000000000' } : null);

describe('describeAudit', () => {
  it('names who voided which bidder’s bid, and why', () => {
    expect(describeAudit(entry('bid.void', 'bid:17', { lot_id: 3, reason: 'fat finger' }), bids)).toEqual([
      'ada voided ',
      { bidder: 'twitch:1004' },
      '’s bid of ',
      { wei: '30000000000000000' },
      ': fat finger',
    ]);
  });

  it('falls back to the bid’s number when the feed does not hold it', () => {
    expect(describeAudit(entry('bid.reinstate', 'bid:99', { lot_id: 3 }), bids)).toEqual(['ada reinstated ', 'bid #99']);
  });

  it('says a ban and its voids, and the undo', () => {
    expect(describeAudit(entry('bidder.ban', 'bidder:twitch:1004', { reason: 'shill', voided_bids: [17, 18] }), bids)).toEqual(['ada banned ', { bidder: 'twitch:1004' }, ' and voided 2 bids', ': shill']);
    expect(describeAudit(entry('bidder.unban', 'bidder:twitch:1004', { reinstated_bids: [17] }), bids)).toEqual(['ada lifted the ban on ', { bidder: 'twitch:1004' }, ' and reinstated 1 bid']);
  });

  it('says a pause with the time left, and the pause of all bidding as maintenance', () => {
    expect(describeAudit(entry('lot.pause', 'lot:3', { reason: null, left_ms: 252_000 }), bids)).toEqual(['ada paused the lot with 4 min left']);
    expect(describeAudit(entry('bidding.pause', 'bidding', {}, null), bids)).toEqual(['a deleted user paused all bidding (maintenance)']);
  });

  it('says an extension with both ends', () => {
    expect(describeAudit(entry('lot.extend', 'lot:3', { from: '2030-01-01T21:00:00Z', to: '2030-01-01T21:01:00Z' }), bids)).toEqual([
      'ada moved the end from ',
      { time: '2030-01-01T21:00:00Z' },
      ' to ',
      { time: '2030-01-01T21:01:00Z' },
    ]);
  });
});
