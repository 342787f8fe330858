import { describe, expect, it } from 'vitest';
import type { SettlementStep } from '../../shared/api-types';
import { nftMoved } from './settlement';

/** A recorded step as the settlement service writes it: the call is named where it was sent. */
function step(kind: string, call: string | null, tx: string): SettlementStep {
  return {
    id: 1,
    lot_id: 1,
    action: 'close',
    kind,
    call,
    nonce: 0,
    tx_hash: tx,
    max_fee_per_gas: null,
    max_priority_fee_per_gas: null,
    block_number: null,
    detail: '',
    created_at: '2026-12-08T00:00:00Z',
  };
}

describe('nftMoved', () => {
  it('reads the call of a confirmation from the step that sent its transaction', () => {
    expect(nftMoved([step('sent', 'settleLot', '0xa'), step('confirmed', null, '0xa')])).toBe('yes');
    expect(nftMoved([step('sent', 'settleNoSale', '0xb'), step('confirmed', null, '0xb')])).toBe('no sale');
  });

  it('is not yet while the close is only sent, or its replacement is confirmed elsewhere', () => {
    expect(nftMoved([step('sent', 'settleLot', '0xa')])).toBe('not yet');
    expect(nftMoved([step('sent', 'settleLot', '0xa'), step('confirmed', null, '0xc')])).toBe('not yet');
  });
});
