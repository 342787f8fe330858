// Gavel's rules as the test side computes them, apart from the page's TypeScript, so that a
// page computing them wrongly is caught: the least the next bid must be (crates/domain
// `BidRules::minimum_over`) and the commitment a linking deposit carries (crates/domain
// link.rs). tests/viewer.mjs checks the page with them; tests/viewer-mock.mjs judges with them.

import { encodeAbiParameters, getAddress, keccak256 } from 'viem';

const MAX_WEI = 2n ** 256n - 1n;

/** The reserve with no high bid; else high + max(⌊high × increment_bps / 10 000⌋, min_increment), capped at a uint256. */
export function minimumNextBid(rules, highWei) {
  if (highWei === null || highWei === undefined) return BigInt(rules.reserve_wei);
  const high = BigInt(highWei);
  const proportional = (high * BigInt(rules.increment_bps)) / 10_000n;
  const floor = BigInt(rules.min_increment_wei);
  const next = high + (proportional > floor ? proportional : floor);
  return next > MAX_WEI ? MAX_WEI : next;
}

/** keccak256(abi.encode(string handle, string secret, address depositor)). */
export function linkCommitment(handle, secret, depositor) {
  return keccak256(encodeAbiParameters([{ type: 'string' }, { type: 'string' }, { type: 'address' }], [handle, secret, getAddress(depositor)]));
}
