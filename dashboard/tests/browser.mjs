#!/usr/bin/env node
// Browser tests of the dashboard and the overlay, driven by a Rust test (or tests/mock-run.mjs).
//
//   node dashboard/tests/browser.mjs <admin|viewer|overlay> --base-url http://127.0.0.1:PORT
//        [--marathon N] [--lot N] [--username U] [--password P] [--expect-high ETH] [--expect-join URL]
//        [--screenshot PATH] [--timeout SECS]
//
// The line protocol of tests/line-protocol.mjs: `STEP <name>` when the other side must act (place
// a chat bid, check a rejection), then `GO` on stdin; `PASS` or `FAIL <reason>` last. The page's
// console and errors go to stderr. Chromium is Debian's (tests/chromium.mjs).

import { withChromium } from './chromium.mjs';
import { concludeDriver, Failure, flagName, parseFlags, step as stepOf } from './line-protocol.mjs';

/** How long a page may take to show what a step expects. */
const EXPECT_MS = 10_000;
/** How long the other side may take to act on a STEP. */
const GO_TIMEOUT_MS = 60_000;

function parseArgs(argv) {
  const [scenario, ...rest] = argv;
  const options = { scenario, ...parseFlags(rest) };
  if (!['admin', 'viewer', 'overlay'].includes(scenario)) throw new Failure(`unknown scenario ${JSON.stringify(scenario)}; expected admin, viewer or overlay`);
  if (!options.baseUrl) throw new Failure('--base-url is required');
  options.baseUrl = options.baseUrl.replace(/\/+$/, '');
  const need = { admin: ['lot', 'username', 'password'], viewer: ['username', 'password'], overlay: ['marathon'] }[scenario];
  for (const name of need) if (!options[name]) throw new Failure(`${flagName(name)} is required for ${scenario}`);
  return options;
}

const note = (line) => process.stderr.write(`browser.mjs: ${line}\n`);
const step = (name) => stepOf(GO_TIMEOUT_MS, name);

// --- page helpers ------------------------------------------------------------------------

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`).first();

async function textOf(page, id) {
  try {
    return (await byTestId(page, id).textContent({ timeout: 500 }))?.trim() ?? null;
  } catch {
    return null;
  }
}

/** Waits until `test(text)` holds for the element's text; fails naming what was last seen. */
async function expectText(page, id, test, what, timeoutMs = EXPECT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await textOf(page, id);
    if (last !== null && test(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Failure(`${what}: [data-testid=${id}] ${last === null ? 'never appeared' : `still shows ${JSON.stringify(last)}`} after ${timeoutMs / 1000} s`);
}

/** Amounts are shown as ETH ("0.02"), possibly with a unit after them. */
const ethIs = (expected) => (text) => text.replace(/\s*ETH$/i, '') === expected;

async function expectAttribute(page, selector, name, expected, what, timeoutMs = EXPECT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await page.locator(selector).first().getAttribute(name, { timeout: 500 }).catch(() => null);
    if (last === expected) return;
    await page.waitForTimeout(100);
  }
  throw new Failure(`${what}: ${selector} has ${name}=${JSON.stringify(last)}, expected ${JSON.stringify(expected)}, after ${timeoutMs / 1000} s`);
}

async function click(page, id, what) {
  try {
    await byTestId(page, id).click({ timeout: EXPECT_MS });
  } catch {
    throw new Failure(`${what}: could not click [data-testid=${id}] within ${EXPECT_MS / 1000} s`);
  }
}

async function fillIn(page, id, value, what) {
  try {
    await byTestId(page, id).fill(value, { timeout: EXPECT_MS });
  } catch {
    throw new Failure(`${what}: could not fill [data-testid=${id}] within ${EXPECT_MS / 1000} s`);
  }
}

async function open(page, url, what) {
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: EXPECT_MS });
  } catch (error) {
    throw new Failure(`${what}: could not load ${url}: ${error.message.split('\n')[0]}`);
  }
}

/** A request made by the page itself, with its cookie; returns the status and parsed body. */
function fetchFromPage(page, path, init) {
  return page.evaluate(
    async ([path, init]) => {
      const response = await fetch(path, { credentials: 'same-origin', ...init });
      const text = await response.text();
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      return { status: response.status, body };
    },
    [path, init],
  );
}

async function logIn(page, options, role) {
  await open(page, `${options.baseUrl}/#/login`, 'login page');
  await fillIn(page, 'login-username', options.username, 'login');
  await fillIn(page, 'login-password', options.password, 'login');
  await click(page, 'login-submit', 'login');
  const deadline = Date.now() + EXPECT_MS;
  while (Date.now() < deadline) {
    const actual = await byTestId(page, 'nav-user').getAttribute('data-role', { timeout: 250 }).catch(() => null);
    if (actual !== null) {
      if (role(actual)) return actual;
      throw new Failure(`login: ${options.username} has the role ${actual}, not what the scenario needs`);
    }
    const error = await textOf(page, 'login-error');
    if (error) throw new Failure(`login: refused: ${error}`);
  }
  throw new Failure(`login: not signed in after ${EXPECT_MS / 1000} s`);
}

async function screenshot(page, options, extra = {}) {
  if (!options.screenshot) return;
  await page.screenshot({ path: options.screenshot, ...extra });
  note(`screenshot saved to ${options.screenshot}`);
}

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

// --- main --------------------------------------------------------------------------------

concludeDriver(async () => {
  const options = parseArgs(process.argv.slice(2));
  await withChromium(`the ${options.scenario} scenario`, Number(options.timeout ?? 180), async (browser) => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    page.on('console', (message) => note(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => note(`page error: ${error.message}`));
    await { admin, viewer, overlay }[options.scenario](page, options);
  });
});
