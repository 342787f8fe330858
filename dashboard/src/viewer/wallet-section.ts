// My wallet: what the connected wallet holds in the house and what it can bid, how that power is
// made, the lots it leads and has won (with the NFT, from the token's own metadata), and the
// way out: top up, request a withdrawal, withdraw once the delay has passed on the chain's clock.

import { zeroHash } from 'viem';
import { fill, h } from '../shared/dom';
import type { PublicWallet, WalletLot } from '../shared/api-types';
import { formatCountdown } from '../shared/time';
import { weiToEth } from '../shared/wei';
import { wrongNetwork } from './errors';
import type { ViewerState } from './state';
import { amountOf, eth, itemsOr, localTime, resolveUri, stateBadge, txLink } from './view';

interface TokenView {
  name: string;
  image: string | null;
  error: string | null;
}

/** How long token metadata may take before the page gives up on it. */
const METADATA_TIMEOUT_MS = 10_000;

export function walletSection(state: ViewerState): HTMLElement {
  const figures = h('div', { class: 'wallet-figures' });
  const lots = h('div', { class: 'wallet-lots' });
  const actions = h('div', { class: 'wallet-actions' });
  const countdown = h('div', { class: 'countdown-line', testid: 'withdraw-countdown', hidden: true });
  const error = h('p', { class: 'form-error', testid: 'wallet-error', role: 'alert', hidden: true });
  const notice = h('p', { class: 'notice', testid: 'wallet-notice', role: 'status', hidden: true });

  const topupAmount = h('input', { testid: 'topup-amount', inputmode: 'decimal', autocomplete: 'off', placeholder: '0.05', 'aria-label': 'Top-up amount in ETH' });
  const topupSubmit = h('button', { type: 'submit', testid: 'topup-submit' }, 'Top up');
  const topupForm = h(
    'form',
    { class: 'inline-form', onsubmit: (event) => (event.preventDefault(), void topUp()) },
    h('label', null, 'Top up (ETH)'),
    h('div', { class: 'row' }, topupAmount, topupSubmit),
  );
  const withdrawAmount = h('input', { testid: 'withdraw-amount', inputmode: 'decimal', autocomplete: 'off', placeholder: '0.05', 'aria-label': 'Amount to withdraw in ETH' });
  const requestSubmit = h('button', { type: 'submit', class: 'secondary', testid: 'request-withdrawal' }, 'Request withdrawal');
  const requestForm = h(
    'form',
    { class: 'inline-form', onsubmit: (event) => (event.preventDefault(), void requestWithdrawal()) },
    h('label', null, 'Withdraw (ETH)'),
    h('div', { class: 'row' }, withdrawAmount, requestSubmit),
  );
  const withdrawSubmit = h('button', { type: 'button', testid: 'withdraw-submit', onclick: () => void withdraw() }, 'Withdraw');
  const withdrawBlock = h('div', { class: 'withdraw-block' }, countdown, withdrawSubmit);

  let busy: string | null = null;

  const say = (kind: 'error' | 'notice', text: string | null) => {
    for (const [element, own] of [
      [error, 'error'],
      [notice, 'notice'],
    ] as const) {
      element.hidden = own !== kind || text === null;
      if (own === kind) element.textContent = text ?? '';
    }
  };

  /** Sends a house transaction, waits for it to be mined, and says how it went. */
  const transact = async (label: string, functionName: string, args: readonly unknown[], value: bigint | undefined, done: string) => {
    const wallet = state.wallet;
    const house = state.house;
    if (!wallet || !house) return;
    if (!state.onHouseChain) return say('error', wrongNetwork(state.errorContext));
    say('notice', null);
    busy = label;
    draw();
    try {
      const hash = await house.send(wallet, functionName, args, value);
      say('notice', `${done}: waiting for the transaction to be included…`);
      for (;;) {
        const depth = await house.depth(wallet, hash);
        if (depth.reverted) throw new Error('The transaction failed on chain');
        if (depth.mined) break;
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      }
      const url = house.txUrl(hash);
      fill(notice, `${done}. `, url ? h('a', { href: url, target: '_blank', rel: 'noopener' }, 'See the transaction') : '');
      notice.hidden = false;
      error.hidden = true;
    } catch (problem) {
      say('error', state.words(problem));
    } finally {
      busy = null;
      await state.refreshAccount();
      draw();
    }
  };

  /** The amount typed in `input`; null, with the refusal said, when it is not one. */
  const amountIn = (input: HTMLInputElement): bigint | null => {
    say('error', null);
    try {
      return amountOf(input);
    } catch (problem) {
      say('error', (problem as Error).message);
      return null;
    }
  };

  const topUp = async () => {
    const wei = amountIn(topupAmount);
    if (wei === null) return;
    // A linked wallet needs no commitment: Gavel credits its deposits to its bidder.
    await transact('topup', 'deposit', [zeroHash], wei, `Deposited ${weiToEth(wei.toString())} ETH; it counts for bidding after ${state.chain?.reorg_depth ?? 0} blocks`);
    topupAmount.value = '';
  };

  const requestWithdrawal = async () => {
    const wei = amountIn(withdrawAmount);
    if (wei === null) return;
    await transact('request', 'requestWithdrawal', [wei], undefined, `Withdrawal of ${weiToEth(wei.toString())} ETH requested; it stops backing bids now`);
    withdrawAmount.value = '';
  };

  const withdraw = async () => {
    say('error', null);
    const pending = state.onChain?.pendingWei ?? 0n;
    await transact('withdraw', 'withdraw', [], undefined, `Withdrawn: up to ${weiToEth(pending.toString())} ETH sent back to your wallet`);
  };

  /** Token views read so far; a won lot is drawn once its token's metadata is in (or failed). */
  const tokens = new Map<number, TokenView>();
  const loading = new Set<number>();
  const loadTokenOf = (lot: WalletLot) => {
    if (tokens.has(lot.token_id) || loading.has(lot.token_id)) return;
    loading.add(lot.token_id);
    void loadToken(state, lot.token_id).then((view) => {
      loading.delete(lot.token_id);
      tokens.set(lot.token_id, view);
      if (state.account) drawLots(state.account);
      // A failure is shown, and tried again at the next reading of the wallet.
      if (view.error) tokens.delete(lot.token_id);
    });
  };

  const wonCard = (lot: WalletLot) => {
    const view = tokens.get(lot.token_id);
    loadTokenOf(lot);
    if (!view) return h('li', { class: 'won loading muted', 'data-lot-id': lot.lot_id }, `Lot ${lot.lot_id}: reading its NFT…`);
    return h(
      'li',
      { class: 'won', testid: `won-lot-${lot.lot_id}`, 'data-state': lot.state },
      view.image ? h('img', { src: view.image, alt: view.name }) : h('div', { class: 'no-image' }, `#${lot.token_id}`),
      h(
        'div',
        null,
        h('strong', null, view.name),
        h('div', null, 'Won for ', eth(lot.amount_wei), ' ', stateBadge(lot.state)),
        h('div', { class: 'muted' }, lot.settle_tx ? ['Settled: ', txLink(lot.settle_tx, state.house?.txUrl(lot.settle_tx) ?? null)] : 'The NFT comes to this wallet at settlement.'),
        view.error ? h('div', { class: 'muted small' }, view.error) : null,
      ),
    );
  };

  const drawFigures = (account: PublicWallet) => {
    const onChain = state.onChain;
    const depth = state.chain?.reorg_depth ?? 0;
    fill(
      figures,
      h(
        'dl',
        { class: 'figure-grid' },
        h('div', null, h('dt', null, 'Escrow'), h('dd', null, eth(account.escrow_wei, 'my-escrow'))),
        h('div', null, h('dt', null, '− Pending withdrawal'), h('dd', null, eth(account.pending_withdrawal_wei, 'my-pending'))),
        h('div', null, h('dt', null, '− Committed'), h('dd', null, eth(account.committed_wei, 'my-committed'))),
        h('div', { class: 'power' }, h('dt', null, '= Bidding power'), h('dd', null, eth(account.power_wei, 'my-power'))),
      ),
      h(
        'p',
        { class: 'hint' },
        'Bidding power is your escrow minus what you asked to withdraw and minus what you lead with or have won in lots not yet settled (never below 0). ',
        `Gavel counts a deposit once ${depth} block${depth === 1 ? ' is' : 's are'} on top of it.`,
      ),
      onChain && onChain.escrowWei !== BigInt(account.escrow_wei)
        ? h('p', { class: 'hint', testid: 'chain-escrow', 'data-wei': onChain.escrowWei.toString() }, `On chain right now: ${weiToEth(onChain.escrowWei.toString())} ETH in escrow (Gavel catches up within ${depth} blocks).`)
        : null,
    );
  };

  const drawLots = (account: PublicWallet) => {
    fill(
      lots,
      h('h3', null, 'Leading'),
      h(
        'ul',
        { class: 'leads', testid: 'my-leads' },
        itemsOr(account.leads, 'No open lead.', (lot) => h('li', { 'data-lot-id': lot.lot_id }, `Lot ${lot.lot_id}: leading with `, eth(lot.amount_wei), ' ', stateBadge(lot.state))),
      ),
      h('h3', null, 'Won'),
      h('ul', { class: 'won-list', testid: 'my-won' }, itemsOr(account.won, 'Nothing won yet.', wonCard)),
    );
  };

  const drawActions = (account: PublicWallet) => {
    topupSubmit.disabled = busy !== null;
    requestSubmit.disabled = busy !== null;
    withdrawSubmit.disabled = busy !== null;
    topupSubmit.textContent = busy === 'topup' ? 'Confirm in your wallet…' : 'Top up';
    requestSubmit.textContent = busy === 'request' ? 'Confirm in your wallet…' : 'Request withdrawal';
    withdrawSubmit.textContent = busy === 'withdraw' ? 'Confirm in your wallet…' : 'Withdraw';
    const pendingWei = state.onChain?.pendingWei ?? 0n;
    withdrawBlock.hidden = pendingWei === 0n;
    fill(
      actions,
      account.bidder ? topupForm : h('p', { class: 'hint' }, 'Join above first: once this wallet is linked, top-ups need no link line.'),
      requestForm,
      withdrawBlock,
    );
    tick();
  };

  const tick = () => {
    const onChain = state.onChain;
    if (!onChain || onChain.pendingWei === 0n) {
      countdown.hidden = true;
      return;
    }
    countdown.hidden = false;
    countdown.dataset.availableAt = String(onChain.availableAt);
    const left = onChain.availableAt * 1000 - state.chainNow();
    countdown.textContent =
      left > 0
        ? `${weiToEth(onChain.pendingWei.toString())} ETH can be withdrawn in ${formatCountdown(left)} (${localTime(onChain.availableAt * 1000)}).`
        : `${weiToEth(onChain.pendingWei.toString())} ETH is ready to withdraw.`;
    countdown.classList.toggle('ready', left <= 0);
  };

  const body = h('div', { class: 'wallet-body' });
  const draw = () => {
    const account = state.account;
    if (!state.wallet) {
      fill(body, h('p', { class: 'muted' }, 'Connect a wallet (in Join above) to see its escrow, bidding power, leads and wins.'));
      return;
    }
    if (!account) {
      fill(body, h('p', { class: 'muted' }, 'Reading this wallet…'));
      return;
    }
    drawFigures(account);
    drawLots(account);
    drawActions(account);
    if (body.firstChild !== figures) body.replaceChildren(figures, actions, error, notice, lots);
  };

  setInterval(tick, 1_000);
  state.subscribe(draw);
  draw();
  return h('section', { id: 'wallet', class: 'card' }, h('h2', null, 'My wallet'), body);
}

/** A token's name and image from its metadata: tokenURI on chain, then the JSON it names. */
async function loadToken(state: ViewerState, tokenId: number): Promise<TokenView> {
  const fallback = `Token #${tokenId}`;
  try {
    const house = state.house;
    if (!house) throw new Error('the chain is not known');
    const uri = await house.readNft<string>(state.wallet, 'tokenURI', [BigInt(tokenId)]);
    const gateway = state.chain?.ipfs_gateway;
    const response = await fetch(resolveUri(uri, gateway), { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`its metadata answered HTTP ${response.status}`);
    const metadata = (await response.json()) as { name?: unknown; image?: unknown };
    return {
      name: typeof metadata.name === 'string' && metadata.name ? metadata.name : fallback,
      image: typeof metadata.image === 'string' && metadata.image ? resolveUri(metadata.image, gateway) : null,
      error: null,
    };
  } catch (error) {
    return { name: fallback, image: null, error: `Could not read the token's metadata (${state.words(error)}).` };
  }
}
