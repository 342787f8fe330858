import { describe, expect, it } from 'vitest';
import { amountOf, resolveUri } from './view';

const input = (value: string) => ({ value }) as HTMLInputElement;

describe('resolveUri', () => {
  it('reads ipfs:// through the gateway', () => {
    expect(resolveUri('ipfs://bafyCID/meta/1.json', 'https://ipfs.io/ipfs/')).toBe('https://ipfs.io/ipfs/bafyCID/meta/1.json');
    expect(resolveUri('ipfs://ipfs/bafyCID', 'http://127.0.0.1:8081/ipfs')).toBe('http://127.0.0.1:8081/ipfs/bafyCID');
  });

  it('leaves other addresses alone', () => {
    expect(resolveUri('https://example.org/1.json', 'https://ipfs.io/ipfs/')).toBe('https://example.org/1.json');
    expect(resolveUri('data:application/json,{}', null)).toBe('data:application/json,{}');
  });
});

describe('amountOf', () => {
  it('takes ETH by the chat rules', () => {
    expect(amountOf(input(' 0.05 eth'))).toBe(50_000_000_000_000_000n);
  });

  it('refuses zero and malformed amounts in sentences', () => {
    expect(() => amountOf(input('0'))).toThrow('Enter an amount above 0');
    expect(() => amountOf(input('0.000'))).toThrow('Enter an amount above 0');
    expect(() => amountOf(input('1e3'))).toThrow(/^Write the amount as plain decimal ETH/);
    expect(() => amountOf(input(''))).toThrow('No amount given: write it like 0.05');
  });
});
