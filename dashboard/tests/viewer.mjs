#!/usr/bin/env node
// The viewer's journey on the public marathon page (/m/{marathon}), in headless Chromium with an
// EIP-6963 test wallet (tests/wallet.mjs) that signs with test keys against a real anvil. Driven
// by a Rust test (cli/tests/system/viewer.rs) or by tests/viewer-mock.mjs.
//
//   node dashboard/tests/viewer.mjs --base-url http://127.0.0.1:PORT --marathon N --lot N
//        --rpc-url http://127.0.0.1:8545 --key-a 0x… --key-b 0x… --login alice --copier-login mallory
//        [--screenshots DIR] [--timeout SECS] [--platform twitch] [--ipfs-gateway http://HOST/ipfs/]
//        [--time-zone Asia/Tokyo]
//
// `--lot` is the lot the viewer (wallet A, chat login `--login`) wins; it must be open for bids
// when the journey reaches `say <login> !bid 0.02`. Wallet B is the copier (`--copier-login`).
//
// The line protocol of tests/line-protocol.mjs: `STEP <name> [args…]` when the other side must
// act, then a line `GO` on stdin; `PASS` (exit 0) or `FAIL <reason>` (exit 1) last. STEPs:
//   say <login> <text…>   type <text> in the marathon's chat as <login>; GO once Gavel has taken it
//                         (for a `!link`, once it has replied or linked)
//   wait-settled          GO once lot `--lot` is settled on chain (LotSettled) and COMPLETED
// Diagnostics and the page's console go to stderr. Every wait is bounded; the whole run takes at
// most --timeout seconds (default 300); the browser is always closed.
//
// The driver mines anvil blocks itself (anvil_mine) to reach the reorg-safe depth, and advances
// anvil's clock (evm_increaseTime) and the page's (Playwright's clock) past the withdrawal delay.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, decodeFunctionData, defineChain, formatEther, getAddress, http, parseEther, parseEventLogs, toHex, zeroHash } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { withChromium } from './chromium.mjs';
import { linkCommitment, minimumNextBid } from './gavel-rules.mjs';
import { concludeDriver, Failure, flagName, parseFlags, step as stepOf } from './line-protocol.mjs';
import { installWallet } from './wallet.mjs';

/** How long a page may take to show what a step expects. */
const EXPECT_MS = 10_000;
/** How long for what depends on Gavel's polling of the chain or of its API (links, credits, wins). */
const SLOW_MS = 45_000;
/** How long the other side may take to act on a STEP (a settlement waits for the lot's end). */
const GO_TIMEOUT_MS = 170_000;
const ARTIFACTS = new URL('../../contracts/artifacts/', import.meta.url);
const HOUSE_ABI = JSON.parse(readFileSync(new URL('AuctionHouse.json', ARTIFACTS), 'utf8')).abi;
const NFT_ABI = JSON.parse(readFileSync(new URL('MarathonNFT.json', ARTIFACTS), 'utf8')).abi;
const SECRET = /^[abcdefghjkmnpqrstuvwxyz23456789]{26}$/;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

function parseArgs(argv) {
  const options = parseFlags(argv);
  for (const name of ['baseUrl', 'marathon', 'lot', 'rpcUrl', 'keyA', 'keyB', 'login', 'copierLogin']) {
    if (!options[name]) throw new Failure(`${flagName(name)} is required`);
  }
  options.baseUrl = options.baseUrl.replace(/\/+$/, '');
  options.platform ??= 'twitch';
  options.login = options.login.toLowerCase();
  options.copierLogin = options.copierLogin.toLowerCase();
  options.timeZone ??= 'Asia/Tokyo';
  options.timeout = Number(options.timeout ?? 300);
  if (options.screenshots) mkdirSync(options.screenshots, { recursive: true });
  return options;
}

const startedAt = Date.now();
const note = (line) => process.stderr.write(`viewer.mjs +${((Date.now() - startedAt) / 1000).toFixed(1)}s: ${line}\n`);

/** Asks the other side to act and waits for its `GO`. */
async function step(...words) {
  note(`STEP ${words.join(' ')}`);
  await stepOf(GO_TIMEOUT_MS, ...words);
}

// --- waiting -----------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns { ok: true, value } (or a truthy non-object); fails with
 * `what` and the last thing seen. `probe` may return { ok: false, seen } to say what it saw.
 */
