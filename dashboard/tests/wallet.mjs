// A browser wallet for tests: an EIP-1193 provider injected into every page of a Playwright
// browser context and announced by EIP-6963, whose keys and logic live here in Node. The page's
// `provider.request({method, params})` calls a function exposed into the context; this module
// answers it with viem: it signs with a private key and sends to a local chain (anvil), and
// forwards read methods to the chain's RPC. It approves everything a real wallet would prompt
// for, unless told to refuse the next prompt (`rejectNext`), and then fails with EIP-1193's
// error 4001 as real wallets do.
//
//   import { installWallet } from './wallet.mjs';
//   const wallet = await installWallet(context, { privateKey, rpcUrl, chainId: 1 });
//   wallet.rejectNext();              // the next prompt (a transaction, a connection…) is refused
//   wallet.sent, wallet.rejected, wallet.added   // what the page had it do
//
// The wallet starts on `chainId` (default: the RPC's). Any other chain than the RPC's is played
// as an empty chain (no code, no balance, no receipts), as a wallet left on another network
// would show a page; a transaction sent there fails for want of funds.

import { randomUUID } from 'node:crypto';
import { createWalletClient, defineChain, http, isHex, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const ICON =
  'data:image/svg+xml;base64,' +
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2b5cd6"/>' +
      '<path d="M9 22l9-9m-3-4l8 8M7 25h10" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>',
  ).toString('base64');

/** Methods passed to the chain's RPC as they are. */
const READS = new Set([
  'eth_call', 'eth_blockNumber', 'eth_getBalance', 'eth_getCode', 'eth_getStorageAt', 'eth_getTransactionCount',
  'eth_getTransactionReceipt', 'eth_getTransactionByHash', 'eth_getBlockByNumber', 'eth_getBlockByHash', 'eth_getLogs',
  'eth_estimateGas', 'eth_gasPrice', 'eth_maxPriorityFeePerGas', 'eth_feeHistory', 'eth_blobBaseFee', 'eth_syncing',
  'eth_newFilter', 'eth_newBlockFilter', 'eth_getFilterChanges', 'eth_getFilterLogs', 'eth_uninstallFilter', 'web3_clientVersion',
  'eth_getBlockTransactionCountByNumber', 'eth_getBlockTransactionCountByHash', 'eth_getTransactionByBlockNumberAndIndex',
]);

/** What an empty chain answers (another network than the RPC's). */
const EMPTY_CHAIN = {
  eth_blockNumber: '0x1',
  eth_call: '0x',
  eth_getBalance: '0x0',
  eth_getCode: '0x',
  eth_getStorageAt: '0x' + '0'.repeat(64),
  eth_getTransactionCount: '0x0',
  eth_getTransactionReceipt: null,
  eth_getTransactionByHash: null,
  eth_getLogs: [],
  eth_gasPrice: '0x3b9aca00',
  eth_maxPriorityFeePerGas: '0x3b9aca00',
  eth_syncing: false,
};

/** An EIP-1193 error as the page receives it. */
class ProviderError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}
const userRejected = () => new ProviderError(4001, 'User rejected the request.');
const unauthorized = (what) => new ProviderError(4100, `The requested account and/or method has not been authorized by the user: ${what}`);
const unsupported = (method) => new ProviderError(4200, `The wallet does not support the method ${method}.`);
const invalidParams = (what) => new ProviderError(-32602, `Invalid parameters: ${what}`);

