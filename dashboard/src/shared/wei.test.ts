import { describe, expect, it } from 'vitest';
import corpus from '../../../crates/domain/testdata/eth-amounts.json';
import { AmountError, compareWei, ethToWei, parseEth, weiToEth, weiToGwei } from './wei';

type AmountCase = { input: string; wei?: string; error?: string };

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

describe('parseEth', () => {
  // The corpus Rust's Wei::parse_eth runs too: one set of rules for chat and the viewer page.
  it.each(corpus.cases)('reads $input as Gavel does', (c: AmountCase) => {
    if (c.wei !== undefined) {
      expect(parseEth(c.input).toString()).toBe(c.wei);
    } else {
      const error = (() => {
        try {
          parseEth(c.input);
        } catch (thrown) {
          return thrown;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(AmountError);
      expect((error as AmountError).kind).toBe(c.error);
    }
  });

  it('explains each refusal in words', () => {
    expect(() => parseEth('1e3')).toThrow('not in scientific notation');
    expect(() => parseEth('NaN')).toThrow("'N' is not allowed in an amount");
    expect(() => parseEth('١٢')).toThrow("'١' is not allowed");
    expect(() => parseEth('')).toThrow('no amount given: write it like 0.05');
  });

  it('trims the white space Rust trims, not what JavaScript does', () => {
    expect(parseEth('\u00850.5\u3000eth\u2029')).toBe(500_000_000_000_000_000n);
    expect(() => parseEth('\ufeff1')).toThrow(AmountError);
  });
});

describe('ethToWei', () => {
  it('parses decimal ETH exactly', () => {
    expect(ethToWei('0.05')).toBe('50000000000000000');
    expect(ethToWei('1')).toBe('1000000000000000000');
    expect(ethToWei(' 0.000000000000000001 ')).toBe('1');
  });

  it('refuses signs, exponents and excess decimals', () => {
    for (const bad of ['-1', '1e18', '0.0000000000000000001', 'abc', '']) {
      expect(() => ethToWei(bad)).toThrow(AmountError);
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
