// The least the next bid must be, computed exactly as the engine judges it (crates/domain:
// `BidRules::minimum_over`), so the chat line a page suggests is never refused as too low.

import type { BidRules } from './api-types';
import { MAX_WEI, weiToEth } from './wei';

const BPS_SCALE = 10_000n;

/** With no high bid: the reserve. Otherwise high + max(⌊high × increment_bps / 10 000⌋, min_increment), capped at a uint256. */
export function minimumNextBid(rules: BidRules, highWei: string | null | undefined): bigint {
  if (highWei === null || highWei === undefined) return BigInt(rules.reserve_wei);
  const high = BigInt(highWei);
  const proportional = (high * BigInt(rules.increment_bps)) / BPS_SCALE;
  const floor = BigInt(rules.min_increment_wei);
  const next = high + (proportional > floor ? proportional : floor);
  return next > MAX_WEI ? MAX_WEI : next;
}

/** The chat line that bids `wei`: `!bid 0.011`, every digit kept, as `Wei::parse_eth` reads it back. */
export function bidCommand(wei: bigint): string {
  return `!bid ${weiToEth(wei.toString())}`;
}
