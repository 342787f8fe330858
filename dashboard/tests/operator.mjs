// The live lot as an operator runs a show, at 1280×800 with the overlay open beside it (issue 13):
// typing into the end and cancel fields while 20 bids arrive keeps the text and the focus; a
// pause from the page shows "Bidding paused" on the overlay within a second and stops its
// countdown; a void and a ban-with-void are each undone and the lead comes back; a quick extend
// moves the end; the audit trail names the operator; a cancelled lot says so on the overlay and
// its day is given a new lot, which says when it opens. Along the way: days are numbered from 1,
// times carry their zone, bidders are named (never by id), the overlay never shows a broken
// artwork, and names an unknown marathon instead of staying blank. Driven by a Rust system test over the line protocol:
//
//   STEP place-20-bids    20 accepted chat bids from two bidders over ~3 s, 0.01 to 0.029 ETH, the last Bob's
//   STEP place-bid-0.05   Alice bids 0.05 ETH, accepted
//
// options: baseUrl, marathon, lot, username and password (an admin), zone (the marathon's IANA
// zone, to check that times carry it), screenshotDir (operator-live.png, operator-paused.png).

import { join } from 'node:path';
import { Failure } from './line-protocol.mjs';
import { byTestId, click, EXPECT_MS, ethIs, expectAttribute, expectText, fetchFromPage, fillIn, logIn, note, open, step, textOf } from './page.mjs';

/** What the overlay must show within this long after the operator confirms a pause. */
const OVERLAY_PAUSE_MS = 1_000;
const TYPED_END = '23:58:30';
const TYPED_REASON = ['The artist withdrew', ' the piece'];

/** `1:05` or `1:00:05` as seconds; null if it is not a countdown. */
function countdownSeconds(text) {
  if (!/^\d+(:\d\d){1,2}$/.test(text ?? '')) return null;
  return text.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/** The short names a time in `zone` may carry on the page (zone.ts tries en-US, then en-GB), or any zone-like word. */
function zonePattern(zone) {
  if (!zone) return /\d\d:\d\d:\d\d (UTC|GMT[+-]\d{1,2}(:\d\d)?|[A-Z]{2,5})\b/;
  const names = new Set(
    ['en-US', 'en-GB'].flatMap((locale) =>
      [Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)].map(
        (ms) => new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' }).formatToParts(ms).find((part) => part.type === 'timeZoneName')?.value ?? '',
      ),
    ),
  );
  const escaped = [...names].filter(Boolean).map((name) => name.replace(/[+]/g, '\\+'));
  return new RegExp(`\\d\\d:\\d\\d:\\d\\d (${escaped.join('|')})\\b`);
}

async function expectVisible(page, id, visible, what, timeoutMs = EXPECT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await byTestId(page, id).isVisible().catch(() => null);
    if (last === visible) return;
    await page.waitForTimeout(100);
  }
  throw new Failure(`${what}: [data-testid=${id}] is ${last === null ? 'missing' : last ? 'shown' : 'hidden'} after ${timeoutMs / 1000} s, expected ${visible ? 'shown' : 'hidden'}`);
}

/** The artwork is shown once loaded, or replaced by a neutral tile: never the browser's broken-image icon. */
async function expectNoBrokenImage(overlay) {
  const broken = await overlay.evaluate(() => {
    const image = document.querySelector('[data-testid=overlay-image]');
    return Boolean(image && !image.hidden && image.complete && image.naturalWidth === 0);
  });
  if (broken) throw new Failure('overlay: the artwork did not load and its broken image is shown');
}

async function valueOf(page, id) {
  return byTestId(page, id).inputValue({ timeout: 1_000 }).catch(() => null);
}

/** The id of the feed's standing accepted bid of `eth` ETH. */
async function standingBid(page, eth, what) {
  const row = page.locator(`[data-testid^="bid-row-"][data-amount-eth="${eth}"][data-decision="ACCEPTED"][data-voided="false"]`).first();
  const bidId = await row.getAttribute('data-bid-id', { timeout: EXPECT_MS }).catch(() => null);
  if (!bidId) throw new Failure(`${what}: no standing accepted ${eth} ETH bid in the bid feed`);
  return bidId;
}

