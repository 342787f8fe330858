#!/usr/bin/env node
// Browser tests of the dashboard and the overlay, driven by a Rust test (or tests/mock-run.mjs).
//
//   node dashboard/tests/browser.mjs <admin|viewer|overlay|operator|console|settled> --base-url http://127.0.0.1:PORT
//        [--marathon N] [--lot N] [--username U] [--password P] [--expect-high ETH] [--expect-join URL]
//        [--zone IANA] [--screenshot PATH] [--screenshot-dir DIR] [--timeout SECS]
//
// `operator` (tests/operator.mjs), `console` (tests/console.mjs) and `settled` are the operator's
// console at 1280×800: the live lot with the overlay beside it, the other pages' forms and
// readings, and a settled lot's settlement and health pages.
//
// The line protocol of tests/line-protocol.mjs: `STEP <name>` when the other side must act (place
// a chat bid, check a rejection), then `GO` on stdin; `PASS` or `FAIL <reason>` last. The page's
// console and errors go to stderr. Chromium is Debian's (tests/chromium.mjs).

import { withChromium } from './chromium.mjs';
import { concludeDriver, Failure, flagName, parseFlags } from './line-protocol.mjs';
import { consoleScenario } from './console.mjs';
import { operatorScenario } from './operator.mjs';
import { click, EXPECT_MS, ethIs, expectAttribute, expectText, fetchFromPage, fillIn, logIn, note, open, screenshot, step, textOf } from './page.mjs';

// --- scenarios ---------------------------------------------------------------------------

async function admin(page, options) {
  const lotUrl = `${options.baseUrl}/#/lots/${options.lot}`;
  await logIn(page, options, (role) => role === 'admin');
  await open(page, lotUrl, 'live lot');
  await expectAttribute(page, '[data-testid="stream-status"]', 'data-status', 'open', 'live lot: the event stream');
  await expectText(page, 'lot-state', (text) => text === 'ACTIVE', `live lot ${options.lot} should be ACTIVE`);

  await step('place-bid');
  await expectText(page, 'high-bid', ethIs('0.02'), 'high bid after the 0.02 ETH chat bid');
  await step('place-higher-bid');
  await expectText(page, 'high-bid', ethIs('0.03'), 'high bid after the 0.03 ETH chat bid');

  const row = page.locator('[data-testid^="bid-row-"][data-amount-eth="0.03"][data-decision="ACCEPTED"][data-voided="false"]').first();
  const bidId = await row.getAttribute('data-bid-id', { timeout: EXPECT_MS }).catch(() => null);
  if (!bidId) throw new Failure('void: no accepted 0.03 ETH bid in the bid feed');
  await click(page, `void-button-${bidId}`, 'void');
  await fillIn(page, 'void-reason', 'fat finger (browser test)', 'void');
  await click(page, 'void-submit', 'void');
  await expectText(page, 'high-bid', ethIs('0.02'), 'high bid after voiding the 0.03 ETH bid');
  await expectAttribute(page, `[data-testid="bid-row-${bidId}"]`, 'data-voided', 'true', 'void: the voided row');

  await open(page, `${options.baseUrl}/#/settings`, 'settings');
  await expectAttribute(page, '[data-testid="maintenance-state"]', 'data-paused', 'false', 'maintenance mode before the test');
  await click(page, 'maintenance-toggle', 'pause bidding');
  await expectAttribute(page, '[data-testid="maintenance-state"]', 'data-paused', 'true', 'maintenance mode after pausing');
  await expectText(page, 'maintenance-state', (text) => /paused/i.test(text), 'maintenance state text');
  await step('bid-while-paused');
  await click(page, 'maintenance-toggle', 'resume bidding');
  await expectAttribute(page, '[data-testid="maintenance-state"]', 'data-paused', 'false', 'maintenance mode after resuming');

  // A mutation without the CSRF header, with a valid session cookie: refused.
  const forged = await fetchFromPage(page, '/api/bidding/resume', { method: 'POST' });
  if (forged.status !== 403 || forged.body?.error !== 'csrf') {
    throw new Failure(`CSRF: a POST without X-CSRF-Token got ${forged.status} ${JSON.stringify(forged.body)}, expected 403 {"error":"csrf"}`);
  }

  await open(page, lotUrl, 'live lot');
  await expectText(page, 'high-bid', ethIs('0.02'), 'high bid on the reloaded live lot');
  await expectText(page, 'countdown', (text) => /^\d+(:\d\d){1,2}$/.test(text), 'countdown on the live lot');
  await screenshot(page, options, { fullPage: true });
}

