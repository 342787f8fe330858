// Every failure of a wallet or chain call, said in words: the EIP-1193 codes a wallet answers
// with, viem's typed errors, and the house's custom errors decoded from the revert data.

import { BaseError, ContractFunctionRevertedError } from 'viem';
import { weiToEth } from '../shared/wei';

export interface ErrorContext {
  /** The house's network, named in the wrong-network sentence. */
  chainName: string;
  chainId: number;
}

/** The error and its causes, outermost first (viem and wallets nest them in `cause`). */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== null && e !== undefined && chain.length < 12; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

function has(error: unknown, test: (e: { code?: unknown; name?: unknown; message?: unknown }) => boolean): boolean {
  return causes(error).some((e) => typeof e === 'object' && test(e as { code?: unknown }));
}

function when(unixSeconds: unknown): string {
  return new Date(Number(unixSeconds) * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function eth(wei: unknown): string {
  return `${weiToEth(String(wei))} ETH`;
}

/** The house's custom errors (contracts/src/AuctionHouse.sol) as sentences. */
function revertInWords(name: string, args: readonly unknown[]): string {
  switch (name) {
    case 'ZeroAmount':
      return 'Enter an amount above 0';
    case 'WithdrawalPending':
      return `You already asked to withdraw ${eth(args[0])}: withdraw it (from ${when(args[1])}) before asking again`;
    case 'InsufficientEscrow':
      return `Your escrow holds ${eth(args[0])}, less than the ${eth(args[1])} asked`;
    case 'NoWithdrawalRequested':
      return 'There is no withdrawal to make: request one first';
    case 'WithdrawalNotReady':
      return `Not yet: this withdrawal can be made from ${when(args[0])}`;
    case 'EnforcedPause':
      return 'The auction house is paused: deposits are closed for now (withdrawals still work)';
    case 'TransferFailed':
      return 'The house could not send the ETH to your wallet';
    default:
      return `The auction house refused the transaction (${name})`;
  }
}

export function inWords(error: unknown, context: ErrorContext): string {
  if (has(error, (e) => e.code === 4001 || e.name === 'UserRejectedRequestError')) return 'You rejected the request in your wallet';
  if (has(error, (e) => e.name === 'ChainMismatchError')) return wrongNetwork(context);
  if (has(error, (e) => e.code === 4902)) return `Your wallet does not know ${context.chainName} and did not add it`;
  if (has(error, (e) => e.code === -32002)) return 'Your wallet is already showing a request: answer it there first';
  if (has(error, (e) => e.code === 4100)) return 'Your wallet has not allowed this page: connect it again';
  if (has(error, (e) => e.code === 4900 || e.code === 4901)) return 'Your wallet is not connected to a network';
  if (has(error, (e) => e.name === 'InsufficientFundsError' || (typeof e.message === 'string' && /insufficient funds/i.test(e.message)))) {
    return 'Your wallet does not hold enough ETH for this amount plus the network fee';
  }
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    if (reverted?.data?.errorName) return revertInWords(reverted.data.errorName, reverted.data.args ?? []);
    if (reverted?.reason) return `The transaction would fail: ${reverted.reason}`;
    if (reverted) return 'The auction house refused the transaction';
    if (has(error, (e) => e.name === 'HttpRequestError' || e.name === 'TimeoutError')) return `Could not reach ${context.chainName}: try again in a moment`;
    return error.shortMessage;
  }
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

export function wrongNetwork(context: ErrorContext): string {
  return `Wrong network: switch your wallet to ${context.chainName}, chain ${context.chainId}`;
}
