import { describe, expect, it } from 'vitest';
import { bidCommand, minimumNextBid } from './bid-rules';
import type { BidRules } from './api-types';
import { MAX_WEI } from './wei';

// 5 % with a 0.001 ETH floor, reserve 0.01 ETH (the marathon the Rust test uses).
const rules: BidRules = {
  reserve_wei: '10000000000000000',
  increment_bps: 500,
  min_increment_wei: '1000000000000000',
  anti_snipe_window_secs: 30,
  anti_snipe_extension_secs: 30,
};

describe('minimumNextBid', () => {
  it('is the reserve while nobody bids', () => {
    expect(minimumNextBid(rules, null)).toBe(10_000_000_000_000_000n);
  });

  it('adds the absolute floor when the percentage is below it', () => {
    // 5 % of 0.01 ETH is 0.0005 ETH, below the 0.001 ETH floor.
    expect(minimumNextBid(rules, '10000000000000000')).toBe(11_000_000_000_000_000n);
  });

  it('adds the percentage, rounded down, when it is above the floor', () => {
    expect(minimumNextBid(rules, '1000000000000000000')).toBe(1_050_000_000_000_000_000n);
    expect(minimumNextBid({ ...rules, increment_bps: 1, min_increment_wei: '0' }, '19999')).toBe(20_000n);
  });

  it('stops at the largest uint256, as the engine saturates', () => {
    expect(minimumNextBid(rules, MAX_WEI.toString())).toBe(MAX_WEI);
  });
});

describe('bidCommand', () => {
  it('writes the amount in ETH with every digit, as chat reads it', () => {
    expect(bidCommand(11_000_000_000_000_000n)).toBe('!bid 0.011');
    expect(bidCommand(1_000_000_000_000_000_001n)).toBe('!bid 1.000000000000000001');
  });
});