async function viewer(page, options) {
  await logIn(page, options, (role) => role === 'viewer');
  await open(page, `${options.baseUrl}/#/settings`, 'settings');
  await expectAttribute(page, '[data-testid="maintenance-state"]', 'data-paused', await currentPaused(page), 'settings page');
  if ((await page.locator('[data-testid="maintenance-toggle"]').count()) > 0) throw new Failure('viewer: the maintenance toggle is offered to a viewer');

  const session = await fetchFromPage(page, '/api/session', { method: 'GET' });
  const token = session.body?.csrf_token;
  if (session.status !== 200 || !token) throw new Failure(`viewer: GET /api/session answered ${session.status} ${JSON.stringify(session.body)}`);
  const before = await fetchFromPage(page, '/api/bidding', { method: 'GET' });
  const attempt = await fetchFromPage(page, '/api/bidding/pause', { method: 'POST', headers: { 'X-CSRF-Token': token } });
  if (attempt.status !== 403 || attempt.body?.error !== 'forbidden') {
    throw new Failure(`viewer: pausing bidding got ${attempt.status} ${JSON.stringify(attempt.body)}, expected 403 {"error":"forbidden"}`);
  }
  const after = await fetchFromPage(page, '/api/bidding', { method: 'GET' });
  if (before.body?.bidding_paused !== after.body?.bidding_paused) throw new Failure('viewer: the refused pause changed the bidding state');
}

async function currentPaused(page) {
  const settings = await fetchFromPage(page, '/api/settings', { method: 'GET' });
  if (settings.status !== 200) throw new Failure(`GET /api/settings answered ${settings.status} ${JSON.stringify(settings.body)}`);
  return String(settings.body.bidding_paused);
}

