// The house on chain, through viem: reads go through the connected wallet when it is on the
// house's chain (what the viewer's own wallet sees), otherwise through the public RPC Gavel names;
// writes always go through the wallet. The ABIs are the contracts' build artifacts, read at
// build time. viem is imported piece by piece (client, transports, single actions) to keep the
// page light.

import { abi as houseArtifactAbi } from '../../../contracts/artifacts/AuctionHouse.json';
import { abi as nftArtifactAbi } from '../../../contracts/artifacts/MarathonNFT.json';
import { createClient, custom, defineChain, http, type Abi, type Address, type Chain, type Client, type Hash, type Hex } from 'viem';
import { getBlock, getBlockNumber, getTransactionReceipt, readContract, simulateContract, writeContract } from 'viem/actions';
import type { PublicChain } from '../shared/api-types';
import type { Connected } from './wallet';

export const houseAbi = houseArtifactAbi as Abi;
const nftAbi = nftArtifactAbi as Abi;

function chainOf(facts: PublicChain): Chain {
  return defineChain({
    id: facts.chain_id,
    name: facts.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [facts.public_rpc_url] } },
    blockExplorers: facts.explorer_url ? { default: { name: 'Explorer', url: facts.explorer_url } } : undefined,
  });
}

/** Chain access for the page: one reader, and a writer while a wallet is connected. */
export class House {
  readonly address: Address;
  readonly chain: Chain;
  private readonly publicReader: Client;
  private nftAddress: Promise<Address> | null = null;

  constructor(readonly facts: PublicChain) {
    this.address = facts.auction_house as Address;
    this.chain = chainOf(facts);
    this.publicReader = createClient({ chain: this.chain, transport: http(facts.public_rpc_url) });
  }

  /** Reads through the wallet when it is on our chain (it then sees what it will sign against). */
  reader(wallet: Connected | null): Client {
    return wallet && wallet.chainId === this.facts.chain_id ? createClient({ chain: this.chain, transport: custom(wallet.option.provider) }) : this.publicReader;
  }

  read<T>(wallet: Connected | null, functionName: string, args: readonly unknown[] = []): Promise<T> {
    return readContract(this.reader(wallet), { address: this.address, abi: houseAbi, functionName, args }) as Promise<T>;
  }

  readNft<T>(wallet: Connected | null, functionName: string, args: readonly unknown[]): Promise<T> {
    this.nftAddress ??= this.read<Address>(wallet, 'nft').catch((error) => {
      this.nftAddress = null;
      throw error;
    });
    return this.nftAddress.then((address) => readContract(this.reader(wallet), { address, abi: nftAbi, functionName, args }) as Promise<T>);
  }

  /**
   * Sends a house transaction from the wallet. It is simulated first, so a revert is reported
   * from the contract's own custom error before the wallet is even asked; viem then checks that
   * the wallet is on the house's chain before it sends.
   */
  async send(wallet: Connected, functionName: string, args: readonly unknown[], value?: bigint): Promise<Hash> {
    const account = wallet.address as Address;
    const request = { address: this.address, abi: houseAbi, functionName, args, value, account, chain: this.chain } as const;
    await simulateContract(this.reader(wallet), request);
    const writer = createClient({ account, chain: this.chain, transport: custom(wallet.option.provider) });
    return writeContract(writer, request);
  }

  /** Blocks on top of a transaction's block (0 while it waits in the mempool), and whether it reverted. */
  async depth(wallet: Connected | null, hash: Hex): Promise<{ blocksOnTop: number; mined: boolean; reverted: boolean }> {
    const reader = this.reader(wallet);
    const receipt = await getTransactionReceipt(reader, { hash }).catch(() => null);
    if (!receipt) return { blocksOnTop: 0, mined: false, reverted: false };
    const head = await getBlockNumber(reader, { cacheTime: 0 });
    return { blocksOnTop: Math.max(0, Number(head - receipt.blockNumber)), mined: true, reverted: receipt.status === 'reverted' };
  }

  /** The timestamp of the latest block (unix seconds): the clock the contract's delays run on. */
  async chainTime(wallet: Connected | null): Promise<number> {
    const block = await getBlock(this.reader(wallet), { blockTag: 'latest' });
    return Number(block.timestamp);
  }

  txUrl(hash: string): string | null {
    return this.facts.explorer_url ? `${this.facts.explorer_url.replace(/\/+$/, '')}/tx/${hash}` : null;
  }
}
