import { keccak256, type Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import { commitmentOf, handleOf, makeSecret, SECRET_ALPHABET, SECRET_LENGTH } from './link';

const ALICE = '0x00000000000000000000000000000000000a11ce';

const word = (hex: string) => hex.padStart(64, '0');
const text = (value: string) => Buffer.from(value).toString('hex').padEnd(64, '0');

describe('handleOf', () => {
  it('is platform:login in lower case, as Gavel normalises it', () => {
    expect(handleOf('twitch', 'Alice_99')).toBe('twitch:alice_99');
    expect(handleOf('twitch', '  @Alice ')).toBe('twitch:alice');
    expect(handleOf('twitch', '@@alice')).toBe('twitch:@alice');
  });
});

describe('commitmentOf', () => {
  it('hashes abi.encode(string handle, string secret, address depositor)', () => {
    // The vector of crates/domain/src/link.rs: two offsets and the address, then each
    // string's length and padded bytes.
    const encoded = ('0x' + word('60') + word('a0') + word(ALICE.slice(2)) + word('8') + text('twitch:a') + word('3') + text('s3c')) as Hex;
    expect(commitmentOf('twitch:a', 's3c', ALICE)).toBe(keccak256(encoded));
  });

  it('differs for another depositor', () => {
    expect(commitmentOf('twitch:a', 's3c', ALICE)).not.toBe(commitmentOf('twitch:a', 's3c', '0x000000000000000000000000000000000000bad0'));
  });
});

describe('makeSecret', () => {
  it('is 26 symbols of the chat-friendly alphabet: at least 128 bits', () => {
    const secret = makeSecret();
    expect(secret).toHaveLength(SECRET_LENGTH);
    expect([...secret].every((symbol) => SECRET_ALPHABET.includes(symbol))).toBe(true);
    expect(SECRET_LENGTH * Math.log2(SECRET_ALPHABET.length)).toBeGreaterThanOrEqual(128);
    expect(makeSecret()).not.toBe(secret);
  });

  it('draws again the bytes that would favour the first symbols', () => {
    // 248 = 8 × 31: bytes 248..255 are dropped; 0 and 31 both give 'a', 30 gives '9'.
    let call = 0;
    const random = (bytes: Uint8Array) => (call++ === 0 ? bytes.fill(255).fill(30, 0, 1).fill(31, 1, 2) : bytes.fill(0));
    expect(makeSecret(random)).toBe('9a' + 'a'.repeat(SECRET_LENGTH - 2));
    expect(call).toBe(2);
  });
});