/** `1:05` or `1:00:05` as seconds; null if it is not a countdown. */
function countdownSeconds(text) {
  if (!/^\d+(:\d\d){1,2}$/.test(text ?? '')) return null;
  return text.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

async function overlay(page, options) {
  await open(page, `${options.baseUrl}/overlay/${options.marathon}`, 'overlay');
  const title = await expectText(page, 'overlay-title', (text) => text.length > 0, 'overlay title');
  if (options.expectHigh) await expectText(page, 'overlay-high-bid', ethIs(options.expectHigh), `overlay high bid (expected ${options.expectHigh})`);
  if (options.expectJoin) {
    // The marathon asks for the join QR code: the viewer page's address, and a QR code drawn for it.
    await expectText(page, 'overlay-join-url', (text) => text.includes(options.expectJoin), `overlay join address (expected ${options.expectJoin})`);
    const drawn = await page.locator('[data-testid=overlay-join-qr] svg path').count();
    if (drawn === 0) throw new Failure('overlay join QR code: no SVG drawn');
  }
  const first = await expectText(page, 'overlay-countdown', (text) => countdownSeconds(text) !== null, 'overlay countdown');
  await page.waitForTimeout(2_100);
  const second = await textOf(page, 'overlay-countdown');
  if (!(countdownSeconds(second) < countdownSeconds(first))) throw new Failure(`overlay countdown did not decrease in 2 s: ${first} then ${second}`);
  const background = await page.evaluate(() => [getComputedStyle(document.documentElement).backgroundColor, getComputedStyle(document.body).backgroundColor]);
  if (background.some((color) => color !== 'rgba(0, 0, 0, 0)')) throw new Failure(`overlay background is not transparent: ${background.join(', ')}`);
  note(`overlay shows ${JSON.stringify(title)}, countdown ${first} then ${second}`);
  await screenshot(page, options, { omitBackground: true });
}

/** The settlement page of a settled lot and the health page, as an operator reads them after a
 * sale: the summary (winner, amount, NFT moved) in a page no wider than the window; the chain as
 * the settlement service reports it and every service up. */
async function settled(page, options) {
  await logIn(page, options, (role) => role === 'admin');
  await open(page, `${options.baseUrl}/#/settlement/${options.lot}`, 'settlement page');
  await expectText(page, 'settlement-nft-moved', (text) => /yes/i.test(text), 'settlement summary: the NFT moved');
  await expectText(page, 'settlement-winner', (text) => text.length > 0 && text !== '—', 'settlement summary: the winner');
  await expectText(page, 'settlement-amount', (text) => /\d/.test(text), 'settlement summary: the amount');
  // Hashes as 0x1234…abcd, the whole hash in the title (they wrapped over six lines).
  const hashes = await page.locator('[data-testid^="settlement-tx-"][data-hash]').evaluateAll((items) => items.map((item) => [item.textContent, item.getAttribute('title')]));
  if (hashes.length === 0) throw new Failure('settlement page: no transaction hash shown for a settled lot');
  for (const [shown, full] of hashes) {
    if (!/^0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}$/.test(shown ?? '') || !/^0x[0-9a-fA-F]{64}$/.test(full ?? '')) {
      throw new Failure(`settlement page: a hash shows ${JSON.stringify(shown)} (title ${JSON.stringify(full)}); expected 0x1234…abcd with the whole hash in its title`);
    }
  }
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > LAPTOP.width) throw new Failure(`settlement page: ${width} px wide, wider than the ${LAPTOP.width} px window`);
  await screenshot(page, { screenshot: options.screenshotDir && `${options.screenshotDir}/operator-settlement.png` });

  await open(page, `${options.baseUrl}/#/health`, 'health page');
  await expectAttribute(page, '[data-testid="health-service-settlement"]', 'data-ok', 'true', 'health: the settlement service');
  await expectText(page, 'health-chain-head', (text) => /^\d+$/.test(text), 'health: the chain head, as settlement reports it');
  const instances = page.locator('[data-testid^="health-service-chat-ingest"]');
  await expectAttribute(page, '[data-testid^="health-service-chat-ingest"]', 'data-ok', 'true', 'health: the chat-ingest instance');
  note(`health shows ${await instances.count()} chat-ingest instance(s) up`);
  await screenshot(page, { screenshot: options.screenshotDir && `${options.screenshotDir}/operator-health.png` });
}

// --- main --------------------------------------------------------------------------------

function parseArgs(argv) {
  const [scenario, ...rest] = argv;
  const options = { scenario, ...parseFlags(rest) };
  if (!(scenario in SCENARIOS)) throw new Failure(`unknown scenario ${JSON.stringify(scenario)}; expected one of ${Object.keys(SCENARIOS).join(', ')}`);
  if (!options.baseUrl) throw new Failure('--base-url is required');
  options.baseUrl = options.baseUrl.replace(/\/+$/, '');
  for (const name of SCENARIOS[scenario].needs) if (!options[name]) throw new Failure(`${flagName(name)} is required for ${scenario}`);
  return options;
}

const FULL_HD = { width: 1920, height: 1080 };
/** The operator's laptop, the size the screenshots are taken at. */
const LAPTOP = { width: 1280, height: 800 };

/** Each scenario: what runs it, the flags it needs, the window it runs in. */
const SCENARIOS = {
  admin: { run: admin, needs: ['lot', 'username', 'password'], viewport: FULL_HD },
  viewer: { run: viewer, needs: ['username', 'password'], viewport: FULL_HD },
  overlay: { run: overlay, needs: ['marathon'], viewport: FULL_HD },
  operator: { run: operatorScenario, needs: ['marathon', 'lot', 'username', 'password'], viewport: LAPTOP },
  console: { run: consoleScenario, needs: ['marathon', 'lot', 'username', 'password'], viewport: LAPTOP },
  settled: { run: settled, needs: ['lot', 'username', 'password'], viewport: LAPTOP },
};

concludeDriver(async () => {
  const options = parseArgs(process.argv.slice(2));
  await withChromium(`the ${options.scenario} scenario`, Number(options.timeout ?? 180), async (browser) => {
    const { run, viewport } = SCENARIOS[options.scenario];
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('console', (message) => note(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => note(`page error: ${error.message}`));
    await run(page, options);
  });
});