async function until(what, probe, timeoutMs = EXPECT_MS, intervalMs = 150) {
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing';
  for (;;) {
    try {
      const outcome = await probe();
      if (outcome && typeof outcome === 'object' && 'ok' in outcome) {
        if (outcome.ok) return 'value' in outcome ? outcome.value : true;
        seen = outcome.seen ?? seen;
      } else if (outcome) return outcome;
    } catch (error) {
      if (error instanceof Failure) throw error;
      seen = `error: ${error.message.split('\n')[0]}`;
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  throw new Failure(`${what}: not so after ${timeoutMs / 1000} s (last seen: ${typeof seen === 'string' ? seen : JSON.stringify(seen)})`);
}

// --- page helpers ------------------------------------------------------------------------

const sel = (id) => `[data-testid="${id}"]`;
const byTestId = (page, id) => page.locator(sel(id)).first();

/** {present, visible, text, attrs} of an element, without waiting. */
async function inspect(page, id, attributes = []) {
  return page.evaluate(
    ([selector, attributes]) => {
      const element = document.querySelector(selector);
      if (!element) return { present: false };
      const style = getComputedStyle(element);
      const box = element.getBoundingClientRect();
      const visible = style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0 && box.height > 0;
      const attrs = Object.fromEntries(attributes.map((name) => [name, element.getAttribute(name)]));
      const text = (element instanceof HTMLInputElement || element instanceof HTMLSelectElement ? element.value : element.innerText ?? element.textContent ?? '').trim();
      return { present: true, visible, text, attrs, disabled: Boolean(element.disabled) || element.getAttribute('aria-disabled') === 'true' };
    },
    [sel(id), attributes],
  );
}

const describe = (seen) => (seen.present ? `${seen.visible ? '' : '(hidden) '}${JSON.stringify(seen.text)}${Object.keys(seen.attrs ?? {}).length ? ' ' + JSON.stringify(seen.attrs) : ''}` : 'absent');

/** Waits for the element to be visible and `test(text, attrs)` to hold. */
async function expectEl(page, id, what, test = () => true, attributes = [], timeoutMs = EXPECT_MS) {
  return until(
    `${what} ([data-testid=${id}])`,
    async () => {
      const seen = await inspect(page, id, attributes);
      if (seen.present && seen.visible && test(seen.text, seen.attrs ?? {})) return { ok: true, value: seen };
      return { ok: false, seen: describe(seen) };
    },
    timeoutMs,
  );
}

const expectText = (page, id, what, test, timeoutMs) => expectEl(page, id, what, (text) => test(text), [], timeoutMs).then((seen) => seen.text);
const expectAttr = (page, id, name, expected, what, timeoutMs) =>
  expectEl(page, id, what, (_, attrs) => (typeof expected === 'function' ? expected(attrs[name]) : attrs[name] === String(expected)), [name], timeoutMs).then(
    (seen) => seen.attrs[name],
  );

async function click(page, id, what) {
  try {
    const target = byTestId(page, id);
    await target.scrollIntoViewIfNeeded({ timeout: EXPECT_MS });
    await target.click({ timeout: EXPECT_MS });
  } catch (error) {
    const seen = await inspect(page, id).catch(() => ({ present: false }));
    throw new Failure(`${what}: could not click [data-testid=${id}] within ${EXPECT_MS / 1000} s (${describe(seen)}${seen.disabled ? ', disabled' : ''}): ${error.message.split('\n')[0]}`);
  }
}

async function fillIn(page, id, value, what) {
  try {
    await byTestId(page, id).fill(value, { timeout: EXPECT_MS });
  } catch (error) {
    throw new Failure(`${what}: could not fill [data-testid=${id}] with ${JSON.stringify(value)}: ${error.message.split('\n')[0]}`);
  }
}

async function open(page, url, what) {
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: EXPECT_MS * 2 });
  } catch (error) {
    throw new Failure(`${what}: could not load ${url}: ${error.message.split('\n')[0]}`);
  }
}

async function shoot(page, options, name, scrollTo) {
  if (!options.screenshots) return;
  if (scrollTo) await page.locator(scrollTo).first().evaluate((element) => element.scrollIntoView({ block: 'start' })).catch(() => {});
  else await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  const path = join(options.screenshots, name);
  await page.screenshot({ path, animations: 'disabled' });
  note(`screenshot saved to ${path}`);
}

function watchConsole(page, label) {
  page.on('console', (message) => note(`[${label}] console.${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => note(`[${label}] page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    if (!/ERR_ABORTED/.test(failure)) note(`[${label}] request failed: ${request.method()} ${request.url()} ${failure}`);
  });
}

/** An error text that names a refusal: visible and not empty. */
async function expectRefusal(page, submitId, errorId, pattern, what, wallet) {
  const sentBefore = wallet.sent.length;
  const seen = await inspect(page, submitId);
  if (!seen.present) throw new Failure(`${what}: no [data-testid=${submitId}]`);
  if (seen.disabled) note(`${what}: ${submitId} is disabled; reading ${errorId} as the refusal`);
  else await click(page, submitId, what);
  const text = await expectText(page, errorId, what, (t) => (typeof pattern === 'function' ? pattern(t) : pattern.test(t)));
  if (wallet.sent.length !== sentBefore) throw new Failure(`${what}: the page sent a transaction (${wallet.sent.at(-1).hash}) instead of refusing`);
  note(`${what}: ${errorId} says ${JSON.stringify(text)}`);
  return text;
}

/** Connects the page to the test wallet (EIP-6963 option), unless it already is. */
async function connect(page, wallet, what) {
  const address = wallet.address.toLowerCase();
  const connected = async () => (await inspect(page, 'wallet-address', ['data-address'])).attrs?.['data-address']?.toLowerCase() === address;
  // A page reloaded with a wallet it already knows reconnects by itself.
  if (wallet.connected) {
    const restored = await until(`${what}: the page reconnects to the wallet it used`, async () => ({ ok: await connected(), seen: '' }), EXPECT_MS).catch(() => false);
    if (restored) return;
    throw new Failure(`${what}: the page did not reconnect by itself to a wallet that still grants it its account`);
  }
  await expectEl(page, 'connect-wallet', `${what}: the connect button`);
  await click(page, 'connect-wallet', `${what}: connect`);
  const option = `wallet-option-${wallet.rdns}`;
  const listed = await expectEl(page, option, `${what}: the wallet list offers the test wallet found by EIP-6963`);
  if (!/Gavel Test Wallet/.test(listed.text)) throw new Failure(`${option} does not show the wallet's EIP-6963 name (shows ${JSON.stringify(listed.text)})`);
  await click(page, option, `${what}: choose the test wallet`);
  await expectAttr(page, 'wallet-address', 'data-address', (value) => value?.toLowerCase() === address, `${what}: the connected address`);
}

// --- the chain ---------------------------------------------------------------------------

function chainTools(options) {
  const transport = http(options.rpcUrl, { retryCount: 2, timeout: 15_000 });
  const client = createPublicClient({ transport, pollingInterval: 250 });
  const rpc = (method, params = []) => client.request({ method, params });
  return {
    client,
    rpc,
    async mine(blocks = 1) {
      await rpc('anvil_mine', [toHex(blocks)]).catch(async () => {
        for (let i = 0; i < blocks; i += 1) await rpc('evm_mine', []);
      });
    },
  };
}

// --- the API -----------------------------------------------------------------------------

