// Money is wei in decimal strings, as the API sends it. Conversions go through BigInt and never
// through floats, so what an admin reads is exactly what the engine stored.

import { trim, trimEnd } from './text';

const DECIMALS = 18;

/** `"30000000000000000"` → `"0.03"`; every digit kept, trailing zeros dropped (as the server's `to_eth_string`). */
export function weiToEth(wei: string): string {
  return formatUnits(wei, DECIMALS);
}

/** Gas prices: `"1500000000"` → `"1.5"` (gwei). */
export function weiToGwei(wei: string): string {
  return formatUnits(wei, 9);
}

function formatUnits(wei: string, decimals: number): string {
  if (!/^\d+$/.test(wei)) throw new Error(`not an amount of wei: ${JSON.stringify(wei)}`);
  const value = BigInt(wei);
  const unit = 10n ** BigInt(decimals);
  const fraction = (value % unit).toString().padStart(decimals, '0').replace(/0+$/, '');
  return fraction === '' ? (value / unit).toString() : `${value / unit}.${fraction}`;
}

/** The largest amount a uint256 holds, as the contract and Gavel's `U256` do. */
export const MAX_WEI = 2n ** 256n - 1n;

export type AmountErrorKind = 'empty' | 'negative' | 'exponent' | 'hex' | 'invalid_character' | 'too_many_decimals' | 'too_large';

/** Why a piece of text is not an amount: the kinds and sentences of Rust's `AmountError`. */
export class AmountError extends Error {
  constructor(
    readonly kind: AmountErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decimal ETH as a viewer types it, to wei: digits with at most one `.` and at most 18
 * decimals, an optional `eth` suffix (any case), surrounding white space ignored. The same rules
 * and the same refusals as `Wei::parse_eth` in crates/domain, which reads `!bid` in chat: both
 * run the corpus in crates/domain/testdata/eth-amounts.json. Zero is an amount; a form that
 * needs more refuses it itself.
 */
export function parseEth(text: string): bigint {
  const trimmed = trim(text);
  const number = /[eE][tT][hH]$/.test(trimmed) ? trimEnd(trimmed.slice(0, -3)) : trimmed;
  const dot = number.indexOf('.');
  const whole = dot < 0 ? number : number.slice(0, dot);
  const fraction = dot < 0 ? '' : number.slice(dot + 1);
  if (number.startsWith('-')) throw new AmountError('negative', "amounts can't be negative");
  if (number.startsWith('0x') || number.startsWith('0X')) throw new AmountError('hex', 'write the amount as decimal ETH like 0.05, not in hex');
  for (const char of whole + fraction) {
    if (char >= '0' && char <= '9') continue;
    if (char === 'e' || char === 'E') throw new AmountError('exponent', 'write the amount as plain decimal ETH like 0.05, not in scientific notation');
    throw new AmountError('invalid_character', `'${char}' is not allowed in an amount: use digits 0-9 and one '.' like 0.05`);
  }
  if (whole === '' && fraction === '') throw new AmountError('empty', 'no amount given: write it like 0.05');
  if (fraction.length > DECIMALS) throw new AmountError('too_many_decimals', 'an amount has at most 18 decimals (1 wei)');
  const significant = (whole + fraction.padEnd(DECIMALS, '0')).replace(/^0+/, '');
  // MAX_WEI has 78 digits: more significant digits cannot fit (nor need a BigInt made of them).
  const wei = significant.length > 78 ? null : BigInt(significant || '0');
  if (wei === null || wei > MAX_WEI) throw new AmountError('too_large', 'that amount is too large');
  return wei;
}

/** `"0.05"` → `"50000000000000000"`, by the rules of {@link parseEth}. */
export function ethToWei(eth: string): string {
  return parseEth(eth).toString();
}

/** Orders two wei strings (for sorting) without converting to numbers. */
export function compareWei(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
