// What the viewer page's sections share: the marathon, the chain facts, the connected wallet and
// what Gavel and the chain say about it. Sections read it and redraw when told it changed.

import { api } from '../shared/api';
import type { PublicChain, PublicMarathon, PublicWallet } from '../shared/api-types';
import { House } from './chain';
import { inWords, type ErrorContext } from './errors';
import { discoverWallets, WalletSession, type Connected, type WalletOption } from './wallet';

/** The wallet's figures on chain, next to Gavel's (which credits deposits only at the reorg-safe depth). */
export interface OnChain {
  escrowWei: bigint;
  pendingWei: bigint;
  /** Unix seconds; 0 without a request. */
  availableAt: number;
}

/** Reads the wallet's account often while a link is awaited, otherwise now and then. */
const ACCOUNT_POLL_FAST_MS = 3_000;
const ACCOUNT_POLL_SLOW_MS = 15_000;
/** Marathon pages are bounded by the API; a marathon of a year fits in four. */
const MAX_LOT_PAGES = 8;

type Listener = () => void;

export class ViewerState {
  marathon: PublicMarathon | null = null;
  marathonError: string | null = null;
  chain: PublicChain | null = null;
  /** Why the chain facts are missing (none configured, or Gavel unreachable). */
  chainError: string | null = null;
  house: House | null = null;
  account: PublicWallet | null = null;
  onChain: OnChain | null = null;
  /** Offset of the chain's clock (latest block) ahead of this browser's, in ms, never negative. */
  chainClockAheadMs = 0;
  /** Set by the join section while it waits for `!link` to be typed. */
  awaitingLink = false;
  readonly session: WalletSession;
  private readonly listeners = new Set<Listener>();
  private accountTimer: ReturnType<typeof setTimeout> | undefined;
  private listWallets: () => WalletOption[] = () => [];

  constructor(readonly marathonId: number) {
    let address: string | null = null;
    this.session = new WalletSession((wallet) => {
      // A network switch keeps what Gavel says of the wallet; another account does not.
      if (wallet?.address !== address) {
        address = wallet?.address ?? null;
        this.account = null;
        this.awaitingLink = false;
      }
      this.onChain = null;
      this.changed();
      void this.refreshAccount();
    });
  }

  get wallet(): Connected | null {
    return this.session.current;
  }

  /** Whether the connected wallet is on the house's chain. */
  get onHouseChain(): boolean {
    return this.wallet !== null && this.chain !== null && this.wallet.chainId === this.chain.chain_id;
  }

  get errorContext(): ErrorContext {
    return { chainName: this.chain?.name ?? 'the auction house network', chainId: this.chain?.chain_id ?? 0 };
  }

  words(error: unknown): string {
    return inWords(error, this.errorContext);
  }

  subscribe(listener: Listener): void {
    this.listeners.add(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  async start(): Promise<void> {
    this.listWallets = discoverWallets((options) => {
      this.changed();
      void this.session.restore(options);
    });
    await Promise.all([this.loadChain(), this.loadMarathon()]);
    void this.session.restore(this.availableWallets());
  }

  /** Wallets seen so far (one may announce itself late). */
  availableWallets(): WalletOption[] {
    return this.listWallets();
  }

  private async loadChain(): Promise<void> {
    try {
      this.chain = await api<PublicChain>('GET', '/api/public/chain');
      this.house = new House(this.chain);
    } catch (error) {
      this.chainError =
        (error as { status?: number }).status === 404 ? 'This marathon has no chain configured yet: deposits open once it has.' : `Could not read the chain's details: ${this.words(error)}`;
    }
    this.changed();
  }

  /** The marathon with every lot (the API pages them by day). */
  async loadMarathon(): Promise<void> {
    try {
      let page = await api<PublicMarathon>('GET', `/api/public/marathons/${this.marathonId}?limit=100`);
      const lots = [...page.lots];
      for (let pages = 1; page.next_after_day !== null && pages < MAX_LOT_PAGES; pages++) {
        page = await api<PublicMarathon>('GET', `/api/public/marathons/${this.marathonId}?limit=100&after_day=${page.next_after_day}`);
        lots.push(...page.lots);
      }
      this.marathon = { ...page, lots, next_after_day: null };
      this.marathonError = null;
      document.title = `${page.name} · Gavel`;
    } catch (error) {
      this.marathonError = (error as { status?: number }).status === 404 ? 'There is no such marathon.' : `Could not load the marathon: ${this.words(error)}`;
    }
    this.changed();
  }

  /** Reads what Gavel and the chain say about the connected wallet, then again later. */
  async refreshAccount(): Promise<void> {
    clearTimeout(this.accountTimer);
    const wallet = this.wallet;
    if (!wallet) return;
    try {
      const [account, onChain] = await Promise.all([
        api<PublicWallet>('GET', `/api/public/wallets/${wallet.address}`),
        this.readOnChain(wallet).catch((error: unknown) => {
          console.warn('could not read the wallet on chain', error);
          return this.onChain;
        }),
      ]);
      if (this.wallet?.address !== wallet.address) return;
      this.account = account;
      this.onChain = onChain;
      this.changed();
    } catch (error) {
      console.warn('could not read the wallet', error);
    }
    if (this.wallet?.address === wallet.address) {
      this.accountTimer = setTimeout(() => void this.refreshAccount(), this.awaitingLink ? ACCOUNT_POLL_FAST_MS : ACCOUNT_POLL_SLOW_MS);
    }
  }

  private async readOnChain(wallet: Connected): Promise<OnChain | null> {
    const house = this.house;
    if (!house) return null;
    const args = [wallet.address];
    const [escrowWei, pending, chainTime] = await Promise.all([
      house.read<bigint>(wallet, 'escrowOf', args),
      house.read<readonly [bigint, bigint | number]>(wallet, 'pendingWithdrawal', args),
      house.chainTime(wallet),
    ]);
    this.chainClockAheadMs = Math.max(0, chainTime * 1000 - Date.now());
    return { escrowWei, pendingWei: pending[0], availableAt: Number(pending[1]) };
  }

  /** Now on the chain's clock (its latest block may be ahead of this browser, as on a test chain). */
  chainNow(): number {
    return Date.now() + this.chainClockAheadMs;
  }
}
