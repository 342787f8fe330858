#!/usr/bin/env node
// A development aid, not Gavel: runs tests/viewer.mjs against a stand-in for Gavel's public API
// backed by a real anvil, playing the Rust test's side of the line protocol, so that the journey
// and the viewer page can be tried without the Rust services. Build dashboard/dist first
// (`npm run build:dashboard`).
//
//   node dashboard/tests/viewer-mock.mjs [--screenshots DIR]   run the journey
//   node dashboard/tests/viewer-mock.mjs --serve               only serve, for trying the page by hand
//   GAVEL_VIEWER_MOCK_FLAW=copy-links …                       a copied commitment links (the journey must fail)
//
// What it stands in for, crudely: the public API of /work/spec/viewer-spec.md (chain, marathon,
// live, the lot's SSE, bid log, wallets), the chain watcher (credits deposits and withdrawals at
// the reorg-safe depth), `!link` (binds only a wallet whose own deposit carries
// keccak256(abi.encode(handle, secret, wallet))), `!bid`, and settlement (settleLot with the bid
// log's hash chain). Token URIs are ipfs://meta/{n}.json, served under /ipfs/ as by a gateway
// (chain facts carry ipfs_gateway).

import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createPublicClient, createWalletClient, defineChain, encodeAbiParameters, formatEther, getAddress, http, keccak256, parseEther, parseEventLogs } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { linkCommitment, minimumNextBid } from './gavel-rules.mjs';
import { runDriver } from './line-protocol.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dashboard/dist');
const DRIVER = fileURLToPath(new URL('./viewer.mjs', import.meta.url));
const ANVIL = join(ROOT, 'node_modules/.bin/anvil');
const HOUSE = JSON.parse(readFileSync(join(ROOT, 'contracts/artifacts/AuctionHouse.json'), 'utf8'));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };
const CHAIN_ID = 11011;
const DEPTH = 3;
const WITHDRAWAL_DELAY = 3600;
// anvil's well-known accounts 0 (operator), 1 (viewer A) and 2 (copier B).
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
];
const log = (line) => process.stderr.write(`viewer-mock: ${line}\n`);
const iso = (ms) => new Date(ms).toISOString();

