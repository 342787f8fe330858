import {
  ChainMismatchError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  InsufficientFundsError,
  UserRejectedRequestError,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { houseAbi } from './chain';
import { inWords } from './errors';

const context = { chainName: 'Shape Sepolia', chainId: 11011 };

function reverted(errorName: string, args: readonly unknown[] = []): ContractFunctionExecutionError {
  const data = encodeErrorResult({ abi: houseAbi, errorName, args });
  const cause = new ContractFunctionRevertedError({ abi: houseAbi, data, functionName: 'withdraw' });
  return new ContractFunctionExecutionError(cause, { abi: houseAbi, functionName: 'withdraw', args: [] });
}

describe('inWords', () => {
  it('says the wallet refused, from viem or from the raw EIP-1193 error', () => {
    expect(inWords(new UserRejectedRequestError(new Error('denied')), context)).toBe('You rejected the request in your wallet');
    expect(inWords({ code: 4001, message: 'User rejected the request.' }, context)).toBe('You rejected the request in your wallet');
  });

  it('names the network to switch to', () => {
    const mismatch = new ChainMismatchError({ chain: { id: 11011, name: 'Shape Sepolia' } as never, currentChainId: 1 });
    expect(inWords(mismatch, context)).toBe('Wrong network: switch your wallet to Shape Sepolia, chain 11011');
  });

  it('says when the wallet cannot pay', () => {
    expect(inWords(new InsufficientFundsError(), context)).toMatch(/does not hold enough ETH/);
  });

  it("decodes the house's custom errors into sentences", () => {
    expect(inWords(reverted('ZeroAmount'), context)).toBe('Enter an amount above 0');
    expect(inWords(reverted('NoWithdrawalRequested'), context)).toBe('There is no withdrawal to make: request one first');
    expect(inWords(reverted('InsufficientEscrow', [10n ** 16n, 2n * 10n ** 16n]), context)).toBe('Your escrow holds 0.01 ETH, less than the 0.02 ETH asked');
    expect(inWords(reverted('WithdrawalNotReady', [1_900_000_000n]), context)).toMatch(/^Not yet: this withdrawal can be made from /);
    expect(inWords(reverted('EnforcedPause'), context)).toMatch(/paused/);
  });
});
