// Join: connect a browser wallet, get onto the house's network, name the chat account, and
// deposit with a commitment that binds the two. The secret is made here and kept in this
// browser only; once the deposit is as deep as Gavel's watcher requires, the page shows the
// exact `!link` line to type in chat and watches for the link. A wallet already linked has no
// need of any of it: it tops up from "My wallet".

import type { Address, Hex } from 'viem';
import { copyButton, fill, h } from '../shared/dom';
import type { PublicChannel } from '../shared/api-types';
import { wrongNetwork } from './errors';
import { commitmentOf, handleOf, loadSecret, makeSecret, saveSecret, secretKey, type StoredSecret } from './link';
import type { ViewerState } from './state';
import { switchWalletChain } from './wallet';
import { amountOf, shortAddress, txLink } from './view';

const DEPTH_POLL_MS = 1_500;

interface Pending {
  key: string;
  stored: StoredSecret & { tx: Hex };
  blocksOnTop: number;
  mined: boolean;
}

export function joinSection(state: ViewerState): HTMLElement {
  const connectArea = h('div', { class: 'connect' });
  const flowArea = h('div', { class: 'flow' });
  const error = h('p', { class: 'form-error', testid: 'join-error', role: 'alert', hidden: true });

  const platform = h('select', { testid: 'join-platform', id: 'join-platform' });
  const hint = h('p', { class: 'hint' });
  const login = h('input', { testid: 'join-login', id: 'join-login', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', placeholder: 'your login' });
  const amount = h('input', { testid: 'join-amount', id: 'join-amount', inputmode: 'decimal', autocomplete: 'off', placeholder: '0.05' });
  const submit = h('button', { type: 'submit', testid: 'join-submit' }, 'Deposit and get my link line');
  const form = h(
    'form',
    { class: 'join-form', onsubmit: (event) => (event.preventDefault(), void join()) },
    h('label', { for: 'join-platform' }, 'Chat platform'),
    platform,
    hint,
    h('label', { for: 'join-login' }, 'Your login there'),
    login,
    h('label', { for: 'join-amount' }, 'Deposit (ETH)'),
    amount,
    h('p', { class: 'hint' }, 'Your escrow backs your chat bids. You can withdraw what you do not spend.'),
    submit,
  );
  platform.addEventListener('change', () => drawHint());

  let showOptions = false;
  let busy = false;
  let pending: Pending | null = null;
  /** Which wallet the pending join was loaded for. */
  let loadedFor: string | null = null;
  let tracking: string | null = null;
  let channelsDrawn: PublicChannel[] | null = null;

  const setError = (text: string | null) => {
    error.hidden = text === null;
    error.textContent = text ?? '';
  };

  const platforms = (): PublicChannel[] => {
    const seen = new Set<string>();
    return (state.marathon?.channels ?? []).filter((channel) => !seen.has(channel.platform) && seen.add(channel.platform));
  };

  const drawHint = () => {
    const channel = platforms().find((candidate) => candidate.platform === platform.value);
    hint.textContent = channel ? `${channel.login_hint} (bids are read in ${channel.platform_name} chat on ${channel.channel})` : '';
  };

  const drawPlatforms = () => {
    const channels = state.marathon?.channels ?? null;
    if (channels === channelsDrawn) return;
    channelsDrawn = channels;
    const chosen = platform.value;
    fill(
      platform,
      platforms().map((channel) => h('option', { value: channel.platform, selected: channel.platform === chosen }, channel.platform_name)),
    );
    drawHint();
  };

  /** Picks up a join this browser started earlier for the connected wallet. */
  const loadPending = () => {
    const wallet = state.wallet;
    const chain = state.chain;
    const key = wallet && chain ? secretKey(chain.chain_id, chain.auction_house, wallet.address) : null;
    if (key === loadedFor) return;
    loadedFor = key;
    pending = null;
    tracking = null;
    if (!key) return;
    const stored = loadSecret(key);
    if (stored?.tx) {
      pending = { key, stored: { ...stored, tx: stored.tx }, blocksOnTop: 0, mined: false };
      void track(pending);
    }
  };

  /** Follows the deposit block by block up to the watcher's depth, then waits for the link. */
  const track = async (job: Pending) => {
    if (tracking === job.stored.tx) return;
    tracking = job.stored.tx;
    const required = state.chain?.reorg_depth ?? 0;
    while (tracking === job.stored.tx && pending === job) {
      try {
        const depth = await state.house!.depth(state.wallet, job.stored.tx);
        if (depth.reverted) {
          setError('The deposit transaction failed on chain: nothing was deposited. Try again.');
          pending = null;
          break;
        }
        job.blocksOnTop = depth.blocksOnTop;
        job.mined = depth.mined;
        if (depth.mined && depth.blocksOnTop >= required) break;
      } catch (error) {
        console.warn('could not read the deposit depth', error);
      } finally {
        draw();
      }
      await new Promise((resolve) => setTimeout(resolve, DEPTH_POLL_MS));
    }
    if (tracking === job.stored.tx) tracking = null;
    state.awaitingLink = pending === job && !state.account?.bidder;
    void state.refreshAccount();
    draw();
  };

  const join = async () => {
    setError(null);
    const wallet = state.wallet;
    const house = state.house;
    if (!house) return setError(state.chainError ?? 'The chain is not known yet: try again in a moment');
    if (!wallet) return setError('Connect a wallet first');
    if (!state.onHouseChain) return setError(wrongNetwork(state.errorContext));
    if (!platform.value) return setError('This marathon lists no chat channel yet');
    const handle = handleOf(platform.value, login.value);
    const name = handle.slice(platform.value.length + 1);
    if (name === '') return setError('Enter your login on the chat platform');
    if (/\s/.test(name)) return setError('A login has no spaces: type it as the chat shows it');
    let wei: bigint;
    try {
      wei = amountOf(amount);
    } catch (problem) {
      return setError((problem as Error).message);
    }
    const key = secretKey(house.facts.chain_id, house.facts.auction_house, wallet.address);
    const stored: StoredSecret = { handle, secret: makeSecret(), tx: null };
    // Kept before the wallet is asked: a page closed while the wallet sends loses no secret.
    saveSecret(key, stored);
    busy = true;
    draw();
    try {
      const tx = await house.send(wallet, 'deposit', [commitmentOf(handle, stored.secret, wallet.address as Address)], wei);
      saveSecret(key, { ...stored, tx });
      loadedFor = key;
      pending = { key, stored: { ...stored, tx }, blocksOnTop: 0, mined: false };
      state.awaitingLink = true;
      void track(pending);
    } catch (problem) {
      setError(state.words(problem));
    } finally {
      busy = false;
      draw();
    }
  };

  const connect = async (index: number) => {
    setError(null);
    const option = state.availableWallets()[index];
    if (!option) return;
    try {
      await state.session.connect(option);
      showOptions = false;
    } catch (problem) {
      setError(state.words(problem));
    }
    draw();
  };

  const switchChain = async () => {
    const wallet = state.wallet;
    const chain = state.chain;
    if (!wallet || !chain) return;
    setError(null);
    try {
      await switchWalletChain(wallet.option.provider, { chainId: chain.chain_id, name: chain.name, rpcUrl: chain.public_rpc_url, explorerUrl: chain.explorer_url });
    } catch (problem) {
      setError(state.words(problem));
    }
  };

  /** The wallets found in this browser, one button each. */
  const walletOptions = () => {
    const options = state.availableWallets();
    if (options.length === 0) {
      return h('p', { class: 'hint', testid: 'no-wallet' }, 'No browser wallet found here. Install one (a browser extension or a mobile wallet app with a browser), then reload this page.');
    }
    return h(
      'div',
      { class: 'wallet-options' },
      options.map((option, index) =>
        h(
          'button',
          { type: 'button', class: 'secondary wallet-option', testid: `wallet-option-${option.rdns}`, onclick: () => void connect(index) },
          option.icon ? h('img', { src: option.icon, alt: '' }) : null,
          option.name,
        ),
      ),
    );
  };

  const drawConnect = () => {
    const wallet = state.wallet;
    if (!wallet) {
      fill(
        connectArea,
        h('button', { type: 'button', testid: 'connect-wallet', onclick: () => ((showOptions = !showOptions), draw()) }, 'Connect wallet'),
        showOptions ? walletOptions() : null,
      );
      return;
    }
    const ok = state.onHouseChain;
    fill(
      connectArea,
      h(
        'div',
        { class: 'wallet-line' },
        h('span', { class: 'chip mono', testid: 'wallet-address', 'data-address': wallet.address, title: wallet.address }, shortAddress(wallet.address)),
        h('span', { class: 'muted' }, ` ${wallet.option.name}`),
        h('button', { type: 'button', class: 'link', onclick: () => state.session.disconnect() }, 'Disconnect'),
      ),
      h(
        'div',
        { class: `chain-status ${ok ? 'ok' : 'bad'}`, testid: 'chain-status', 'data-ok': String(ok) },
        !state.chain
          ? 'Waiting for the network details…'
          : ok
            ? `On ${state.chain.name}`
            : `Wrong network: your wallet is on chain ${wallet.chainId}, the auction house on ${state.chain.name} (${state.chain.chain_id}).`,
        state.chain && !ok ? h('button', { type: 'button', testid: 'switch-chain', onclick: () => void switchChain() }, `Switch to ${state.chain.name}`) : null,
      ),
    );
  };

  const drawFlow = () => {
    const wallet = state.wallet;
    const account = state.account;
    if (!state.chain) {
      fill(flowArea, h('p', { class: 'muted' }, state.chainError ?? 'Loading the network details…'));
      return;
    }
    if (!wallet) {
      fill(
        flowArea,
        h(
          'ol',
          { class: 'steps' },
          h('li', null, 'Connect your wallet and deposit ETH into the auction house.'),
          h('li', null, 'Type the line this page gives you in the stream chat: it links your chat name to your wallet.'),
          h('li', null, 'Bid in chat with ', h('code', null, '!bid 0.05'), '. Withdraw what you do not spend at any time.'),
        ),
      );
      return;
    }
    if (account?.bidder) {
      state.awaitingLink = false;
      fill(
        flowArea,
        h('p', { class: 'linked', testid: 'link-status', 'data-linked': 'true' }, `Linked as ${account.bidder.handle}`),
        h('p', { class: 'muted' }, `${account.bidder.display_name} can bid in chat with this wallet's escrow. Add more with Top up in My wallet.`),
      );
      return;
    }
    if (pending) {
      const required = state.chain.reorg_depth;
      const done = pending.mined && pending.blocksOnTop >= required;
      const shown = Math.min(pending.blocksOnTop, required);
      const line = `!link ${pending.stored.secret}`;
      const [platformId, loginName] = pending.stored.handle.split(/:(.*)/s);
      const platformName = platforms().find((channel) => channel.platform === platformId)?.platform_name ?? platformId;
      fill(
        flowArea,
        h(
          'div',
          { class: 'progress-block', testid: 'join-progress', 'data-confirmations': shown, 'data-required': required, 'data-done': String(done) },
          h('div', { class: 'progress' }, h('div', { style: `width: ${required === 0 ? (pending.mined ? 100 : 0) : Math.round((shown / required) * 100)}%` })),
          h('span', null, `${shown} of ${required} blocks`),
          h(
            'span',
            { class: 'muted' },
            pending.mined ? (done ? ' · deposit final' : ' · waiting for the deposit to be final') : ' · waiting for the transaction to be included',
            ' · ',
            txLink(pending.stored.tx, state.house?.txUrl(pending.stored.tx) ?? null),
          ),
        ),
        done
          ? h(
              'div',
              { class: 'link-step' },
              h('p', null, `Now type this line in ${platformName} chat, logged in as ${loginName}:`),
              h('div', { class: 'chat-line' }, h('code', { testid: 'link-line' }, line), copyButton(line, 'copy-link-line')),
            )
          : h('p', { class: 'muted' }, 'Your link line appears here once the deposit is final.'),
        h(
          'p',
          { class: 'link-status', testid: 'link-status', 'data-linked': 'false' },
          done ? 'Waiting for your !link in chat…' : 'Not linked yet.',
        ),
        h('button', { type: 'button', class: 'link', onclick: () => ((pending = null), (state.awaitingLink = false), draw()) }, 'Start again with another login'),
      );
      return;
    }
    if (!account) {
      fill(flowArea, h('p', { class: 'muted' }, 'Checking this wallet…'));
      return;
    }
    submit.disabled = busy;
    submit.textContent = busy ? 'Confirm in your wallet…' : 'Deposit and get my link line';
    fill(flowArea, h('p', { class: 'link-status', testid: 'link-status', 'data-linked': 'false' }, 'This wallet is not linked to a chat name yet.'), form);
  };

  const draw = () => {
    loadPending();
    drawPlatforms();
    drawConnect();
    drawFlow();
  };

  state.subscribe(draw);
  draw();
  return h(
    'section',
    { id: 'join', class: 'card' },
    h('h2', null, 'Join'),
    connectArea,
    flowArea,
    error,
    h(
      'p',
      { class: 'note', testid: 'secret-note' },
      'The secret in your link line is made in this browser and kept only in this browser, for this wallet; it is never sent to Gavel. ',
      'It proves nothing to anyone else: it links your chat name only to the wallet that made the deposit, so a copy of it is useless to others.',
    ),
  );
}
