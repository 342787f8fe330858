// What `!link <secret>` proves, made in the browser: a random secret that never leaves it, and
// the commitment the deposit carries, keccak256(abi.encode(string handle, string secret,
// address depositor)), as crates/domain/src/link.rs computes it. The commitment names the
// depositing wallet, so a copy of it sent by another wallet binds nothing.

import { encodeAbiParameters, keccak256, type Address, type Hex } from 'viem';
import { trim } from '../shared/text';

/** Easy to type in chat: lower case, no 0/o/1/l/i. 31 symbols. */
export const SECRET_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/** 26 symbols of 31: log2(31) × 26 ≈ 128.8 bits. */
export const SECRET_LENGTH = 26;

/** `platform:login` in lower case; the login as typed, trimmed and with one leading `@` removed (as Gavel's `link::handle`). */
export function handleOf(platform: string, login: string): string {
  const trimmed = trim(login);
  return `${platform}:${trimmed.startsWith('@') ? trimmed.slice(1) : trimmed}`.toLowerCase();
}

/** A fresh secret from `crypto.getRandomValues`. Bytes at or above the largest multiple of the
 * alphabet's size are drawn again, so every symbol is equally likely. */
export function makeSecret(random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes)): string {
  const limit = 256 - (256 % SECRET_ALPHABET.length);
  let secret = '';
  while (secret.length < SECRET_LENGTH) {
    for (const byte of random(new Uint8Array(SECRET_LENGTH * 2))) {
      if (byte < limit && secret.length < SECRET_LENGTH) secret += SECRET_ALPHABET[byte % SECRET_ALPHABET.length];
    }
  }
  return secret;
}

export function commitmentOf(handle: string, secret: string, depositor: Address): Hex {
  return keccak256(encodeAbiParameters([{ type: 'string' }, { type: 'string' }, { type: 'address' }], [handle, secret, depositor]));
}

/** What the page keeps for a wallet until its link is seen, and after: only in this browser. */
export interface StoredSecret {
  handle: string;
  secret: string;
  /** The deposit that carried the commitment, once the wallet has sent it. */
  tx: Hex | null;
}

export function secretKey(chainId: number, house: string, wallet: string): string {
  return `gavel.secret.${chainId}.${house.toLowerCase()}.${wallet.toLowerCase()}`;
}

export function loadSecret(key: string): StoredSecret | null {
  try {
    const stored = JSON.parse(localStorage.getItem(key) ?? 'null') as StoredSecret | null;
    return stored && typeof stored.secret === 'string' && typeof stored.handle === 'string' ? { ...stored, tx: stored.tx ?? null } : null;
  } catch {
    return null;
  }
}

export function saveSecret(key: string, value: StoredSecret): void {
  localStorage.setItem(key, JSON.stringify(value));
}