async function freePort() {
  const server = createNetServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startAnvil() {
  const port = await freePort();
  const child = spawn(ANVIL, ['--port', String(port), '--chain-id', String(CHAIN_ID), '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(rpcUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
      if (response.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('anvil did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, rpcUrl };
}

export async function createViewerMock() {
  const anvil = await startAnvil();
  const chain = defineChain({ id: CHAIN_ID, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } });
  const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 100 });
  const operator = createWalletClient({ account: privateKeyToAccount(KEYS[0]), chain, transport: http(anvil.rpcUrl) });
  const operatorAddress = operator.account.address;
  const deployHash = await operator.deployContract({ abi: HOUSE.abi, bytecode: HOUSE.bytecode.object, args: [operatorAddress, operatorAddress, operatorAddress, BigInt(WITHDRAWAL_DELAY), 'Gavel Marathon', 'GVL'] });
  const house = getAddress((await client.waitForTransactionReceipt({ hash: deployHash })).contractAddress);
  const nft = await client.readContract({ address: house, abi: HOUSE.abi, functionName: 'nft' });
  log(`anvil ${anvil.rpcUrl}, house ${house}, NFT ${nft}`);

  const server = createServer((req, res) => handle(req, res).catch((error) => json(res, 500, { error: 'internal', message: String(error) })));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;

  const now = Date.now();
  const rules = { reserve_wei: parseEther('0.01').toString(), increment_bps: 500, min_increment_wei: parseEther('0.001').toString(), anti_snipe_window_secs: 30, anti_snipe_extension_secs: 30 };
  const marathon = { id: 1, name: 'Winter marathon', time_zone: 'Europe/Paris', first_day: iso(now - 86_400_000).slice(0, 10), days: 30 };
  const lot = (id, day, state, startsAt, endsAt) => ({
    id, day_index: day, token_id: id, token_uri: `ipfs://meta/${id}.json`, image_url: `${base}/ipfs/img/${id}.svg`, state,
    starts_at: iso(startsAt), ends_at: iso(endsAt), extensions_used: 0, high: null, buyer: null, settle_tx: null,
  });
  const lots = [lot(2, 1, 'ACTIVE', now - 60_000, now + 3_600_000), lot(3, 2, 'PENDING', now + 86_400_000, now + 90_000_000)];
  const bidders = {
    alice: { id: 'twitch:1001', handle: 'twitch:alice', display_name: 'Alice', wallet: null },
    mallory: { id: 'twitch:1002', handle: 'twitch:mallory', display_name: 'Mallory', wallet: null },
  };
  /** Credited state per wallet (lower-case address). */
  const wallets = new Map();
  const walletOf = (address) => {
    const key = address.toLowerCase();
    if (!wallets.has(key)) wallets.set(key, { escrow: 0n, pending: 0n, deposits: [] });
    return wallets.get(key);
  };
  const bidLog = new Map(lots.map((l) => [l.id, []]));
  const high = new Map();
  const events = [];
  const clients = new Set();
  const replies = [];

  for (const l of lots) {
    const hash = await operator.writeContract({ address: house, abi: HOUSE.abi, functionName: 'openLot', args: [BigInt(l.token_id), l.token_uri] });
    await client.waitForTransactionReceipt({ hash });
  }

  // The watcher: logs at the reorg-safe depth (a block with `DEPTH` confirmations, itself included).
  let scanned = await client.getBlockNumber();
  const watcher = setInterval(async () => {
    try {
      const head = await client.getBlockNumber();
      const safe = head - BigInt(DEPTH) + 1n;
      if (safe <= scanned) return;
      const logs = await client.getLogs({ address: house, fromBlock: scanned + 1n, toBlock: safe });
      scanned = safe;
      for (const entry of parseEventLogs({ abi: HOUSE.abi, logs })) {
        const w = entry.args.wallet && walletOf(entry.args.wallet);
        if (entry.eventName === 'Deposited') {
          w.escrow += entry.args.amount;
          w.deposits.push({ tx_hash: entry.transactionHash, block_number: Number(entry.blockNumber), amount_wei: entry.args.amount.toString(), commitment: entry.args.commitment });
          log(`credited ${formatEther(entry.args.amount)} ETH to ${entry.args.wallet}`);
        } else if (entry.eventName === 'WithdrawalRequested') w.pending = entry.args.amount;
        else if (entry.eventName === 'Withdrawn') {
          w.escrow -= entry.args.paid;
          w.pending = 0n;
        } else if (entry.eventName === 'LotSettled') walletOf(entry.args.winner).escrow -= entry.args.amount;
      }
    } catch (error) {
      log(`watcher: ${error.message.split('\n')[0]}`);
    }
  }, 250);

  function emit(type, payload) {
    const envelope = { id: crypto.randomUUID(), seq: events.length + 1, occurred_at: iso(Date.now()), type, payload };
    events.push(envelope);
    for (const c of clients) if (c.lot === payload.lot_id) c.res.write(`id: ${envelope.seq}\nevent: ${envelope.type}\ndata: ${JSON.stringify(envelope)}\n\n`);
  }

  const bidderByWallet = (address) => Object.values(bidders).find((b) => b.wallet === address.toLowerCase()) ?? null;
  const committed = (address) => {
    const b = bidderByWallet(address);
    if (!b) return 0n;
    let sum = 0n;
    for (const l of lots) if (l.state !== 'COMPLETED' && l.state !== 'CANCELLED' && high.get(l.id)?.bidder === b.id) sum += BigInt(high.get(l.id).amount);
    return sum;
  };

  /** A chat line from `login`, as chat-ingest and the engine would take it. */
  function chat(login, text) {
    const bidder = bidders[login.toLowerCase()];
    if (!bidder) return replies.push(`@${login} unknown viewer`);
    const [command, arg] = text.trim().split(/\s+/);
    if (command === '!link') {
      if (bidder.wallet) return replies.push(`@${login} already linked`);
      for (const [address, w] of wallets) {
        const expected = linkCommitment(bidder.handle, arg, address);
        if (w.deposits.some((d) => d.commitment === expected) && !bidderByWallet(address)) {
          bidder.wallet = address;
          log(`linked ${bidder.handle} to ${address}`);
          return replies.push(`@${login} linked to ${address}`);
        }
      }
      if (process.env.GAVEL_VIEWER_MOCK_FLAW === 'copy-links') {
        // A deliberate flaw, to see the journey catch it: the commitment copied by another wallet binds.
        for (const [address, w] of wallets) {
          const anyone = [...wallets.keys()].map((other) => linkCommitment(bidders.alice.handle, arg, other));
          if (!bidderByWallet(address) && w.deposits.some((d) => anyone.includes(d.commitment))) {
            bidder.wallet = address;
            return replies.push(`@${login} linked to ${address}`);
          }
        }
      }
      log(`!link from ${bidder.handle} bound nothing`);
      return replies.push(`@${login} no deposit carries that secret for your wallet`);
    }
    if (command === '!bid') {
      const target = lots.find((l) => l.state === 'ACTIVE');
      if (!target || !bidder.wallet) return replies.push(`@${login} cannot bid`);
      const amount = parseEther(arg);
      const current = high.get(target.id);
      const w = walletOf(bidder.wallet);
      if (amount < minimumNextBid(rules, current?.amount) || amount > w.escrow - w.pending - committed(bidder.wallet)) return replies.push(`@${login} refused`);
      const receivedAt = Date.now();
      const entries = bidLog.get(target.id);
      entries.push({ position: entries.length + 1, kind: 1, bid_id: 100 + entries.length, bidder: bidder.id, wallet: bidder.wallet, amount_wei: amount.toString(), by_proxy: false, received_at: iso(receivedAt), received_at_ms: receivedAt, voided: false });
      high.set(target.id, { bidder: bidder.id, name: bidder.display_name, amount: amount.toString() });
      target.high = { name: bidder.display_name, amount_wei: amount.toString() };
      emit('bid.accepted', { lot_id: target.id, bid_id: 100 + entries.length - 1, bidder: bidder.id, max_bid: false, amount: amount.toString(), high_bidder: bidder.id, high_amount: amount.toString(), outbid: current && current.bidder !== bidder.id ? current.bidder : null, ends_at: target.ends_at, received_at: iso(receivedAt) });
      return replies.push(`@${login} accepted`);
    }
    return replies.push(`@${login} ?`);
  }

  const headOf = (lotId) =>
    bidLog.get(lotId).reduce(
      (previous, e) =>
        keccak256(
          encodeAbiParameters(
            [{ type: 'bytes32' }, { type: 'uint8' }, { type: 'string' }, { type: 'address' }, { type: 'uint256' }, { type: 'uint64' }],
            [previous, e.kind, e.bidder, getAddress(e.wallet), BigInt(e.amount_wei), BigInt(e.received_at_ms)],
          ),
        ),
      keccak256(encodeAbiParameters([{ type: 'uint256' }], [BigInt(lotId)])),
    );

  /** Ends the active lot and settles it on chain to its high bidder. */
  async function settle(lotId) {
    const target = lots.find((l) => l.id === lotId);
    const winner = high.get(lotId);
    target.state = 'PROCESSING';
    target.ends_at = iso(Date.now());
    emit('lot.processing', { lot_id: lotId, marathon_id: 1, ends_at: target.ends_at });
    const wallet = Object.values(bidders).find((b) => b.id === winner.bidder).wallet;
    const head = headOf(lotId);
    emit('lot.closed', { lot_id: lotId, marathon_id: 1, winner: winner.bidder, amount: winner.amount, bid_log_head: head });
    const hash = await operator.writeContract({ address: house, abi: HOUSE.abi, functionName: 'settleLot', args: [BigInt(target.token_id), getAddress(wallet), BigInt(winner.amount), head] });
    await client.waitForTransactionReceipt({ hash });
    await client.request({ method: 'anvil_mine', params: ['0x' + DEPTH.toString(16)] });
    target.state = 'COMPLETED';
    target.buyer = wallet;
    target.settle_tx = hash;
    emit('lot.completed', { lot_id: lotId, marathon_id: 1, tx_hash: hash, buyer: wallet, amount: winner.amount });
    log(`settled lot ${lotId} to ${wallet} (${hash})`);
  }

  const walletLot = (l, amount) => ({ lot_id: l.id, marathon_id: 1, token_id: l.token_id, state: l.state, amount_wei: amount, settle_tx: l.settle_tx });
  function publicWallet(address) {
    const w = walletOf(address);
    const b = bidderByWallet(address);
    const leads = b ? lots.filter((l) => !['COMPLETED', 'CANCELLED'].includes(l.state) && high.get(l.id)?.bidder === b.id && l.state !== 'PROCESSING') : [];
    const won = b ? lots.filter((l) => ['PROCESSING', 'COMPLETED'].includes(l.state) && high.get(l.id)?.bidder === b.id) : [];
    const locked = committed(address);
    const power = w.escrow - w.pending - locked;
    return {
      wallet: address.toLowerCase(), bidder: b ? { id: b.id, handle: b.handle, display_name: b.display_name } : null,
      escrow_wei: w.escrow.toString(), pending_withdrawal_wei: w.pending.toString(), committed_wei: locked.toString(), power_wei: (power > 0n ? power : 0n).toString(),
      leads: leads.map((l) => walletLot(l, high.get(l.id).amount)), won: won.map((l) => walletLot(l, high.get(l.id).amount)),
      deposits: w.deposits.map(({ commitment, ...d }) => d),
    };
  }

  function liveLot() {
    const order = { ACTIVE: 0, PROCESSING: 1, PENDING: 2 };
    const current = lots.filter((l) => l.state in order).sort((a, b) => order[a.state] - order[b.state])[0];
    if (!current) return null;
    const h = high.get(current.id);
    const bid = h ? { bidder: h.bidder, name: h.name, amount_wei: h.amount, amount_eth: formatEther(BigInt(h.amount)) } : null;
    return { id: current.id, marathon_id: 1, title: `Day ${current.day_index + 1}`, image_url: current.image_url, state: current.state, starts_at: current.starts_at, ends_at: current.ends_at, extensions_used: 0, high: bid, top: bid ? [bid] : [], participants: bid ? 1 : 0 };
  }

  function json(res, status, body) {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  }
  function serveFile(res, path) {
    if (!existsSync(path) || !statSync(path).isFile()) return json(res, 404, { error: 'not_found', message: `no file ${path}` });
    res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  }

  async function handle(req, res) {
    const url = new URL(req.url, base);
    const path = url.pathname;
    if (req.method !== 'GET') return json(res, 405, { error: 'method_not_allowed', message: 'the mock serves GET only' });
    if (/^\/m\/\d+\/?$/.test(path)) return serveFile(res, join(DIST, 'viewer.html'));
    if (path.startsWith('/assets/')) return serveFile(res, join(DIST, normalize(path).replace(/^(\.\.[/\\])+/, '')));
    // An IPFS gateway's stand-in: ipfs://meta/{n}.json is token n's metadata, ipfs://img/{n}.svg its image.
    let m = /^\/ipfs\/(meta|img)\/(\d+)\.(json|svg)$/.exec(path);
    if (m) {
      const l = lots.find((x) => x.token_id === Number(m[2]));
      if (!l) return json(res, 404, { error: 'not_found' });
      if (m[3] === 'json') return json(res, 200, { name: `Winter marathon — Day ${l.day_index + 1}`, description: 'A day of the marathon', image: `ipfs://img/${l.token_id}.svg` });
      res.writeHead(200, { 'Content-Type': 'image/svg+xml' });
      return res.end(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400" fill="#2b5cd6"/><text x="200" y="230" font-size="100" text-anchor="middle" fill="#fff" font-family="sans-serif">Day ${l.day_index + 1}</text></svg>`);
    }
    if (path === '/api/public/chain') {
      return json(res, 200, { chain_id: CHAIN_ID, name: 'Anvil (local)', auction_house: house.toLowerCase(), explorer_url: null, public_rpc_url: anvil.rpcUrl, reorg_depth: DEPTH, ipfs_gateway: `${base}/ipfs/` });
    }
    m = /^\/api\/public\/marathons\/(\d+)$/.exec(path);
    if (m) {
      if (Number(m[1]) !== 1) return json(res, 404, { error: 'not_found', message: 'marathon not found' });
      const after = Number(url.searchParams.get('after_day') ?? -1);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 50), 100);
      const page = lots.filter((l) => l.day_index > after).slice(0, limit);
      const more = lots.filter((l) => l.day_index > after).length > limit;
      return json(res, 200, {
        ...marathon, rules, channels: [{ platform: 'twitch', channel: 'gavel_demo', platform_name: 'Twitch', login_hint: 'your Twitch login, as in the chat' }],
        public_url: `${base}/m/1`, show_join_qr: true, lots: page, next_after_day: more ? page.at(-1).day_index : null,
      });
    }
    m = /^\/api\/public\/marathons\/(\d+)\/live$/.exec(path);
    if (m) return json(res, 200, { marathon_id: 1, marathon_name: marathon.name, lot: liveLot(), server_time: iso(Date.now()), rules, public_url: `${base}/m/1`, show_join_qr: true });
    m = /^\/api\/public\/lots\/(\d+)\/events$/.exec(path);
    if (m) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      const c = { res, lot: Number(m[1]) };
      clients.add(c);
      req.on('close', () => clients.delete(c));
      return;
    }
    m = /^\/api\/public\/lots\/(\d+)\/bid-log$/.exec(path);
    if (m) {
      const l = lots.find((x) => x.id === Number(m[1]));
      if (!l) return json(res, 404, { error: 'not_found', message: 'lot not found' });
      return json(res, 200, { lot_id: l.id, state: l.state, entries: bidLog.get(l.id) });
    }
    m = /^\/api\/public\/wallets\/([^/]+)$/.exec(path);
    if (m) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(m[1])) return json(res, 400, { error: 'invalid_field', message: 'not an address' });
      return json(res, 200, publicWallet(m[1]));
    }
    return json(res, 404, { error: 'not_found', message: 'route not found' });
  }

  return {
    base, rpcUrl: anvil.rpcUrl, house, chat, settle, replies,
    async stop() {
      clearInterval(watcher);
      for (const c of clients) c.res.end();
      server.closeAllConnections();
      server.close();
      anvil.child.kill();
    },
  };
}

