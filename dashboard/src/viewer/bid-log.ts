// The bid log's hash chain, recomputed in the browser from the public log, to compare with the
// head the house recorded at settlement (crates/domain/src/bid_log.rs computes the same):
//   h₀ = keccak256(abi.encode(uint256 lotId))
//   hᵢ = keccak256(abi.encode(bytes32 hᵢ₋₁, uint8 kind, string bidderId, address wallet,
//                             uint256 amountWei, uint64 receivedAtUnixMillis))

import { encodeAbiParameters, keccak256, type Address, type Hex } from 'viem';
import type { BidLogEntry } from '../shared/api-types';

const LINK = [
  { type: 'bytes32' },
  { type: 'uint8' },
  { type: 'string' },
  { type: 'address' },
  { type: 'uint256' },
  { type: 'uint64' },
] as const;

export function genesis(lotId: number): Hex {
  return keccak256(encodeAbiParameters([{ type: 'uint256' }], [BigInt(lotId)]));
}

export function link(previous: Hex, entry: Pick<BidLogEntry, 'kind' | 'bidder' | 'wallet' | 'amount_wei' | 'received_at_ms'>): Hex {
  return keccak256(
    encodeAbiParameters(LINK, [previous, entry.kind, entry.bidder, entry.wallet as Address, BigInt(entry.amount_wei), BigInt(entry.received_at_ms)]),
  );
}

/** The head of a whole log, in the order given. Throws on an entry that cannot be encoded. */
export function bidLogHead(lotId: number, entries: readonly BidLogEntry[]): Hex {
  return entries.reduce<Hex>((previous, entry) => link(previous, entry), genesis(lotId));
}
