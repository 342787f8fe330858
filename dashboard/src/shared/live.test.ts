import { describe, expect, it } from 'vitest';
import { addedTimeInWords, applyExtension, lotCountdown, withNewBid, type TickerEntry } from './live';
import type { LotExtended, LotState } from './api-types';

const at = (iso: string) => Date.parse(iso);
const lot = { starts_at: '2030-01-01T20:00:00Z', ends_at: '2030-01-01T21:00:00Z', paused_at: null };

describe('lotCountdown', () => {
  it('counts to the end while the lot is open, urgent in its last 30 s', () => {
    expect(lotCountdown({ ...lot, state: 'ACTIVE' }, at('2030-01-01T20:59:00Z'))).toEqual({ label: 'Time left', text: '1:00', urgent: false });
    expect(lotCountdown({ ...lot, state: 'ACTIVE' }, at('2030-01-01T20:59:31Z'))).toEqual({ label: 'Time left', text: '0:29', urgent: true });
  });

  it('counts to the opening while the lot waits', () => {
    expect(lotCountdown({ ...lot, state: 'PENDING' }, at('2030-01-01T18:59:59Z'))).toEqual({ label: 'Opens in', text: '1:00:01', urgent: false });
  });

  it('shows nothing once bidding is over', () => {
    for (const state of ['PROCESSING', 'COMPLETED', 'CANCELLED'] as const) expect(lotCountdown({ ...lot, state }, at('2030-01-01T20:30:00Z'))).toBeNull();
  });

  it('stands still at ends_at − paused_at while the lot is paused, however late it is', () => {
    const paused = { ...lot, state: 'ACTIVE' as const, paused_at: '2030-01-01T20:55:48Z' };
    for (const now of ['2030-01-01T20:56:00Z', '2030-01-01T21:30:00Z']) {
      expect(lotCountdown(paused, at(now))).toEqual({ label: 'Paused', text: '4:12', urgent: false });
    }
  });

});

describe('applyExtension', () => {
  const extension: LotExtended = { lot_id: 1, marathon_id: 1, previous_ends_at: lot.ends_at, ends_at: '2030-01-01T21:00:30Z', extensions_used: 1, cause: 'anti_snipe', reopened: false };

  it('moves the end and counts the extension', () => {
    const live = { ...lot, state: 'ACTIVE' as LotState, extensions_used: 0 };
    applyExtension(live, extension);
    expect(live).toMatchObject({ ends_at: '2030-01-01T21:00:30Z', extensions_used: 1, state: 'ACTIVE' });
  });

  it('reopens a closing lot when the extension says so', () => {
    const closing = { ...lot, state: 'PROCESSING' as LotState, extensions_used: 0 };
    applyExtension(closing, { ...extension, reopened: true });
    expect(closing.state).toBe('ACTIVE');
  });
});

describe('addedTimeInWords', () => {
  it('says what an extension added without jargon', () => {
    expect(addedTimeInWords('2030-01-01T21:00:00Z', '2030-01-01T21:00:05Z')).toBe('5 more seconds');
    expect(addedTimeInWords('2030-01-01T21:00:00Z', '2030-01-01T21:00:01Z')).toBe('1 more second');
    expect(addedTimeInWords('2030-01-01T21:00:00Z', '2030-01-01T21:01:00Z')).toBe('1 more minute');
    expect(addedTimeInWords('2030-01-01T21:00:00Z', '2030-01-01T21:05:00Z')).toBe('5 more minutes');
    expect(addedTimeInWords('2030-01-01T21:00:00Z', '2030-01-01T21:02:30Z')).toBe('2 min 30 s more');
  });
});

describe('withNewBid', () => {
  const bid = (bidId: number | null, bidder: string, amountWei: string): TickerEntry => ({ bidId, bidder, amountWei, voided: false });

  it('puts the newest bid on top and keeps the ticker short', () => {
    const ticker = [bid(2, 'twitch:2', '20'), bid(1, 'twitch:1', '10')];
    expect(withNewBid(ticker, bid(3, 'twitch:1', '30'), 2)).toEqual([bid(3, 'twitch:1', '30'), bid(2, 'twitch:2', '20')]);
  });

  it('never lists a bid twice when its event comes again (a replay)', () => {
    const ticker = [bid(2, 'twitch:2', '20'), bid(1, 'twitch:1', '10')];
    expect(withNewBid(ticker, bid(2, 'twitch:2', '20'), 6)).toBe(ticker);
  });

  it('replaces a standing read from the live state when the event for that same bid arrives after it', () => {
    // The live state was ahead of the stream: the state's top already held dex's bid.
    const seeded = [bid(null, 'twitch:dex', '20'), bid(null, 'twitch:ada', '10')];
    expect(withNewBid(seeded, bid(7, 'twitch:dex', '20'), 6)).toEqual([bid(7, 'twitch:dex', '20'), bid(null, 'twitch:ada', '10')]);
  });

  it('keeps a bidder’s earlier bid when they raise their own', () => {
    const ticker = [bid(1, 'twitch:dex', '10')];
    expect(withNewBid(ticker, bid(2, 'twitch:dex', '20'), 6)).toHaveLength(2);
  });
});