/** The provider as the page sees it: runs inside the page, before its scripts. */
function pageProvider(config) {
  const listeners = new Map();
  const call = (payload) => {
    const binding = window[config.binding];
    if (typeof binding !== 'function') return Promise.reject(Object.assign(new Error('The wallet is not reachable.'), { code: 4900 }));
    return binding(payload);
  };
  const provider = {
    isGavelTestWallet: true,
    async request(args) {
      if (!args || typeof args !== 'object' || typeof args.method !== 'string') {
        throw Object.assign(new Error('Invalid request: expected {method, params}'), { code: -32600 });
      }
      const reply = await call({ method: args.method, params: args.params === undefined ? [] : args.params });
      if (reply.error) {
        const error = new Error(reply.error.message);
        error.code = reply.error.code;
        if (reply.error.data !== undefined) error.data = reply.error.data;
        throw error;
      }
      return reply.result;
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  provider.addListener = provider.on;
  provider.off = provider.removeListener;
  provider.once = (event, listener) => {
    const once = (value) => {
      provider.removeListener(event, once);
      listener(value);
    };
    return provider.on(event, once);
  };
  Object.defineProperty(window, config.emit, {
    value: (event, value) => {
      for (const listener of [...(listeners.get(event) ?? [])]) {
        try {
          listener(value);
        } catch (error) {
          console.error(`test wallet: a ${event} listener threw`, error);
        }
      }
    },
  });
  const info = Object.freeze({ uuid: config.uuid, name: config.name, icon: config.icon, rdns: config.rdns });
  const detail = Object.freeze({ info, provider });
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
}

/**
 * Installs a wallet in every page of `context` (existing pages get it on their next load).
 *
 * options: privateKey (0x…), rpcUrl (the chain the wallet sends to), chainId (where it starts;
 * default the RPC's), knowsChain (false: the RPC's chain must be added with
 * wallet_addEthereumChain before a switch succeeds; default true), log (a function for
 * diagnostics; default stderr).
 */
export async function installWallet(context, options) {
  const account = privateKeyToAccount(options.privateKey);
  const address = account.address;
  const log = options.log ?? ((line) => process.stderr.write(`wallet ${address.slice(0, 8)}: ${line}\n`));
  const rpcUrl = options.rpcUrl;
  const tag = randomUUID().replaceAll('-', '');
  const config = {
    binding: `__gavelTestWallet_${tag}`,
    emit: `__gavelTestWalletEmit_${tag}`,
    uuid: randomUUID(),
    name: 'Gavel Test Wallet',
    icon: ICON,
    rdns: 'dev.gavel.testwallet',
  };

  let rpcId = 0;
  /** A raw JSON-RPC call; resolves {result} or {error} as the node answered. */
  async function rpc(method, params) {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = await response.json();
    if (body.error) return { error: { code: body.error.code, message: body.error.message, ...(body.error.data !== undefined ? { data: body.error.data } : {}) } };
    return { result: body.result };
  }
  async function rpcResult(method, params) {
    const answer = await rpc(method, params);
    if (answer.error) throw new ProviderError(answer.error.code, answer.error.message, answer.error.data);
    return answer.result;
  }

  const rpcChainId = Number(await rpcResult('eth_chainId', []));
  const chain = defineChain({
    id: rpcChainId,
    name: 'Local chain',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const walletClient = createWalletClient({ account, chain, transport: http(rpcUrl, { retryCount: 0, timeout: 15_000 }) });

  const state = {
    chainId: options.chainId === undefined ? rpcChainId : Number(options.chainId),
    knowsChain: options.knowsChain ?? true,
    connected: false,
    rejectNext: false,
  };
  const wallet = {
    address,
    rdns: config.rdns,
    /** Transactions sent: {hash, request}. */
    sent: [],
    /** Prompts refused because of rejectNext: {method, params}. */
    rejected: [],
    /** Chains the page asked to add: the params of wallet_addEthereumChain. */
    added: [],
    get chainId() {
      return state.chainId;
    },
    get connected() {
      return state.connected;
    },
    /** The user will refuse the next prompt. */
    rejectNext() {
      state.rejectNext = true;
    },
  };

  /** Sends an event to the provider's listeners in every page of the context. */
  async function emit(event, value) {
    await Promise.all(
      context.pages().map((page) =>
        Promise.race([
          page.evaluate(([name, e, v]) => window[name]?.(e, v), [config.emit, event, value]),
          new Promise((resolve) => setTimeout(resolve, 2_000)),
        ]).catch(() => {}),
      ),
    );
  }

  /** Whether the user refuses this prompt (consumes the armed refusal). */
  function refuses(method, params) {
    if (!state.rejectNext) return false;
    state.rejectNext = false;
    wallet.rejected.push({ method, params });
    log(`refused ${method} (rejectNext)`);
    return true;
  }

  const onRpcChain = () => state.chainId === rpcChainId;
  const isMine = (value) => typeof value === 'string' && value.toLowerCase() === address.toLowerCase();
  const bigOrUndefined = (value) => (value === undefined || value === null ? undefined : BigInt(value));

  async function sendTransaction(params) {
    const tx = Array.isArray(params) ? params[0] : undefined;
    if (!tx || typeof tx !== 'object') throw invalidParams('eth_sendTransaction takes [{from, to, data, value, …}]');
    if (!state.connected) throw unauthorized('connect first (eth_requestAccounts)');
    if (tx.from !== undefined && !isMine(tx.from)) throw unauthorized(`from ${tx.from} is not this wallet's account`);
    if (tx.chainId !== undefined && Number(tx.chainId) !== state.chainId) {
      throw invalidParams(`chainId ${tx.chainId} does not match the wallet's current chain ${toHex(state.chainId)}`);
    }
    if (refuses('eth_sendTransaction', params)) throw userRejected();
    if (!onRpcChain()) {
      log(`the page sent a transaction while the wallet is on chain ${state.chainId}, not ${rpcChainId}`);
      throw new ProviderError(-32000, 'insufficient funds for gas * price + value: have 0 want ' + BigInt(tx.value ?? 0).toString());
    }
    const call = { from: address, to: tx.to, data: tx.data ?? tx.input, value: tx.value ?? '0x0' };
    let gas = bigOrUndefined(tx.gas ?? tx.gasLimit);
    if (gas === undefined) {
      // As wallets do, estimate first; a revert reaches the page as the node reported it.
      const estimate = await rpc('eth_estimateGas', [call]);
      if (estimate.error) throw new ProviderError(estimate.error.code, estimate.error.message, estimate.error.data);
      gas = (BigInt(estimate.result) * 12n) / 10n;
    }
    const hash = await walletClient.sendTransaction({
      account,
      chain,
      to: tx.to ?? null,
      data: call.data,
      value: BigInt(call.value),
      gas,
      ...(tx.maxFeePerGas ? { maxFeePerGas: BigInt(tx.maxFeePerGas) } : {}),
      ...(tx.maxPriorityFeePerGas ? { maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas) } : {}),
      ...(tx.nonce !== undefined ? { nonce: Number(tx.nonce) } : {}),
    }).catch((error) => {
      const cause = typeof error.walk === 'function' ? error.walk((e) => typeof e?.code === 'number') : null;
      throw new ProviderError(cause?.code ?? -32603, cause?.details ?? error.shortMessage ?? error.message, cause?.data);
    });
    wallet.sent.push({ hash, request: tx });
    log(`sent ${hash} to ${tx.to} (value ${BigInt(call.value)} wei)`);
    return hash;
  }

  async function handle(method, params) {
    switch (method) {
      case 'eth_chainId':
        return toHex(state.chainId);
      case 'net_version':
        return String(state.chainId);
      case 'eth_accounts':
        return state.connected ? [address] : [];
      case 'eth_coinbase':
        return state.connected ? address : null;
      case 'eth_requestAccounts':
      case 'wallet_requestPermissions': {
        if (!state.connected) {
          if (refuses(method, params)) throw userRejected();
          state.connected = true;
          log('connected');
          setTimeout(() => void emit('accountsChanged', [address]), 0);
        }
        return method === 'eth_requestAccounts' ? [address] : [{ parentCapability: 'eth_accounts', caveats: [] }];
      }
      case 'wallet_getPermissions':
        return state.connected ? [{ parentCapability: 'eth_accounts', caveats: [] }] : [];
      case 'wallet_revokePermissions':
        if (state.connected) {
          state.connected = false;
          setTimeout(() => void emit('accountsChanged', []), 0);
        }
        return null;
      case 'wallet_switchEthereumChain': {
        const wanted = params?.[0]?.chainId;
        if (typeof wanted !== 'string' || !isHex(wanted)) throw invalidParams('wallet_switchEthereumChain takes [{chainId: "0x…"}]');
        if (Number(wanted) === state.chainId) return null;
        if (Number(wanted) !== rpcChainId || !state.knowsChain) {
          throw new ProviderError(4902, `Unrecognized chain ID "${wanted}". Try adding the chain using wallet_addEthereumChain first.`);
        }
        if (refuses(method, params)) throw userRejected();
        state.chainId = rpcChainId;
        log(`switched to chain ${rpcChainId}`);
        await emit('chainChanged', toHex(rpcChainId));
        return null;
      }
      case 'wallet_addEthereumChain': {
        const spec = params?.[0];
        if (!spec || typeof spec.chainId !== 'string' || !isHex(spec.chainId)) throw invalidParams('wallet_addEthereumChain takes [{chainId: "0x…", chainName, rpcUrls, nativeCurrency}]');
        if (!Array.isArray(spec.rpcUrls) || spec.rpcUrls.length === 0) throw invalidParams('rpcUrls must name at least one URL');
        if (Number(spec.chainId) !== rpcChainId) {
          throw new ProviderError(-32603, `This test wallet can only add the chain it was started with (${toHex(rpcChainId)}), not ${spec.chainId}.`);
        }
        if (refuses(method, params)) throw userRejected();
        wallet.added.push(spec);
        state.knowsChain = true;
        // As MetaMask does, adding a chain offers to switch to it, which the user accepts.
        if (state.chainId !== rpcChainId) {
          state.chainId = rpcChainId;
          log(`added and switched to chain ${rpcChainId}`);
          await emit('chainChanged', toHex(rpcChainId));
        }
        return null;
      }
      case 'eth_sendTransaction':
        return sendTransaction(params);
      default:
        if (READS.has(method)) {
          if (!onRpcChain()) {
            if (method in EMPTY_CHAIN) return EMPTY_CHAIN[method];
            if (method === 'eth_estimateGas') throw new ProviderError(-32000, 'insufficient funds for gas * price + value');
            throw new ProviderError(-32603, `test wallet: chain ${state.chainId} is played as an empty chain and cannot answer ${method}`);
          }
          const answer = await rpc(method, Array.isArray(params) ? params : []);
          if (answer.error) throw new ProviderError(answer.error.code, answer.error.message, answer.error.data);
          return answer.result;
        }
        throw unsupported(method);
    }
  }

  await context.exposeFunction(config.binding, async ({ method, params }) => {
    try {
      return { result: (await handle(method, params)) ?? null };
    } catch (error) {
      if (error instanceof ProviderError) return { error: { code: error.code, message: error.message, data: error.data } };
      log(`${method} failed: ${error.stack ?? error}`);
      return { error: { code: -32603, message: `Internal error: ${error.message}` } };
    }
  });
  await context.addInitScript(pageProvider, config);
  log(`installed (${config.name}, chain ${state.chainId}, RPC chain ${rpcChainId})`);
  return wallet;
}
