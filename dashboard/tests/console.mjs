// The operator's console beyond the live lot, at 1280×800: every form shows its bad input at the
// field in plain words (never in the banner), a banner goes with the page it was raised on,
// times carry their zone, days count from 1, the event log reads as sentences and filters as
// one types, the settlement monitor fits the screen with a summary on top, and the Health page
// shows each chat-ingest instance up with its age.
//
//   node dashboard/tests/browser.mjs console --base-url URL --marathon N --lot N --username U
//        --password P [--zone IANA] [--screenshot-dir DIR]
//
// `--lot` is an ACTIVE lot of `--marathon` with bids; `--zone` the marathon's zone (read from
// the API when absent). Screenshots: operator-form-errors.png, operator-settlement.png,
// operator-health.png. No STEP: it changes nothing on the server (every form it sends is refused).

import { join } from 'node:path';
import { Failure } from './line-protocol.mjs';
import { byTestId, click, EXPECT_MS, expectAttribute, expectText, fetchFromPage, fillIn, logIn, note, open, textOf } from './page.mjs';

/**
 * The zone's short name at an instant, as the dashboard writes it (src/admin/zone.ts): the
 * American or European abbreviation when there is one ("EST", "CET"), else "GMT+9".
 */
function zoneShortName(ms, zone) {
  let fallback = '';
  for (const locale of ['en-US', 'en-GB']) {
    const name = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' }).formatToParts(new Date(ms)).find((part) => part.type === 'timeZoneName')?.value ?? '';
    if (name && !/^GMT[+\-−]/.test(name)) return name;
    fallback ||= name;
  }
  return fallback || zone;
}

/** A date and time `days` from now in `zone`, as the zoned fields take them ("2026-12-09", "12:00:00"). */
function wallFieldsIn(zone, days, time) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + days * 86_400_000));
  return { date: parts, time };
}

async function api(page, path) {
  const answer = await fetchFromPage(page, path, { method: 'GET' });
  if (answer.status !== 200) throw new Failure(`GET ${path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function screenshotAs(page, options, name) {
  if (!options.screenshotDir) return;
  const path = join(options.screenshotDir, name);
  await page.screenshot({ path });
  note(`screenshot saved to ${path}`);
}

/** The banner must stay hidden: field errors belong to their fields. */
async function expectNoBanner(page, what) {
  const banner = byTestId(page, 'error-banner');
  if ((await banner.count()) > 0 && (await banner.isVisible())) throw new Failure(`${what}: the error banner shows ${JSON.stringify(await textOf(page, 'error-banner'))}; field errors belong under their fields`);
}

/** Waits for the message under the field with test id `input`, and checks its words. */
async function expectFieldError(page, input, test, what) {
  const text = await expectText(page, `field-error-${input}`, (shown) => shown.length > 0 && test(shown), `${what}: the message under [data-testid=${input}]`);
  const field = byTestId(page, input);
  const control = (await field.evaluate((element) => element.matches('input, select, textarea'))) ? field : field.locator('input').first();
  if ((await control.getAttribute('aria-invalid')) !== 'true') throw new Failure(`${what}: [data-testid=${input}] is not marked aria-invalid`);
  if (/\bu32\b|_secs\b|starts_at|ends_at|\[\d{3} |invalid_field|odd number of digits/.test(text)) throw new Failure(`${what}: the message is in the API's words: ${JSON.stringify(text)}`);
  note(`${what}: ${JSON.stringify(text)}`);
  return text;
}

async function fillZoned(page, testid, { date, time }, what) {
  await fillIn(page, `${testid}-date`, date, what);
  await fillIn(page, `${testid}-time`, time, what);
}

async function pageFitsWidth(page, what) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  if (scroll > client) throw new Failure(`${what}: the page is ${scroll} px wide in a ${client} px window`);
}

// --- the steps ---------------------------------------------------------------------------

async function topBar(page) {
  await expectText(page, 'stream-status', (text) => /updates/i.test(text), 'top bar: the event stream is labelled as updates, not "live"');
  const title = await byTestId(page, 'stream-status').getAttribute('title');
  if (!title) throw new Failure('top bar: the updates status has no title explaining it');
  if ((await byTestId(page, 'zone-choice').count()) === 0) throw new Failure('top bar: no time zone choice ([data-testid=zone-choice])');
}

