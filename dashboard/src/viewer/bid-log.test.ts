import { keccak256, type Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import type { BidLogEntry } from '../shared/api-types';
import { bidLogHead, genesis, link } from './bid-log';

const word = (hex: string) => hex.padStart(64, '0');

function entry(fields: Partial<BidLogEntry>): BidLogEntry {
  return {
    position: 1,
    kind: 1,
    bid_id: 1,
    bidder: 'twitch:1',
    wallet: '0x' + '11'.repeat(20),
    amount_wei: '5',
    by_proxy: false,
    received_at: '1970-01-01T00:00:00.009Z',
    received_at_ms: 9,
    voided: false,
    ...fields,
  };
}

// The vectors of crates/domain/src/bid_log.rs.
describe('the bid-log hash chain', () => {
  it('starts from the hash of the abi-encoded lot id', () => {
    expect(genesis(7)).toBe(keccak256(('0x' + word('7')) as Hex));
  });

  it('hashes each link as abi.encode(bytes32, uint8, string, address, uint256, uint64)', () => {
    const previous = ('0x' + 'aa'.repeat(32)) as Hex;
    const encoded = ('0x' + 'aa'.repeat(32) + word('1') + word((6 * 32).toString(16)) + word('11'.repeat(20)) + word('5') + word('9') + word('8') + Buffer.from('twitch:1').toString('hex').padEnd(64, '0')) as Hex;
    expect(link(previous, entry({}))).toBe(keccak256(encoded));
  });

  it('folds the log in order, so any change or reordering shows', () => {
    const log = [entry({ position: 1 }), entry({ position: 2, bidder: 'twitch:2', amount_wei: '6', received_at_ms: 10 })];
    const head = bidLogHead(3, log);
    expect(head).toBe(link(link(genesis(3), log[0]), log[1]));
    expect(bidLogHead(3, [log[1], log[0]])).not.toBe(head);
    expect(bidLogHead(3, [log[0], { ...log[1], amount_wei: '7' }])).not.toBe(head);
    expect(bidLogHead(4, log)).not.toBe(head);
    expect(bidLogHead(3, [])).toBe(genesis(3));
  });
});
