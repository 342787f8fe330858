// Money is wei in decimal strings, as the API sends it. Conversions go through BigInt and never
// through floats, so what an admin reads is exactly what the engine stored.

const DECIMALS = 18;
const WEI_PER_ETH = 10n ** BigInt(DECIMALS);

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

/** `"0.05"` → `"50000000000000000"`; refuses signs, exponents and more than 18 decimals. */
export function ethToWei(eth: string): string {
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(eth.trim());
  if (!match) throw new Error('an amount of ETH such as 0.05 (at most 18 decimals)');
  const [, whole, fraction = ''] = match;
  return (BigInt(whole) * WEI_PER_ETH + BigInt(fraction.padEnd(DECIMALS, '0'))).toString();
}

/** Orders two wei strings (for sorting) without converting to numbers. */
export function compareWei(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