async function marathonTimes(page, options, zone, lot) {
  await open(page, `${options.baseUrl}/#/marathons/${options.marathon}`, 'marathon page');
  const starts = zoneShortName(Date.parse(lot.starts_at), zone);
  await expectText(page, `lot-starts-${lot.id}`, (text) => text.endsWith(` ${starts}`), `marathon page: lot ${lot.id} starts with its zone (${starts})`);
  await expectText(page, `lot-ends-${lot.id}`, (text) => text.endsWith(` ${zoneShortName(Date.parse(lot.ends_at), zone)}`), `marathon page: lot ${lot.id} ends with its zone`);
  await expectText(page, 'marathon-schedule', (text) => text.includes(zone), `marathon page: the schedule names ${zone}`);
  const row = await textOf(page, `lot-row-${lot.id}`);
  if (!row?.startsWith(`Day ${lot.day_index + 1}`)) throw new Failure(`marathon page: lot ${lot.id} (day_index ${lot.day_index}) should be "Day ${lot.day_index + 1}", the row reads ${JSON.stringify(row)}`);
}

/** The browser's zone when chosen in the top bar, then the marathon's again. */
async function zoneChoice(page, zone, lot) {
  const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await byTestId(page, 'zone-choice').selectOption('browser');
  const browserShort = zoneShortName(Date.parse(lot.ends_at), browserZone);
  await expectText(page, `lot-ends-${lot.id}`, (text) => text.endsWith(` ${browserShort}`), `zone choice: this browser's zone (${browserZone}) once chosen`);
  await byTestId(page, 'zone-choice').selectOption('marathon');
  await expectText(page, `lot-ends-${lot.id}`, (text) => text.endsWith(` ${zoneShortName(Date.parse(lot.ends_at), zone)}`), `zone choice: the marathon's zone (${zone}) again`);
}

async function createMarathonErrors(page, options) {
  await open(page, `${options.baseUrl}/#/marathons/new`, 'new marathon');
  await fillIn(page, 'marathon-name', '', 'create marathon');
  await fillIn(page, 'marathon-first_day', '2020-03-01', 'create marathon');
  await fillIn(page, 'marathon-chat_channels', 'gavel', 'create marathon');
  await fillIn(page, 'marathon-anti_snipe_window_secs', '30', 'create marathon');
  await fillIn(page, 'marathon-anti_snipe_extension_secs', '0', 'create marathon');
  await click(page, 'marathon-submit', 'create marathon');
  await expectFieldError(page, 'marathon-name', (text) => /1 to 200 characters/.test(text), 'create marathon: empty name');
  await expectFieldError(page, 'marathon-first_day', (text) => /today .* or later/i.test(text), 'create marathon: a first day in 2020');
  await expectFieldError(page, 'marathon-chat_channels', (text) => /platform/i.test(text), 'create marathon: a channel without its platform');
  await expectFieldError(page, 'marathon-anti_snipe_extension_secs', (text) => /at least 1/i.test(text), 'create marathon: an anti-snipe extension of 0');
  await expectNoBanner(page, 'create marathon');
  await screenshotAs(page, options, 'operator-form-errors.png');
  // Typing again clears that field's message.
  await fillIn(page, 'marathon-name', 'Spring marathon', 'create marathon');
  if ((await byTestId(page, 'field-error-marathon-name').count()) > 0) throw new Failure('create marathon: the name message stays after the name was typed');
}

/** The API refuses the same inputs and names the field, so a form can place what it misses. */
async function createMarathonRefusedByApi(page) {
  const session = await api(page, '/api/session');
  const valid = {
    name: 'Refused marathon', first_day: '2099-01-01', days: 3, time_zone: 'Europe/Berlin', opening_time: '20:00', lot_duration_secs: 600,
    reserve_wei: '1000', increment_bps: 500, min_increment_wei: '1000', anti_snipe_window_secs: 30, anti_snipe_extension_secs: 30,
    anti_snipe_max_extensions: 3, no_sale: 'burn', chat_channels: ['twitch:gavel'],
  };
  const cases = [
    [{ first_day: '2020-03-01' }, 'first_day'],
    [{ chat_channels: ['twitch:gavel', 'gavel'] }, 'chat_channels'],
    [{ anti_snipe_extension_secs: 0 }, 'anti_snipe_extension_secs'],
  ];
  for (const [change, field] of cases) {
    const answer = await fetchFromPage(page, '/api/marathons', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token },
      body: JSON.stringify({ ...valid, ...change }),
    });
    const named = String(answer.body?.field ?? '').replace(/\[\d+\]$/, '');
    if (answer.status !== 422 || named !== field) {
      throw new Failure(`POST /api/marathons with ${JSON.stringify(change)} answered ${answer.status} ${JSON.stringify(answer.body)}; expected 422 with field ${field}`);
    }
  }
}