async function api(options, path) {
  const response = await fetch(`${options.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (!response.ok) throw new Failure(`GET ${path} answered ${response.status} ${text.slice(0, 300)}`);
  return body;
}

/** Every action button on the page: visible, and inside the viewport horizontally. */
async function checkButtonsFit(page, ids, what) {
  for (const id of ids) {
    const target = byTestId(page, id);
    if ((await target.count()) === 0) throw new Failure(`${what}: no [data-testid=${id}] on the page`);
    try {
      await target.scrollIntoViewIfNeeded({ timeout: EXPECT_MS });
    } catch (error) {
      throw new Failure(`${what}: [data-testid=${id}] cannot be scrolled into view: ${error.message.split('\n')[0]}`);
    }
    if (!(await target.isVisible())) throw new Failure(`${what}: [data-testid=${id}] is not visible`);
    const box = await target.boundingBox();
    const width = page.viewportSize().width;
    if (!box || box.x < -0.5 || box.x + box.width > width + 0.5) {
      throw new Failure(`${what}: [data-testid=${id}] is outside the ${width} px viewport horizontally (x ${box?.x}, width ${box?.width})`);
    }
  }
  // Any other button shown on the page, too.
  const stray = await page.evaluate((width) => {
    const out = [];
    for (const button of document.querySelectorAll('button, [role="button"], input[type="submit"]')) {
      const style = getComputedStyle(button);
      const box = button.getBoundingClientRect();
      if (style.display === 'none' || style.visibility === 'hidden' || box.width === 0 || box.height === 0) continue;
      if (button.closest('[hidden], dialog:not([open])')) continue;
      if (box.left + window.scrollX < -0.5 || box.right + window.scrollX > width + 0.5) {
        out.push(`${button.getAttribute('data-testid') ?? button.textContent.trim().slice(0, 30)} (x ${Math.round(box.left + window.scrollX)}–${Math.round(box.right + window.scrollX)})`);
      }
    }
    return out;
  }, page.viewportSize().width);
  if (stray.length) throw new Failure(`${what}: buttons outside the viewport horizontally: ${stray.join(', ')}`);
}

async function checkNoSidewaysScroll(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
  const width = page.viewportSize().width;
  if (scrollWidth > width) {
    const culprits = await page.evaluate((width) => {
      const out = [];
      for (const element of document.querySelectorAll('body *')) {
        const box = element.getBoundingClientRect();
        if (box.right + window.scrollX > width + 0.5 && box.width > 0) out.push(`${element.tagName.toLowerCase()}${element.dataset.testid ? `[${element.dataset.testid}]` : element.className ? `.${String(element.className).split(' ')[0]}` : ''} (right ${Math.round(box.right)})`);
        if (out.length >= 6) break;
      }
      return out;
    }, width);
    throw new Failure(`${what}: the page scrolls sideways at ${width} px: scrollWidth ${scrollWidth} (clientWidth ${clientWidth}); widest: ${culprits.join(', ')}`);
  }
}

// --- the journey -------------------------------------------------------------------------

async function journey(browser, options, contexts) {
  const chain = chainTools(options);
  const eth = (wei) => `${formatEther(BigInt(wei))} ETH`;
  const publicChain = await api(options, '/api/public/chain');
  const rpcChainId = await chain.client.getChainId();
  if (publicChain.chain_id !== rpcChainId) throw new Failure(`/api/public/chain says chain ${publicChain.chain_id}, the RPC ${options.rpcUrl} is chain ${rpcChainId}`);
  const house = getAddress(publicChain.auction_house);
  const depth = Number(publicChain.reorg_depth);
  const nft = await chain.client.readContract({ address: house, abi: HOUSE_ABI, functionName: 'nft' });
  const accountA = privateKeyToAccount(options.keyA);
  const accountB = privateKeyToAccount(options.keyB);
  const A = accountA.address;
  const B = accountB.address;
  const handle = `${options.platform}:${options.login}`;
  const escrowOf = (who) => chain.client.readContract({ address: house, abi: HOUSE_ABI, functionName: 'escrowOf', args: [who] });
  const pendingOf = (who) => chain.client.readContract({ address: house, abi: HOUSE_ABI, functionName: 'pendingWithdrawal', args: [who] });
  const expectEscrow = (who, wei, what) =>
    until(`${what}: escrowOf(${who}) on chain should be ${eth(wei)}`, async () => {
      const value = await escrowOf(who);
      return { ok: value === wei, seen: eth(value) };
    });
  note(`chain ${rpcChainId}, house ${house}, NFT ${nft}, reorg depth ${depth}; A ${A}, B ${B}`);
  const escrowA0 = await escrowOf(A);
  const escrowB0 = await escrowOf(B);
  if (escrowA0 !== 0n || escrowB0 !== 0n) throw new Failure(`the wallets must start with no escrow: A has ${eth(escrowA0)}, B ${eth(escrowB0)}`);

  const marathonUrl = `${options.baseUrl}/m/${options.marathon}`;
  const newContext = async (viewport, extra = {}) => {
    const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: options.timeZone, ...extra });
    contexts.push(context);
    return context;
  };

  // 1. Desktop: the marathon's schedule, in the viewer's zone.
  const desktop = await newContext(DESKTOP);
  await desktop.clock.install();
  // A's wallet is on chain 1 and has never seen the house's chain: the page must add it.
  const walletA = await installWallet(desktop, { privateKey: options.keyA, rpcUrl: options.rpcUrl, chainId: 1, knowsChain: false, log: (line) => note(`wallet A: ${line}`) });
  const page = await desktop.newPage();
  watchConsole(page, 'A desktop');
  await open(page, marathonUrl, 'the marathon page');
  const marathon = await api(options, `/api/public/marathons/${options.marathon}`);
  await expectEl(page, 'schedule', 'the schedule');
  if (!marathon.lots.length) throw new Failure(`GET /api/public/marathons/${options.marathon} lists no lots`);
  const zonePattern = zoneNames(options.timeZone);
  let zoneNamed = false;
  for (const lot of marathon.lots.slice(0, 10)) {
    const row = await expectEl(page, `schedule-lot-${lot.id}`, `the schedule row of lot ${lot.id}`, () => true, ['data-state']);
    if (!row.attrs['data-state']) throw new Failure(`schedule-lot-${lot.id} has no data-state`);
    const times = localTimes(lot.starts_at, options.timeZone);
    if (!times.some((time) => row.text.includes(time))) {
      throw new Failure(`schedule-lot-${lot.id} should show its opening ${lot.starts_at} in the viewer's zone ${options.timeZone} (${times.join(' or ')}); it shows ${JSON.stringify(row.text)}`);
    }
    zoneNamed ||= zonePattern.test(row.text);
  }
  if (!zoneNamed && !zonePattern.test(await byTestId(page, 'schedule').innerText())) {
    throw new Failure(`the schedule does not name the viewer's time zone (${options.timeZone}; looked for ${zonePattern})`);
  }
  await shoot(page, options, 'viewer-marathon-desktop.png');

  // 2. Join: wrong chain, refusals, then a deposit to the reorg-safe depth.
  await connect(page, walletA, 'join');
  await expectAttr(page, 'chain-status', 'data-ok', 'false', 'the wallet is on chain 1: the chain status');
  await expectEl(page, 'switch-chain', 'the switch-chain button on the wrong chain');
  await fillJoin(page, options, '0.05');
  await expectRefusal(page, 'join-submit', 'join-error', /network|chain/i, 'a deposit on the wrong chain', walletA);
  await click(page, 'switch-chain', 'switch chain');
  await expectAttr(page, 'chain-status', 'data-ok', 'true', 'the chain status after switching');
  if (walletA.chainId !== rpcChainId) throw new Failure(`after switch-chain the wallet is on chain ${walletA.chainId}, not ${rpcChainId}`);
  const added = walletA.added.at(-1);
  if (!added) throw new Failure('the wallet did not know the chain (4902), yet the page never called wallet_addEthereumChain');
  if (!added.rpcUrls.includes(publicChain.public_rpc_url)) throw new Failure(`wallet_addEthereumChain offered the RPC ${added.rpcUrls}, not the public one ${publicChain.public_rpc_url}`);
  if (added.chainName !== publicChain.name) throw new Failure(`wallet_addEthereumChain named the chain ${JSON.stringify(added.chainName)}, not ${JSON.stringify(publicChain.name)}`);
  await fillIn(page, 'join-amount', '0', 'amount 0');
  const zeroText = await expectRefusal(page, 'join-submit', 'join-error', /\b0\b|zero|above|positive|more than|greater|at least/i, 'a deposit of 0', walletA);
  await fillIn(page, 'join-amount', '1e3', 'amount 1e3');
  // A sentence of its own (the 0 refusal's text left on the page would not do) that names the notation.
  await expectRefusal(page, 'join-submit', 'join-error', (t) => t !== zeroText && /scientific|expon/i.test(t), 'a deposit of "1e3"', walletA);
  await fillIn(page, 'join-amount', '0.05', 'amount 0.05');
  walletA.rejectNext();
  const rejectedBefore = walletA.rejected.length;
  await click(page, 'join-submit', 'a deposit the wallet rejects');
  await expectText(page, 'join-error', 'the wallet rejected the deposit', (t) => /reject/i.test(t));
  if (walletA.rejected.length === rejectedBefore) throw new Failure('the rejected deposit never reached the wallet');
  if (walletA.sent.length) throw new Failure(`a transaction was sent during the refusals: ${walletA.sent.map((s) => s.hash)}`);
  await expectEscrow(A, 0n, 'after the refusals');

  const deposit = parseEther('0.05');
  await click(page, 'join-submit', 'the deposit');
  const depositHash = await until('the deposit reaches the wallet', () => walletA.sent[0]?.hash, EXPECT_MS);
  const receipt = await chain.client.waitForTransactionReceipt({ hash: depositHash, timeout: EXPECT_MS });
  if (receipt.status !== 'success') throw new Failure(`the deposit ${depositHash} reverted`);
  const progress = await expectEl(page, 'join-progress', 'the deposit progress', () => true, ['data-confirmations', 'data-required']);
  if (Number(progress.attrs['data-required']) !== depth) throw new Failure(`join-progress data-required=${progress.attrs['data-required']}, the reorg depth is ${depth}`);
  const seenConfirmations = [Number(progress.attrs['data-confirmations'])];
  const progressTexts = [progress.text];
  for (let mined = 0; mined < depth + 2; mined += 1) {
    const now = Number((await inspect(page, 'join-progress', ['data-confirmations'])).attrs?.['data-confirmations'] ?? NaN);
    if (now >= depth) break;
    await chain.mine(1);
    const before = seenConfirmations.at(-1);
    // Wait for the page to see the new block before mining the next (it may poll every few seconds).
    const after = await until('the progress follows the new block', async () => {
      const seen = await inspect(page, 'join-progress', ['data-confirmations', 'data-required']);
      const value = Number(seen.attrs?.['data-confirmations']);
      if (seen.present && value > before) return { ok: true, value: { value, text: seen.text } };
      if (!seen.present && (await inspect(page, 'link-line')).present) return { ok: true, value: { value: depth, text: '(done)' } };
      return { ok: false, seen: describe(seen) };
    }, 8_000).catch(() => null);
    if (after) {
      seenConfirmations.push(after.value);
      progressTexts.push(after.text);
    }
  }
  const increasing = seenConfirmations.filter((value, i, all) => i === 0 || value > all[i - 1]);
  note(`join-progress went ${seenConfirmations.join(' → ')} of ${depth} (${progressTexts.map((t) => JSON.stringify(t)).join(', ')})`);
  if (increasing.length < 2) throw new Failure(`join-progress did not count the blocks: saw ${seenConfirmations.join(', ')} of ${depth}`);
  if (!progressTexts.some((text) => text.includes(`of ${depth}`))) throw new Failure(`join-progress text does not read like "2 of ${depth} blocks": ${JSON.stringify(progressTexts)}`);
  const linkLine = await expectText(page, 'link-line', 'the line to type in chat', (t) => /^!link \S+$/.test(t), SLOW_MS);
  const secret = linkLine.slice('!link '.length);
  if (!SECRET.test(secret)) throw new Failure(`the secret ${JSON.stringify(secret)} is not 26 symbols of abcdefghjkmnpqrstuvwxyz23456789`);
  await expectEl(page, 'copy-link-line', 'the copy button of the link line');
  const tx = await chain.client.getTransaction({ hash: depositHash });
  const call = decodeFunctionData({ abi: HOUSE_ABI, data: tx.input });
  const expected = linkCommitment(handle, secret, A);
  if (call.functionName !== 'deposit' || call.args[0] !== expected) {
    throw new Failure(`the deposit calls ${call.functionName}(${call.args}); expected deposit(${expected}) = keccak256(abi.encode("${handle}", secret, ${A}))`);
  }
  if (getAddress(tx.to) !== house || tx.value !== deposit) throw new Failure(`the deposit went to ${tx.to} with ${eth(tx.value)}; expected ${house} with ${eth(deposit)}`);
  await expectEscrow(A, deposit, 'after the deposit');
  const stored = await page.evaluate(() => Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith('gavel.secret.')).map((k) => [k, localStorage.getItem(k)])));
  const storeKey = `gavel.secret.${rpcChainId}.${house.toLowerCase()}.${A.toLowerCase()}`;
  const kept = stored[storeKey] ? JSON.parse(stored[storeKey]) : null;
  if (!kept || kept.secret !== secret || kept.handle !== handle) throw new Failure(`localStorage ${storeKey} should hold {handle: ${handle}, secret, tx}; found ${JSON.stringify(stored)}`);
  if (kept.tx && kept.tx.toLowerCase() !== depositHash.toLowerCase()) throw new Failure(`localStorage ${storeKey} names the deposit ${kept.tx}, not ${depositHash}`);
  const joinText = await byTestId(page, 'join-progress').evaluate((el) => (el.closest('section') ?? document.body).innerText).catch(() => '');
  if (!/proves nothing|nothing to anyone/i.test(joinText)) throw new Failure('the join section does not say plainly that the secret proves nothing to anyone else');
  await expectAttr(page, 'link-status', 'data-linked', 'false', 'before the !link the wallet is not linked');
  await shoot(page, options, 'viewer-join-desktop.png', '#join');

  // 3. The viewer types the line in chat: linked. (First Gavel's watcher must have credited the
  // deposit: the page shows the line at the chain's depth, the watcher credits when it next polls.)
  await until(`Gavel credits A's deposit (GET /api/public/wallets/${A})`, async () => {
    const view = await api(options, `/api/public/wallets/${A.toLowerCase()}`);
    return { ok: view.escrow_wei === deposit.toString(), seen: view };
  }, SLOW_MS, 300);
  await step('say', options.login, linkLine);
  await expectAttr(page, 'link-status', 'data-linked', 'true', `after "${linkLine}" in chat the wallet is linked`, SLOW_MS);
  await expectText(page, 'link-status', 'the link status names the identity', (t) => t.toLowerCase().includes(handle));
  const linkedA = await api(options, `/api/public/wallets/${A.toLowerCase()}`);
  if (linkedA.bidder?.handle !== handle) throw new Failure(`GET /api/public/wallets/${A} says bidder ${JSON.stringify(linkedA.bidder)}, expected ${handle}`);

  // 4. A copier sends A's calldata from B and types A's secret: nothing links to B.
  const copy = parseEther('0.01');
  const chainDef = defineChain({ id: rpcChainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [options.rpcUrl] } } });
  const copier = createWalletClient({ account: accountB, chain: chainDef, transport: http(options.rpcUrl) });
  const copyHash = await copier.sendTransaction({ to: house, data: tx.input, value: copy });
  const copyReceipt = await chain.client.waitForTransactionReceipt({ hash: copyHash, timeout: EXPECT_MS });
  if (copyReceipt.status !== 'success') throw new Failure(`the copied deposit from B reverted (${copyHash}); a deposit must never revert because of its commitment`);
  const copyLogs = parseEventLogs({ abi: HOUSE_ABI, eventName: 'Deposited', logs: copyReceipt.logs });
  if (copyLogs.length !== 1 || getAddress(copyLogs[0].args.wallet) !== B || copyLogs[0].args.commitment !== expected) {
    throw new Failure(`the copied deposit should log Deposited(${B}, ${expected}, …); logged ${JSON.stringify(copyLogs.map((l) => l.args), (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  }
  await chain.mine(depth);
  await expectEscrow(B, copy, 'after the copied deposit');
  await until(`Gavel credits B's copied deposit (GET /api/public/wallets/${B})`, async () => {
    const view = await api(options, `/api/public/wallets/${B.toLowerCase()}`);
    return { ok: view.escrow_wei === copy.toString(), seen: view };
  }, SLOW_MS, 500);
  await step('say', options.copierLogin, linkLine);
  const copierView = await api(options, `/api/public/wallets/${B.toLowerCase()}`);
  if (copierView.bidder !== null) throw new Failure(`the copier's wallet ${B} got linked: ${JSON.stringify(copierView.bidder)}`);
  const walletBContext = await newContext(DESKTOP);
  const walletB = await installWallet(walletBContext, { privateKey: options.keyB, rpcUrl: options.rpcUrl, log: (line) => note(`wallet B: ${line}`) });
  const pageB = await walletBContext.newPage();
  watchConsole(pageB, 'B desktop');
  await open(pageB, marathonUrl, 'the marathon page as B');
  await connect(pageB, walletB, 'B joins');
  await expectAttr(pageB, 'chain-status', 'data-ok', 'true', "B's chain status");
  // Once the page has read B's account (its escrow shows), it must not call B linked.
  await expectAttr(pageB, 'my-escrow', 'data-wei', copy.toString(), "B's escrow in My wallet", SLOW_MS);
  await expectAttr(pageB, 'link-status', 'data-linked', 'false', "the copier's wallet B, not linked and with no secret in this browser");
  if (/linked as/i.test(await pageB.locator('body').innerText())) throw new Failure(`the copier's page says "Linked as…"`);
  const afterCopy = await Promise.all([api(options, `/api/public/wallets/${B.toLowerCase()}`), api(options, `/api/public/wallets/${A.toLowerCase()}`)]);
  if (afterCopy[0].bidder !== null) throw new Failure(`the copier's wallet ${B} got linked: ${JSON.stringify(afterCopy[0].bidder)}`);
  if (afterCopy[1].bidder?.handle !== handle || afterCopy[1].escrow_wei !== deposit.toString()) {
    throw new Failure(`A should still be linked as ${handle} with ${eth(deposit)}; the API says ${JSON.stringify(afterCopy[1])}`);
  }
  await expectEscrow(A, deposit, "A's escrow after the copy");
  await expectAttr(page, 'link-status', 'data-linked', 'true', 'A is still linked after the copy');
  await walletBContext.close();

  // 5. A bids in chat, wins, sees the NFT, and verifies the bid log.
  const lotId = Number(options.lot);
  await page.locator('#live').first().evaluate((el) => el.scrollIntoView()).catch(() => {});
  await expectAttr(page, 'live-lot', 'data-lot-id', String(lotId), `the live lot is lot ${lotId}`, SLOW_MS);
  const bid = parseEther('0.02');
  await step('say', options.login, '!bid 0.02');
  await expectAttr(page, 'live-high-bid', 'data-wei', bid.toString(), 'the high bid after "!bid 0.02"', SLOW_MS);
  await expectText(page, 'live-high-bid', 'the high bid in ETH', (t) => t.includes('0.02'));
  // The page moves on the SSE event; the live cache follows it a moment later: ask again, bounded.
  let live = await api(options, `/api/public/marathons/${options.marathon}/live`);
  for (let tries = 0; tries < 40 && live.lot?.high?.amount_wei !== bid.toString(); tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    live = await api(options, `/api/public/marathons/${options.marathon}/live`);
  }
  const highBidder = live.lot?.high?.name;
  if (live.lot?.id !== lotId || live.lot.high?.amount_wei !== bid.toString()) throw new Failure(`GET /live shows ${JSON.stringify(live.lot)}, not lot ${lotId} with a 0.02 ETH high bid`);
  await expectText(page, 'live-high-bidder', `the high bidder's display name (${highBidder})`, (t) => t.includes(highBidder));
  await expectText(page, 'live-top', 'the top 3 lists the high bidder', (t) => t.includes(highBidder));
  await expectText(page, 'live-ticker', 'the bid ticker shows the bid', (t) => t.includes('0.02'));
  await expectText(page, 'live-countdown', 'the time left', (t) => /\d+:\d\d/.test(t));
  const rules = marathon.rules;
  const next = minimumNextBid(rules, bid.toString());
  await expectAttr(page, 'live-min-next', 'data-wei', next.toString(), `the minimum next bid (${eth(next)})`);
  await expectText(page, 'live-bid-line', 'the chat line for the minimum next bid', (t) => t === `!bid ${formatEther(next)}`);

  await step('wait-settled');
  // Blocks on top of the settlement, so that Gavel's watcher takes it at its reorg-safe depth.
  await chain.mine(depth);
  const lot = await findLot(options, lotId);
  if (!lot) throw new Failure(`lot ${lotId} is not in marathon ${options.marathon}'s lots`);
  const token = BigInt(lot.token_id);
  const owner = await chain.client.readContract({ address: nft, abi: NFT_ABI, functionName: 'ownerOf', args: [token] });
  if (getAddress(owner) !== A) throw new Failure(`ownerOf(${token}) is ${owner}, not A ${A}`);
  const [status, winner, amount, logHash] = await chain.client.readContract({ address: house, abi: HOUSE_ABI, functionName: 'lotOf', args: [BigInt(lotId)] });
  if (Number(status) !== 2 || getAddress(winner) !== A || amount !== bid) throw new Failure(`lotOf(${lotId}) is (${status}, ${winner}, ${amount}); expected Settled to A for ${bid}`);
  if (logHash === zeroHash) throw new Failure(`lotOf(${lotId}) has no bid log hash`);
  await expectEscrow(A, deposit - bid, 'after the settlement');
  const metadata = await tokenMetadata(chain, nft, token, options);
  const won = await expectEl(page, `won-lot-${lotId}`, `My wallet shows the won lot ${lotId}`, () => true, [], SLOW_MS);
  if (metadata?.name && !won.text.includes(metadata.name)) throw new Failure(`won-lot-${lotId} should show the NFT's name ${JSON.stringify(metadata.name)}; it shows ${JSON.stringify(won.text)}`);
  if (!metadata?.name && won.text.length === 0) throw new Failure(`won-lot-${lotId} shows no name`);
  const image = await until(`the NFT image in won-lot-${lotId} loads`, async () => {
    const image = await page.locator(`${sel(`won-lot-${lotId}`)} img`).first().evaluate((img) => ({ src: img.currentSrc || img.src, width: img.naturalWidth, complete: img.complete }));
    return { ok: image.complete && image.width > 0, value: image, seen: image };
  }, SLOW_MS);
  const expectedImage = metadata?.image && resolveUri(metadata.image, options);
  if (expectedImage && image.src !== expectedImage) throw new Failure(`won-lot-${lotId} shows the image ${image.src}, not the metadata's ${metadata.image} (${expectedImage})`);
  const completed = await until(`lot ${lotId} is COMPLETED with its settlement tx in the API`, async () => {
    const found = await findLot(options, lotId);
    return { ok: found?.state === 'COMPLETED' && Boolean(found.settle_tx), value: found, seen: found };
  }, SLOW_MS, 500);
  await expectEl(page, `past-lot-${lotId}`, `the past lot ${lotId}`, () => true, [], SLOW_MS);
  await expectText(page, `past-winner-${lotId}`, 'the past lot names its winner', (t) => t.length > 0);
  await expectAttr(page, `past-amount-${lotId}`, 'data-wei', bid.toString(), 'the past lot amount');
  const settleTx = completed.settle_tx.toLowerCase();
  const settleReceipt = await chain.client.getTransactionReceipt({ hash: settleTx });
  if (settleReceipt.status !== 'success' || getAddress(settleReceipt.to) !== house) throw new Failure(`the lot's settle_tx ${settleTx} is not a successful call to the house`);
  await until(`past-tx-${lotId} names the settlement ${settleTx}`, async () => {
    const shown = await page.locator(sel(`past-tx-${lotId}`)).first().evaluate((el) => ({ text: el.innerText, href: el.getAttribute('href') ?? el.querySelector('a')?.getAttribute('href'), title: el.getAttribute('title') }));
    const text = `${shown.text} ${shown.title ?? ''}`.toLowerCase();
    const named = text.includes(settleTx) || (text.includes(settleTx.slice(0, 8)) && text.includes(settleTx.slice(-4)));
    if (publicChain.explorer_url) return { ok: shown.href === `${publicChain.explorer_url.replace(/\/+$/, '')}/tx/${completed.settle_tx}` || shown.href?.toLowerCase().endsWith(`/tx/${settleTx}`), seen: shown };
    return { ok: named, seen: shown };
  });
  await click(page, `verify-button-${lotId}`, 'verify the bid log');
  await expectAttr(page, `verify-result-${lotId}`, 'data-result', 'match', 'the bid log matches the chain', SLOW_MS);
  await expectText(page, `verify-result-${lotId}`, 'the verify result in words', (t) => t.length > 0);

  // A tampered log must not match.
  let served = 0;
  const pattern = `**/api/public/lots/${lotId}/bid-log*`;
  const tamper = async (route) => {
    const response = await route.fetch();
    const log = await response.json();
    const entry = log.entries.find((e) => e.kind === 1) ?? log.entries[0];
    if (entry) entry.amount_wei = (BigInt(entry.amount_wei) + 1n).toString();
    served += 1;
    await route.fulfill({ response, json: log });
  };
  await page.route(pattern, tamper);
  await page.reload({ waitUntil: 'domcontentloaded' });
  await connect(page, walletA, 'after reloading');
  await expectEl(page, `past-lot-${lotId}`, `the past lot ${lotId} after reloading`, () => true, [], SLOW_MS);
  await click(page, `verify-button-${lotId}`, 'verify the tampered bid log');
  await expectAttr(page, `verify-result-${lotId}`, 'data-result', 'mismatch', 'a tampered bid log does not match the chain', SLOW_MS);
  if (served === 0) throw new Failure(`the verify view never fetched ${pattern}`);
  await page.unroute(pattern, tamper);
  await click(page, `verify-button-${lotId}`, 'verify the true bid log again');
  await expectAttr(page, `verify-result-${lotId}`, 'data-result', 'match', 'the true bid log matches again', SLOW_MS);
  await expectAttr(page, 'my-escrow', 'data-wei', (deposit - bid).toString(), 'My wallet: escrow after the win', SLOW_MS);
  await shoot(page, options, 'viewer-wallet-desktop.png', '#wallet');

  // 6. Withdraw the rest: request, wait out the delay (anvil's clock and the page's), withdraw.
  const rest = deposit - bid;
  await fillIn(page, 'withdraw-amount', formatEther(rest), 'the withdrawal amount');
  const sentBefore = walletA.sent.length;
  await click(page, 'request-withdrawal', 'request the withdrawal');
  await until('the withdrawal request reaches the wallet', () => walletA.sent.length > sentBefore, EXPECT_MS);
  const [pendingAmount, availableAt] = await until(`pendingWithdrawal(A) on chain is ${eth(rest)}`, async () => {
    const value = await pendingOf(A);
    return { ok: value[0] === rest, value, seen: `${eth(value[0])} at ${value[1]}` };
  });
  await expectAttr(page, 'withdraw-countdown', 'data-available-at', String(availableAt), 'the withdrawal countdown', SLOW_MS);
  note(`withdrawal of ${eth(pendingAmount)} available at ${availableAt}`);
  const head = await chain.client.getBlock();
  const wait = Number(availableAt - head.timestamp) + 2;
  if (wait > 0) {
    await chain.rpc('evm_increaseTime', [wait]);
    await chain.rpc('evm_mine', []);
    await desktop.clock.fastForward(wait * 1000);
  }
  const balanceBefore = await chain.client.getBalance({ address: A });
  const sentBeforeWithdraw = walletA.sent.length;
  await until('withdraw-submit becomes usable once the delay has passed', async () => {
    const seen = await inspect(page, 'withdraw-submit');
    return { ok: seen.present && seen.visible && !seen.disabled, seen: `${describe(seen)}${seen.disabled ? ' disabled' : ''}` };
  }, SLOW_MS);
  await click(page, 'withdraw-submit', 'withdraw');
  const withdrawHash = await until('the withdrawal reaches the wallet', () => walletA.sent[sentBeforeWithdraw]?.hash, EXPECT_MS);
  const withdrawReceipt = await chain.client.waitForTransactionReceipt({ hash: withdrawHash, timeout: EXPECT_MS });
  if (withdrawReceipt.status !== 'success') throw new Failure(`the withdrawal ${withdrawHash} reverted`);
  await expectEscrow(A, 0n, 'after the withdrawal');
  const [leftPending] = await pendingOf(A);
  if (leftPending !== 0n) throw new Failure(`pendingWithdrawal(A) is still ${eth(leftPending)} after the withdrawal`);
  const balanceAfter = await chain.client.getBalance({ address: A });
  if (balanceAfter <= balanceBefore) throw new Failure(`A's balance did not rise with the withdrawal: ${eth(balanceBefore)} → ${eth(balanceAfter)}`);
  await chain.mine(depth);
  await expectAttr(page, 'my-escrow', 'data-wei', '0', 'My wallet: escrow after the withdrawal', SLOW_MS);
  await expectAttr(page, 'my-pending', 'data-wei', '0', 'My wallet: nothing pending after the withdrawal', SLOW_MS);

  // 7. A phone: no sideways scroll, every action button visible.
  const phone = await newContext(PHONE, { isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const walletPhone = await installWallet(phone, { privateKey: options.keyA, rpcUrl: options.rpcUrl, log: (line) => note(`wallet A (phone): ${line}`) });
  const mobile = await phone.newPage();
  watchConsole(mobile, 'A phone');
  await open(mobile, marathonUrl, 'the marathon page on a phone');
  await expectEl(mobile, `schedule-lot-${marathon.lots[0].id}`, 'the schedule on a phone');
  await checkNoSidewaysScroll(mobile, 'phone, marathon view');
  await checkButtonsFit(mobile, ['connect-wallet'], 'phone, before connecting');
  await shoot(mobile, options, 'viewer-marathon-phone.png');
  await connect(mobile, walletPhone, 'phone');
  await expectAttr(mobile, 'link-status', 'data-linked', 'true', 'the phone sees the wallet linked', SLOW_MS);
  await checkNoSidewaysScroll(mobile, 'phone, join section');
  const joinButton = (await inspect(mobile, 'topup-submit')).present ? 'topup-submit' : 'join-submit';
  await checkButtonsFit(mobile, [joinButton, ...((await inspect(mobile, 'copy-link-line')).present ? ['copy-link-line'] : [])], 'phone, join section');
  await shoot(mobile, options, 'viewer-join-phone.png', '#join');
  // A top-up from the linked wallet (no secret: a zero commitment), then a request, so that every
  // wallet button is on the page.
  const topup = parseEther('0.001');
  await fillIn(mobile, 'topup-amount', formatEther(topup), 'the top-up amount');
  await click(mobile, 'topup-submit', 'top up from the phone');
  const topupHash = await until('the top-up reaches the wallet', () => walletPhone.sent[0]?.hash, EXPECT_MS);
  const topupTx = await chain.client.getTransaction({ hash: topupHash });
  const topupCall = decodeFunctionData({ abi: HOUSE_ABI, data: topupTx.input });
  if (topupCall.functionName !== 'deposit' || topupCall.args[0] !== zeroHash || topupTx.value !== topup) {
    throw new Failure(`the top-up from a linked wallet should be deposit(bytes32(0)) with ${eth(topup)}; it is ${topupCall.functionName}(${topupCall.args}) with ${eth(topupTx.value)}`);
  }
  await expectEscrow(A, topup, 'after the top-up');
  await chain.mine(depth);
  await expectAttr(mobile, 'my-escrow', 'data-wei', topup.toString(), 'My wallet on the phone: escrow after the top-up', SLOW_MS);
  await fillIn(mobile, 'withdraw-amount', formatEther(topup), 'the withdrawal amount on the phone');
  await click(mobile, 'request-withdrawal', 'request a withdrawal from the phone');
  await until(`pendingWithdrawal(A) on chain is ${eth(topup)}`, async () => {
    const [value] = await pendingOf(A);
    return { ok: value === topup, seen: eth(value) };
  });
  await expectEl(mobile, 'withdraw-countdown', 'the withdrawal countdown on the phone', () => true, [], SLOW_MS);
  await checkNoSidewaysScroll(mobile, 'phone, wallet section');
  await checkButtonsFit(mobile, ['request-withdrawal', 'withdraw-submit', 'topup-submit', `verify-button-${lotId}`], 'phone, wallet section');
  await shoot(mobile, options, 'viewer-wallet-phone.png', '#wallet');
  await checkNoSidewaysScroll(mobile, 'phone, at the end');
}

/** Fills the join form's platform, login and amount. */
async function fillJoin(page, options, amount) {
  const platform = byTestId(page, 'join-platform');
  // The join section redraws as the wallet connects: wait for the form, bounded.
  await platform.first().waitFor({ state: 'attached', timeout: 10_000 }).catch(() => {
    throw new Failure('join: no [data-testid=join-platform]');
  });
  const tag = await platform.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'select') {
    const values = await platform.evaluate((el) => [...el.options].map((o) => ({ value: o.value, label: o.label })));
    const option = values.find((o) => o.value.toLowerCase() === options.platform) ?? values.find((o) => o.label.toLowerCase().includes(options.platform));
    if (!option) throw new Failure(`join-platform offers ${JSON.stringify(values)}, not ${options.platform}`);
    await platform.selectOption(option.value, { timeout: EXPECT_MS });
  } else throw new Failure(`join-platform is a <${tag}>, not a <select>`);
  // The login as a viewer might type it: Gavel normalises it.
  await fillIn(page, 'join-login', `  @${options.login[0].toUpperCase()}${options.login.slice(1)} `, 'the login');
  await fillIn(page, 'join-amount', amount, 'the amount');
}

