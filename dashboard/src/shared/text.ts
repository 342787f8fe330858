// Text handled exactly as Gavel's Rust side handles it, where the two must agree (amounts typed
// in ETH, chat handles): JavaScript's own `trim` strips a slightly different set of characters.

/** Unicode White_Space, which Rust's `str::trim` strips (JS's `trim` adds U+FEFF and lacks U+0085). */
const WHITE_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING = new RegExp(`^[${WHITE_SPACE}]+`);
const TRAILING = new RegExp(`[${WHITE_SPACE}]+$`);

/** As Rust's `str::trim_end`. */
export function trimEnd(text: string): string {
  return text.replace(TRAILING, '');
}

/** As Rust's `str::trim`. */
export function trim(text: string): string {
  return trimEnd(text).replace(LEADING, '');
}