async function addLotErrors(page, options, zone, marathon, lot) {
  await open(page, `${options.baseUrl}/#/marathons/${options.marathon}`, 'marathon page');
  const laterDay = Math.min(marathon.days, lot.day_index + 2);
  await fillIn(page, 'add-lot-day', String(laterDay), 'add lot');
  await fillIn(page, 'add-lot-token-uri', 'ftp://example.com/token.json', 'add lot');
  await fillIn(page, 'add-lot-image-url', 'https://example.com/image.png', 'add lot');
  await fillZoned(page, 'add-lot-starts-at', wallFieldsIn(zone, 2, '12:00:00'), 'add lot');
  await fillZoned(page, 'add-lot-ends-at', wallFieldsIn(zone, 2, '11:00:00'), 'add lot');
  await click(page, 'add-lot-submit', 'add lot');
  await expectFieldError(page, 'add-lot-token-uri', (text) => /ipfs:\/\//.test(text) && !text.includes('ftp'), 'add lot: a token URI that is not ipfs or http');
  await expectFieldError(page, 'add-lot-ends-at', (text) => /after starts/i.test(text), 'add lot: the end before the start');
  await expectNoBanner(page, 'add lot');
  const label = await page.locator('[data-testid="add-lot-starts-at"] .zone-label').first().textContent();
  if (!label?.includes(zone)) throw new Failure(`add lot: the Starts field is not labelled with ${zone} (${JSON.stringify(label)})`);
}

/** A refusal that belongs to no field goes to the banner, and the banner goes with its page. */
async function bannerLeavesWithThePage(page, options, zone, lot) {
  await open(page, `${options.baseUrl}/#/marathons/${options.marathon}`, 'marathon page');
  await fillIn(page, 'add-lot-day', String(lot.day_index + 1), 'add lot to a taken day');
  await fillIn(page, 'add-lot-token-uri', 'ipfs://bafy/taken-day.json', 'add lot to a taken day');
  await fillIn(page, 'add-lot-image-url', 'https://example.com/image.png', 'add lot to a taken day');
  await fillZoned(page, 'add-lot-starts-at', wallFieldsIn(zone, 40, '12:00:00'), 'add lot to a taken day');
  await fillZoned(page, 'add-lot-ends-at', wallFieldsIn(zone, 40, '13:00:00'), 'add lot to a taken day');
  await click(page, 'add-lot-submit', 'add lot to a taken day');
  const text = await expectText(page, 'error-banner', (shown) => shown.length > 0, 'add lot to a taken day: the refusal in the banner');
  if (/\[\d{3} |conflict\]/.test(text)) throw new Failure(`banner: in the API's words: ${JSON.stringify(text)}`);
  await click(page, 'nav-events', 'navigate away');
  await page.waitForTimeout(300);
  await expectNoBanner(page, 'banner after navigating to another page');
}

async function settingsErrors(page, options) {
  await open(page, `${options.baseUrl}/#/settings`, 'settings');
  await fillIn(page, `anti-snipe-window-${options.marathon}`, '-5', 'settings');
  await click(page, `anti-snipe-save-${options.marathon}`, 'settings');
  await expectFieldError(page, `anti-snipe-window-${options.marathon}`, (text) => /whole number/i.test(text), 'settings: a negative anti-snipe window');
  await expectNoBanner(page, 'settings');
}

async function bidderErrors(page, options) {
  await open(page, `${options.baseUrl}/#/bidders`, 'bidders');
  const ban = page.locator('[data-testid^="bidder-row-"] [data-testid^="ban-"]').first();
  try {
    await ban.click({ timeout: EXPECT_MS });
  } catch {
    throw new Failure('bidders: no Ban button');
  }
  await click(page, 'ban-submit', 'bidders: ban without a reason');
  await expectFieldError(page, 'ban-reason', (text) => /1 to 500 characters/.test(text), 'bidders: a ban without a reason');
  await expectNoBanner(page, 'bidders');
}

async function eventLog(page, options, zone, lot) {
  await open(page, `${options.baseUrl}/#/events`, 'events');
  // No Enter: the filter applies as it is typed.
  await byTestId(page, 'events-lot').pressSequentially(String(lot.id), { delay: 50 });
  const recent = await api(page, `/api/events/recent?lot_id=${lot.id}&limit=20`);
  const newest = recent.events[0];
  if (!newest) throw new Failure(`events: the API has no event for lot ${lot.id}`);
  await expectText(page, `event-time-${newest.seq}`, (text) => text.endsWith(` ${zoneShortName(Date.parse(newest.occurred_at), zone)}`), `events: event ${newest.seq}'s time in ${zone}`);
  const rows = page.locator('[data-testid="event-log"] > li[data-seq]');
  // The filter applies as typed, after a short pause: the rows are the lot's alone once it has.
  const wanted = recent.events.map((event) => String(event.seq)).join(',');
  const deadline = Date.now() + EXPECT_MS;
  let shown = '';
  while ((shown = (await rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-seq')))).join(',')) !== wanted) {
    if (Date.now() > deadline) throw new Failure(`events: lot ${lot.id}'s filter shows rows ${shown}, the API answers ${wanted}`);
    await page.waitForTimeout(100);
  }
  const types = await rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-type')));
  const lines = await page.locator('[data-testid^="event-line-"]').allTextContents();
  if (lines.some((line) => line.trim().startsWith('{'))) throw new Failure('events: a line shows raw JSON');
  note(`events: ${types.length} rows for lot ${lot.id}, e.g. ${JSON.stringify(lines[0])}`);
  const bid = recent.events.find((event) => event.type === 'bid.accepted');
  if (bid) {
    await byTestId(page, 'events-bidder').pressSequentially(bid.payload.bidder, { delay: 20 });
    const deadline = Date.now() + EXPECT_MS;
    for (;;) {
      const shown = await rows.evaluateAll((items) => items.map((item) => item.querySelector('details pre')?.textContent ?? ''));
      if (shown.length > 0 && shown.every((json) => json.includes(`"${bid.payload.bidder}"`))) break;
      if (Date.now() > deadline) throw new Failure(`events: filtering by bidder ${bid.payload.bidder} still shows events without them`);
      await page.waitForTimeout(200);
    }
  }
}

async function settlement(page, options, lot) {
  await open(page, `${options.baseUrl}/#/settlement/${lot.id}`, 'settlement');
  await expectText(page, 'settlement-nft-moved', (text) => text.length > 0, 'settlement: the summary says whether the NFT moved');
  await expectText(page, 'settlement-state', (text) => text.length > 0, 'settlement: the summary gives the state');
  // Short hashes are checked on a settled lot, where there are some (`settled` in browser.mjs).
  await pageFitsWidth(page, 'settlement');
  await screenshotAs(page, options, 'operator-settlement.png');
}

async function health(page, options) {
  await open(page, `${options.baseUrl}/#/health`, 'health');
  await expectText(page, 'health-updated', (text) => /^as of \d\d:\d\d:\d\d \S+/.test(text), 'health: "as of" with its zone');
  const system = await api(page, '/api/health/system');
  if (system.services.chat_ingest.length === 0) throw new Failure('health: the API reports no chat-ingest instance');
  for (const instance of system.services.chat_ingest) {
    const name = `chat-ingest-${instance.id}`;
    await expectAttribute(page, `[data-testid="health-service-${name}"]`, 'data-ok', 'true', `health: ingest instance ${instance.id} up`);
    await expectText(page, `health-age-${name}`, (text) => /^\d+\.\d s ago$/.test(text), `health: ingest instance ${instance.id}'s age`);
  }
  for (const queue of system.rabbitmq.queues) {
    if (queue.name.endsWith('.dead') && queue.messages === 0) await expectAttribute(page, `[data-testid="health-queue-${queue.name}"]`, 'data-ok', 'true', 'health: the empty dead-letter queue is not flagged');
  }
  await pageFitsWidth(page, 'health');
  await screenshotAs(page, options, 'operator-health.png');
}

export async function consoleScenario(page, options) {
  await logIn(page, options, (role) => role === 'admin');
  await topBar(page);
  const { marathon } = await api(page, `/api/marathons/${options.marathon}`);
  const zone = options.zone ?? marathon.time_zone;
  if (marathon.time_zone !== zone) throw new Failure(`marathon ${marathon.id} is in ${marathon.time_zone}, not --zone ${zone}`);
  const lot = await api(page, `/api/lots/${options.lot}`);
  if (lot.state !== 'ACTIVE') throw new Failure(`lot ${lot.id} is ${lot.state}; the scenario needs an ACTIVE lot`);

  await marathonTimes(page, options, zone, lot);
  await zoneChoice(page, zone, lot);
  await createMarathonErrors(page, options);
  await createMarathonRefusedByApi(page);
  await addLotErrors(page, options, zone, marathon, lot);
  await bannerLeavesWithThePage(page, options, zone, lot);
  await settingsErrors(page, options);
  await bidderErrors(page, options);
  await eventLog(page, options, zone, lot);
  await settlement(page, options, lot);
  await health(page, options);
}
