// Debian's Chromium (/usr/bin/chromium, or $GAVEL_CHROMIUM) started headless for the browser
// test drivers; nothing is downloaded. The driver is bounded: past its time it says FAIL and
// exits, whatever the page or the other side is doing.

import { chromium } from 'playwright-core';
import { Failure, say } from './line-protocol.mjs';

const CHROMIUM = process.env.GAVEL_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Starts Chromium, hands it to `use` and closes it whatever happens. After `timeoutSecs` the
 * driver gives up: `FAIL <what> took longer than N s`, exit 1.
 */
export async function withChromium(what, timeoutSecs, use) {
  let browser;
  const watchdog = setTimeout(() => {
    say(`FAIL ${what} took longer than ${timeoutSecs} s`);
    void browser?.close().catch(() => {});
    process.exit(1);
  }, timeoutSecs * 1000);
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 }).catch((error) => {
      throw new Failure(`could not start ${CHROMIUM}: ${error.message.split('\n')[0]}`);
    });
    return await use(browser);
  } finally {
    clearTimeout(watchdog);
    await browser?.close().catch(() => {});
  }
}