/** A bidder shown by display name, never by id (`twitch:1004`): the page asks for the name, so it may take a moment. */
const isName = (text) => text.length > 0 && !/^[a-z]+:\S+$/.test(text);

async function shoot(page, options, name) {
  if (!options.screenshotDir) return;
  const path = join(options.screenshotDir, name);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path });
  note(`screenshot saved to ${path}`);
}

export async function operatorScenario(page, options) {
  const base = options.baseUrl;
  await logIn(page, options, (role) => role === 'admin');
  await open(page, `${base}/#/lots/${options.lot}`, 'live lot');
  await expectAttribute(page, '[data-testid="stream-status"]', 'data-status', 'open', 'live lot: the event stream');
  await expectText(page, 'lot-state', (text) => text === 'ACTIVE', `live lot ${options.lot} should be ACTIVE`);
  await expectText(page, 'lot-title', (text) => /^Day [1-9]\d* · lot #\d+$/.test(text), 'live lot title: days are numbered from 1');
  const zone = zonePattern(options.zone);
  await expectText(page, 'lot-ends-at', (text) => zone.test(text), `live lot: the end is shown with its zone (${zone})`);

  const overlay = await page.context().newPage();
  await overlay.setViewportSize({ width: 1920, height: 1080 });
  overlay.on('console', (message) => note(`overlay console.${message.type()}: ${message.text()}`));
  overlay.on('pageerror', (error) => note(`overlay page error: ${error.message}`));
  await open(overlay, `${base}/overlay/${options.marathon}`, 'overlay');
  await expectText(overlay, 'overlay-title', (text) => text.length > 0, 'overlay title');
  await expectText(overlay, 'overlay-countdown', (text) => countdownSeconds(text) !== null, 'overlay countdown');
  await expectNoBrokenImage(overlay);

  // --- typing while 20 bids arrive ----------------------------------------------------------
  await fillIn(page, 'extend-ends-at-time', TYPED_END, 'the end field');
  await click(page, 'cancel-reason', 'the cancel reason');
  await page.keyboard.type(TYPED_REASON[0]);
  await step('place-20-bids');
  await expectText(page, 'high-bid', ethIs('0.029'), 'high bid after the 20 chat bids');
  const rows = await page.locator('[data-testid^="bid-row-"][data-decision="ACCEPTED"]').count();
  if (rows < 20) throw new Failure(`bid feed: ${rows} accepted rows after the 20 chat bids`);
  await page.keyboard.type(TYPED_REASON[1]);
  const typedEnd = await valueOf(page, 'extend-ends-at-time');
  const typedReason = await valueOf(page, 'cancel-reason');
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);
  if (typedEnd !== TYPED_END) throw new Failure(`the end field lost what was typed while bids arrived: ${JSON.stringify(typedEnd)}, typed ${JSON.stringify(TYPED_END)}`);
  if (typedReason !== TYPED_REASON.join('')) throw new Failure(`the cancel reason lost what was typed while bids arrived: ${JSON.stringify(typedReason)}`);
  if (focused !== 'cancel-reason') throw new Failure(`the focus left the cancel reason while bids arrived: it is on ${JSON.stringify(focused)}`);
  await expectText(page, 'high-bidder', isName, 'high bidder after the 20 bids, by name');

  // --- pause from the page: the overlay says so and its clock stops --------------------------
  await click(page, 'pause-lot', 'pause the lot');
  await fillIn(page, 'pause-lot-reason', 'checking the stream (browser test)', 'pause the lot');
  await click(page, 'pause-lot-submit', 'confirm the pause');
  await expectText(overlay, 'overlay-notice', (text) => /bidding paused/i.test(text), 'overlay after the lot was paused', OVERLAY_PAUSE_MS);
  const frozen = await textOf(overlay, 'overlay-countdown');
  await overlay.waitForTimeout(2_000);
  const stillFrozen = await textOf(overlay, 'overlay-countdown');
  if (countdownSeconds(frozen) === null || frozen !== stillFrozen) throw new Failure(`overlay countdown while paused: ${frozen} then ${stillFrozen} 2 s later; it must stand still`);
  await expectVisible(page, 'lot-paused', true, 'live lot: the paused state');
  await expectText(page, 'action-notice-text', (text) => /paused/i.test(text), 'live lot: the notice after pausing');
  await shoot(page, options, 'operator-paused.png');
  await click(page, 'resume-lot', 'resume the lot');
  await expectVisible(page, 'lot-paused', false, 'live lot after resuming');
  await expectText(overlay, 'overlay-notice', (text) => !/paused/i.test(text), 'overlay after the lot was resumed');

  // --- void, then undo -------------------------------------------------------------------------
  await step('place-bid-0.05');
  await expectText(page, 'high-bid', ethIs('0.05'), 'high bid after Alice’s 0.05 ETH bid');
  const aliceBid = await standingBid(page, '0.05', 'void');
  const aliceName = await expectText(page, 'high-bidder', isName, 'high bidder after Alice’s bid, by name');
  await click(page, `void-button-${aliceBid}`, 'void');
  await expectText(page, 'confirm-panel', (text) => text.includes(aliceName) && !/\b[a-z]+:\d+\b/.test(text), `the void question names the bidder as the feed does (${aliceName})`);
  await page.keyboard.press('Escape');
  await expectVisible(page, 'confirm-panel', false, 'Esc closes the void question');
  await click(page, `void-button-${aliceBid}`, 'void');
  await fillIn(page, 'void-reason', 'fat finger (browser test)', 'void');
  await click(page, 'void-submit', 'void');
  await expectText(page, 'high-bid', ethIs('0.029'), 'high bid after voiding Alice’s bid');
  await expectAttribute(page, `[data-testid="bid-row-${aliceBid}"]`, 'data-voided', 'true', 'void: Alice’s row');
  await click(page, 'undo', 'undo the void');
  await expectText(page, 'high-bid', ethIs('0.05'), 'high bid after undoing the void');
  await expectAttribute(page, `[data-testid="bid-row-${aliceBid}"]`, 'data-voided', 'false', 'undo: Alice’s row');

  // --- ban with void, then undo (from the keyboard) -------------------------------------------
  await click(page, `ban-button-${aliceBid}`, 'ban');
  await fillIn(page, 'ban-reason', 'shill bidding (browser test)', 'ban');
  await byTestId(page, 'ban-void-bids').check({ timeout: EXPECT_MS });
  await click(page, 'ban-submit', 'ban');
  await expectText(page, 'high-bid', ethIs('0.029'), 'high bid after banning Alice with her bids voided');
  await expectAttribute(page, `[data-testid="bid-row-${aliceBid}"]`, 'data-voided', 'true', 'ban: Alice’s row');
  await expectVisible(page, 'undo', true, 'ban: the undo');
  await page.keyboard.press('u');
  await expectText(page, 'high-bid', ethIs('0.05'), 'high bid after undoing the ban (U)');
  await expectAttribute(page, `[data-testid="bid-row-${aliceBid}"]`, 'data-voided', 'false', 'undo of the ban: Alice’s row');

  // --- quick extend ----------------------------------------------------------------------------
  const endBefore = await byTestId(page, 'lot-ends-at').getAttribute('data-ends-at', { timeout: EXPECT_MS });
  await click(page, 'extend-1', 'extend by 1 min');
  const deadline = Date.now() + EXPECT_MS;
  let endAfter = endBefore;
  while (Date.now() < deadline && !(Date.parse(endAfter) - Date.parse(endBefore) >= 60_000)) {
    await page.waitForTimeout(100);
    endAfter = await byTestId(page, 'lot-ends-at').getAttribute('data-ends-at').catch(() => endAfter);
  }
  if (!(Date.parse(endAfter) - Date.parse(endBefore) >= 60_000)) throw new Failure(`+1 min: the end went from ${endBefore} to ${endAfter}`);
  await expectText(page, 'action-notice-text', (text) => zone.test(text), 'the notice after extending says the new end with its zone');

  // --- the audit trail names the operator ------------------------------------------------------
  for (const action of ['lot.pause', 'lot.resume', 'bid.void', 'bid.reinstate', 'bidder.ban', 'bidder.unban', 'lot.extend']) {
    await expectAttribute(page, `[data-testid="audit-trail"] [data-action="${action}"]`, 'data-username', options.username, `audit trail: ${action}`);
  }
  await expectText(page, 'audit-trail', (text) => text.includes('fat finger (browser test)') && text.includes('shill bidding (browser test)'), 'audit trail: the reasons');
  await shoot(page, options, 'operator-live.png');

  // --- cancel, and the day run again -----------------------------------------------------------
  await click(page, 'cancel-submit', 'cancel the lot');
  await click(page, 'cancel-lot-submit', 'confirm the cancellation');
  await expectText(page, 'lot-state', (text) => text === 'CANCELLED', 'live lot after cancelling');
  await expectText(overlay, 'overlay-notice', (text) => /cancelled/i.test(text), 'overlay after the lot was cancelled');
  await expectVisible(page, 'rerun-day', true, 'live lot: the way to run the cancelled day again');

  const cancelled = await fetchFromPage(page, `/api/lots/${options.lot}`, { method: 'GET' });
  if (cancelled.status !== 200) throw new Failure(`GET /api/lots/${options.lot} answered ${cancelled.status} ${JSON.stringify(cancelled.body)}`);
  // Through the pages, as an operator does it: the live lot's link, the day's "Run this day
  // again", "Start now" (its opening has passed), the artwork again, Add lot.
  await click(page, 'rerun-day', 'the way to run the cancelled day again');
  await click(page, `rerun-day-${cancelled.body.day_index + 1}`, 'marathon page: run this day again');
  await fillIn(page, 'add-lot-token-uri', cancelled.body.token_uri, 'the new lot’s token');
  await fillIn(page, 'add-lot-image-url', cancelled.body.image_url, 'the new lot’s artwork');
  await click(page, 'add-lot-start-now', 'start the day now');
  await click(page, 'add-lot-submit', 'add the lot');
  let created = null;
  const createdBy = Date.now() + EXPECT_MS;
  while (!created && Date.now() < createdBy) {
    const detail = await fetchFromPage(page, `/api/marathons/${options.marathon}`, { method: 'GET' });
    created = detail.body?.lots?.find((lot) => lot.day_index === cancelled.body.day_index && lot.state !== 'CANCELLED') ?? null;
    if (!created) await page.waitForTimeout(100);
  }
  if (!created) throw new Failure(`no new lot for day ${cancelled.body.day_index + 1} after Add lot`);
  const rerunId = created.id;
  await open(page, `${base}/#/lots/${rerunId}`, 'the new lot');
  const rerunState = await expectText(page, 'lot-state', (text) => text === 'PENDING' || text === 'ACTIVE', `the new lot ${rerunId}`);
  if (rerunState === 'PENDING') await expectText(page, 'countdown', (text) => /^opens in .+ \(.+\)$/.test(text), 'a pending lot says when it opens, with the date');
  const title = await expectText(page, 'lot-title', (text) => text.startsWith(`Day ${cancelled.body.day_index + 1} `), `the new lot is ${`Day ${cancelled.body.day_index + 1}`}`);
  await open(page, `${base}/#/marathons/${options.marathon}`, 'marathon page');
  await expectVisible(page, `lot-row-${rerunId}`, true, 'marathon page: the new lot’s row');
  note(`the cancelled lot ${options.lot} was followed by lot ${rerunId} (${title})`);

  await expectNoBrokenImage(overlay);
  const unknown = Number(options.marathon) + 100_000;
  await open(overlay, `${base}/overlay/${unknown}`, 'overlay of an unknown marathon');
  await expectText(overlay, 'overlay-problem', (text) => text.includes(`no marathon ${unknown}`), 'overlay of an unknown marathon says so');
  await overlay.close();
}
