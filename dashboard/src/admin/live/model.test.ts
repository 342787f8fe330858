import { describe, expect, it } from 'vitest';
import type { EventEnvelope, LotWithTop } from '../../shared/api-types';
import { applyLotEvent, clockOf, entryFromEvent, isOpen, resultOf } from './model';

const envelope = (event: Pick<EventEnvelope, 'type' | 'payload'>): EventEnvelope => ({ id: 'e', seq: 1, occurred_at: '2030-01-01T20:30:00Z', ...event }) as EventEnvelope;

function lot(): LotWithTop {
  return {
    id: 3,
    token_id: 3,
    marathon_id: 1,
    day_index: 0,
    token_uri: 'ipfs://x',
    image_url: 'https://x/y.png',
    state: 'ACTIVE',
    starts_at: '2030-01-01T20:00:00Z',
    ends_at: '2030-01-01T21:00:00Z',
    extensions_used: 0,
    high_bid: null,
    winner_final_at: null,
    cancel_reason: null,
    paused_at: null,
    top: [],
  };
}

describe('the feed', () => {
  it('shows a refused bid with the amount offered', () => {
    const entry = entryFromEvent(
      envelope({
        type: 'bid.rejected',
        payload: { message_id: 'twitch:m1', channel: 'twitch:gavel', lot_id: 3, bidder: 'twitch:1004', amount: '20000000000000000', reason: { code: 'below_minimum', minimum: '25000000000000000' }, message: 'bid at least 0.025 ETH', received_at: '2030-01-01T20:30:00Z' },
      }),
    );
    expect(entry).toMatchObject({ key: 'msg:twitch:m1', bidId: null, amountWei: '20000000000000000', accepted: false });
    expect(resultOf(entry!)).toBe('refused: bid at least 0.025 ETH');
  });

  it('says why a bid was voided', () => {
    const entry = entryFromEvent(
      envelope({
        type: 'bid.accepted',
        payload: { message_id: 'twitch:m2', channel: 'twitch:gavel', lot_id: 3, bid_id: 17, bidder: 'twitch:1004', max_bid: false, amount: '30000000000000000', high_bidder: 'twitch:1004', high_amount: '30000000000000000', outbid: null, ends_at: '2030-01-01T21:00:00Z', received_at: '2030-01-01T20:30:00Z' },
      }),
    )!;
    expect(resultOf(entry)).toBe('accepted');
    expect(resultOf({ ...entry, voided: true, voidReason: 'fat finger' })).toBe('voided: fat finger');
  });
});

describe('applyLotEvent', () => {
  it('stops the clock on lot.paused and starts it again, later, on lot.resumed', () => {
    const current = lot();
    applyLotEvent(current, envelope({ type: 'lot.paused', payload: { lot_id: 3, marathon_id: 1, paused_at: '2030-01-01T20:55:48Z', ends_at: '2030-01-01T21:00:00Z' } }));
    expect(clockOf(current, Date.parse('2030-01-01T20:58:00Z'))).toEqual({ kind: 'paused', leftMs: 252_000 });
    applyLotEvent(current, envelope({ type: 'lot.resumed', payload: { lot_id: 3, marathon_id: 1, previous_ends_at: '2030-01-01T21:00:00Z', ends_at: '2030-01-01T21:02:12Z' } }));
    expect(clockOf(current, Date.parse('2030-01-01T20:58:00Z'))).toEqual({ kind: 'running', leftMs: 252_000 });
  });

  it('moves the lead back on a void and forward again on its reinstatement', () => {
    const current = lot();
    const change = { lot_id: 3, bid_id: 17, bidder: 'twitch:1', amount: '50000000000000000' };
    applyLotEvent(current, envelope({ type: 'bid.voided', payload: { ...change, reason: 'fat finger', high_bidder: 'twitch:2', high_amount: '29000000000000000' } }));
    expect(current.high_bid).toEqual({ bidder: 'twitch:2', amount: { wei: '29000000000000000', eth: '0.029' } });
    applyLotEvent(current, envelope({ type: 'bid.reinstated', payload: { ...change, high_bidder: 'twitch:1', high_amount: '50000000000000000' } }));
    expect(current.high_bid?.amount.eth).toBe('0.05');
  });

  it('leaves other lots alone', () => {
    const current = lot();
    expect(applyLotEvent(current, envelope({ type: 'lot.cancelled', payload: { lot_id: 4, marathon_id: 1, reason: 'x' } }))).toBe(false);
    expect(current.state).toBe('ACTIVE');
  });

  it('closes the lot to corrections once cancelled or once its winner is final', () => {
    const cancelled = lot();
    applyLotEvent(cancelled, envelope({ type: 'lot.cancelled', payload: { lot_id: 3, marathon_id: 1, reason: 'artist withdrew' } }));
    expect(cancelled).toMatchObject({ state: 'CANCELLED', cancel_reason: 'artist withdrew' });
    expect(isOpen(cancelled)).toBe(false);
    const closed = { ...lot(), state: 'PROCESSING' as const };
    expect(isOpen(closed)).toBe(true);
    applyLotEvent(closed, envelope({ type: 'lot.closed', payload: { lot_id: 3, marathon_id: 1, winner: null, amount: null, bid_log_head: '0x' } }));
    expect(isOpen(closed)).toBe(false);
  });
});

describe('clockOf', () => {
  it('says when a pending lot opens rather than counting', () => {
    expect(clockOf({ ...lot(), state: 'PENDING' }, Date.parse('2030-01-01T18:00:00Z'))).toEqual({ kind: 'pending', opensAt: '2030-01-01T20:00:00Z' });
  });
});

