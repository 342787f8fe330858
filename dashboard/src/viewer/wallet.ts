// Browser wallets: every installed one found through EIP-6963 (each announces itself with a
// name, an icon and a reverse-DNS id), or the one that set `window.ethereum` when none announces.
// The page talks to the chosen wallet through EIP-1193 `request` only, and follows its account
// and network changes.

import type { EIP1193Provider } from 'viem';

export interface WalletOption {
  /** Reverse-DNS id from EIP-6963 (`io.metamask`), or `injected` for `window.ethereum`. */
  rdns: string;
  name: string;
  icon: string | null;
  provider: EIP1193Provider;
}

export interface Connected {
  option: WalletOption;
  /** Lower-case 0x address, as Gavel's API writes them. */
  address: string;
  chainId: number;
}

interface AnnounceDetail {
  info: { uuid: string; name: string; icon: string; rdns: string };
  provider: EIP1193Provider;
}

const REMEMBERED = 'gavel.wallet';

/** Collects the wallets that announce themselves; `onChange` runs on each new one. */
export function discoverWallets(onChange: (options: WalletOption[]) => void): () => WalletOption[] {
  const announced = new Map<string, WalletOption>();
  window.addEventListener('eip6963:announceProvider', (event) => {
    const detail = (event as CustomEvent<AnnounceDetail>).detail;
    if (!detail?.info?.rdns || !detail.provider) return;
    announced.set(detail.info.rdns, { rdns: detail.info.rdns, name: detail.info.name, icon: detail.info.icon || null, provider: detail.provider });
    onChange(options());
  });
  const options = (): WalletOption[] => {
    const list = [...announced.values()];
    const injected = (window as { ethereum?: EIP1193Provider }).ethereum;
    if (list.length === 0 && injected) list.push({ rdns: 'injected', name: 'Browser wallet', icon: null, provider: injected });
    return list;
  };
  window.dispatchEvent(new Event('eip6963:requestProvider'));
  return options;
}

function chainIdOf(hex: unknown): number {
  return typeof hex === 'string' ? Number.parseInt(hex, 16) : Number(hex);
}

/**
 * One connection to one wallet. `connect` asks the wallet for its accounts (the wallet's own
 * prompt); `restore` asks without a prompt, for a wallet chosen on an earlier visit.
 */
export class WalletSession {
  current: Connected | null = null;
  private listening: EIP1193Provider | null = null;

  constructor(private readonly onChange: (wallet: Connected | null) => void) {}

  async connect(option: WalletOption): Promise<void> {
    const accounts = (await option.provider.request({ method: 'eth_requestAccounts' })) as string[];
    await this.adopt(option, accounts);
    localStorage.setItem(REMEMBERED, option.rdns);
  }

  /** Reconnects silently to the wallet used last time, if it still grants this page an account. */
  async restore(options: WalletOption[]): Promise<void> {
    const option = options.find((candidate) => candidate.rdns === localStorage.getItem(REMEMBERED));
    if (!option || this.current) return;
    const accounts = (await option.provider.request({ method: 'eth_accounts' }).catch(() => [])) as string[];
    if (accounts.length > 0) await this.adopt(option, accounts);
  }

  disconnect(): void {
    localStorage.removeItem(REMEMBERED);
    this.set(null);
  }

  private async adopt(option: WalletOption, accounts: string[]): Promise<void> {
    if (accounts.length === 0) throw new Error('The wallet shared no account with this page');
    const chainId = chainIdOf(await option.provider.request({ method: 'eth_chainId' }));
    this.listen(option.provider);
    this.set({ option, address: accounts[0].toLowerCase(), chainId });
  }

  private listen(provider: EIP1193Provider): void {
    if (this.listening === provider) return;
    this.listening = provider;
    provider.on?.('accountsChanged', (accounts: readonly string[]) => {
      if (this.current?.option.provider !== provider) return;
      this.set(accounts.length > 0 ? { ...this.current, address: accounts[0].toLowerCase() } : null);
    });
    provider.on?.('chainChanged', (chainId: string) => {
      if (this.current?.option.provider !== provider) return;
      this.set({ ...this.current, chainId: chainIdOf(chainId) });
    });
  }

  private set(wallet: Connected | null): void {
    this.current = wallet;
    this.onChange(wallet);
  }
}

/** Asks the wallet to use `chain`, adding the network to it first if it does not know it (4902). */
export async function switchWalletChain(
  provider: EIP1193Provider,
  chain: { chainId: number; name: string; rpcUrl: string; explorerUrl: string | null },
): Promise<void> {
  const chainId = `0x${chain.chainId.toString(16)}` as const;
  try {
    await provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId }] });
  } catch (error) {
    if (!isUnknownChain(error)) throw error;
    await provider.request({
      method: 'wallet_addEthereumChain',
      params: [
        {
          chainId,
          chainName: chain.name,
          nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
          rpcUrls: [chain.rpcUrl],
          blockExplorerUrls: chain.explorerUrl ? [chain.explorerUrl] : undefined,
        },
      ],
    });
  }
}

/** 4902, "unrecognized chain"; some mobile wallets nest it in `data.originalError`. */
function isUnknownChain(error: unknown): boolean {
  const e = error as { code?: number; data?: { originalError?: { code?: number } } } | null;
  return e?.code === 4902 || e?.data?.originalError?.code === 4902;
}