async function findLot(options, lotId) {
  let after = -1;
  for (let pages = 0; pages < 20; pages += 1) {
    const view = await api(options, `/api/public/marathons/${options.marathon}?after_day=${after}&limit=100`);
    const found = view.lots.find((l) => l.id === lotId);
    if (found) return found;
    if (view.next_after_day === null || view.next_after_day === undefined) return null;
    after = view.next_after_day;
  }
  return null;
}

/** An http(s) URL for a token or image URI; ipfs:// through --ipfs-gateway (a prefix, as Gavel's
 * http.ipfs_gateway: `http://host/ipfs/` + the path); null when it cannot be read from here. */
function resolveUri(uri, options) {
  if (/^https?:/.test(uri)) return uri;
  if (uri.startsWith('ipfs://') && options.ipfsGateway) return `${options.ipfsGateway.replace(/\/*$/, '/')}${uri.slice('ipfs://'.length).replace(/^ipfs\//, '')}`;
  return null;
}

/** The token's metadata, if its URI can be read from here. */
async function tokenMetadata(chain, nft, token, options) {
  const uri = await chain.client.readContract({ address: nft, abi: NFT_ABI, functionName: 'tokenURI', args: [token] });
  const url = resolveUri(uri, options);
  if (!url) {
    note(`token ${token} has ${uri}, which cannot be read from here (give --ipfs-gateway); its name is not checked`);
    return null;
  }
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Failure(`the token's metadata ${url} answered ${response.status}`);
  const metadata = await response.json();
  note(`token ${token}: ${uri} → ${JSON.stringify(metadata)}`);
  return metadata;
}

