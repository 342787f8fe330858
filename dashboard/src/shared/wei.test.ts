import { describe, expect, it } from 'vitest';
import { compareWei, ethToWei, weiToEth, weiToGwei } from './wei';

describe('weiToEth', () => {
  it('formats exactly, dropping trailing zeros', () => {
    expect(weiToEth('0')).toBe('0');
    expect(weiToEth('30000000000000000')).toBe('0.03');
    expect(weiToEth('1000000000000000000')).toBe('1');
    expect(weiToEth('1')).toBe('0.000000000000000001');
    expect(weiToEth('123456789012345678901234567890')).toBe('123456789012.34567890123456789');
  });

  it('refuses what is not wei', () => {
    expect(() => weiToEth('0.1')).toThrow();
    expect(() => weiToEth('-1')).toThrow();
    expect(() => weiToEth('')).toThrow();
  });
});

describe('weiToGwei', () => {
  it('formats gas prices in gwei', () => {
    expect(weiToGwei('1500000000')).toBe('1.5');
    expect(weiToGwei('1')).toBe('0.000000001');
  });
});

describe('ethToWei', () => {
  it('parses decimal ETH exactly', () => {
    expect(ethToWei('0.05')).toBe('50000000000000000');
    expect(ethToWei('1')).toBe('1000000000000000000');
    expect(ethToWei(' 0.000000000000000001 ')).toBe('1');
  });

  it('refuses signs, exponents and excess decimals', () => {
    for (const bad of ['-1', '1e18', '.5', '0.0000000000000000001', 'abc', '']) {
      expect(() => ethToWei(bad)).toThrow();
    }
  });

  it('round-trips with weiToEth', () => {
    for (const eth of ['0.02', '0.03', '12.5', '0.000001']) expect(weiToEth(ethToWei(eth))).toBe(eth);
  });
});

describe('compareWei', () => {
  it('orders amounts beyond float precision', () => {
    expect(compareWei('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareWei('5', '5')).toBe(0);
    expect(compareWei('4', '40')).toBe(-1);
  });
});