async function run(args) {
  const dirIndex = args.indexOf('--screenshots');
  const screenshots = dirIndex >= 0 ? args[dirIndex + 1] : mkdtempSync(join(tmpdir(), 'gavel-viewer-'));
  if (!existsSync(join(DIST, 'viewer.html'))) {
    log('dashboard/dist/viewer.html is missing: run npm run build:dashboard');
    return 1;
  }
  const mock = await createViewerMock();
  const LOT = 2;
  const driverArgs = ['--base-url', mock.base, '--marathon', '1', '--lot', String(LOT), '--rpc-url', mock.rpcUrl, '--key-a', KEYS[1], '--key-b', KEYS[2], '--login', 'alice', '--copier-login', 'mallory', '--screenshots', screenshots, '--ipfs-gateway', `${mock.base}/ipfs/`, '--timeout', '300'];
  const { passed, code, seconds } = await runDriver(DRIVER, driverArgs, {
    onStep: async (words) => {
      const say = /^say (\S+) (.*)$/.exec(words);
      if (say) mock.chat(say[1], say[2]);
      else if (words === 'wait-settled') await mock.settle(LOT);
      else throw new Error(`unknown step ${words}`);
    },
  });
  await mock.stop();
  console.log(`${passed ? 'passed' : 'FAILED'} in ${seconds} s (exit ${code}); screenshots in ${screenshots}`);
  return passed ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--serve')) {
    const mock = await createViewerMock();
    console.log(`viewer page on ${mock.base}/m/1, anvil ${mock.rpcUrl} (chain ${CHAIN_ID}); keys: A ${KEYS[1]}, B ${KEYS[2]}`);
    console.log('type "say <login> <text>" or "settle" on stdin');
    for await (const line of createInterface({ input: process.stdin })) {
      const m = /^say (\S+) (.*)$/.exec(line.trim());
      if (m) mock.chat(m[1], m[2]);
      else if (line.trim() === 'settle') await mock.settle(2).catch((error) => log(error.message));
      console.log(mock.replies.at(-1) ?? '');
    }
  } else process.exit(await run(args));
}