/** The ways a time can be written in `zone`, 24 h and 12 h, e.g. ["21:00", "9:00"]. */
function localTimes(iso, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const hour = Number(parts.hour);
  return [`${parts.hour}:${parts.minute}`, `${hour % 12 === 0 ? 12 : hour % 12}:${parts.minute}`];
}

/** The names a page may give the zone: its IANA id or city, or its short or long name. */
function zoneNames(zone) {
  const names = new Set([zone, zone.split('/').at(-1).replaceAll('_', ' ')]);
  for (const timeZoneName of ['short', 'long', 'shortOffset', 'longOffset', 'shortGeneric', 'longGeneric']) {
    for (const locale of ['en-US', 'en-GB']) {
      const part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
      if (part) names.add(part.value);
    }
  }
  return new RegExp([...names].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
}

// --- main --------------------------------------------------------------------------------

concludeDriver(async () => {
  const options = parseArgs(process.argv.slice(2));
  await withChromium('the viewer journey', options.timeout, async (browser) => {
    const contexts = [];
    try {
      await journey(browser, options, contexts);
    } catch (error) {
      // A picture of each page as it was when the journey failed.
      if (options.screenshots) {
        for (const [i, context] of contexts.entries()) {
          for (const [j, page] of context.pages().entries()) {
            const path = join(options.screenshots, `viewer-failure-${i}-${j}.png`);
            await page.screenshot({ path, fullPage: true, timeout: 5_000 }).then(() => note(`failure screenshot ${path}`), () => {});
          }
        }
      }
      throw error;
    }
  });
});
