// What the browser scenarios share: finding elements by test id, waiting for text and
// attributes, logging in, screenshots. Every wait fails with what was last seen.

import { Failure, step as stepOf } from './line-protocol.mjs';

/** How long a page may take to show what a step expects. */
export const EXPECT_MS = 10_000;
/** How long the other side may take to act on a STEP. */
export const GO_TIMEOUT_MS = 60_000;

export const note = (line) => process.stderr.write(`browser.mjs: ${line}\n`);
export const step = (name) => stepOf(GO_TIMEOUT_MS, name);

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`).first();

export async function textOf(page, id) {
  try {
    return (await byTestId(page, id).textContent({ timeout: 500 }))?.trim() ?? null;
  } catch {
    return null;
  }
}

/** Waits until `test(text)` holds for the element's text; fails naming what was last seen. */
export async function expectText(page, id, test, what, timeoutMs = EXPECT_MS) {
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
export const ethIs = (expected) => (text) => text.replace(/\s*ETH$/i, '') === expected;

export async function expectAttribute(page, selector, name, expected, what, timeoutMs = EXPECT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await page.locator(selector).first().getAttribute(name, { timeout: 500 }).catch(() => null);
    if (last === expected) return;
    await page.waitForTimeout(100);
  }
  throw new Failure(`${what}: ${selector} has ${name}=${JSON.stringify(last)}, expected ${JSON.stringify(expected)}, after ${timeoutMs / 1000} s`);
}

export async function click(page, id, what) {
  try {
    await byTestId(page, id).click({ timeout: EXPECT_MS });
  } catch {
    throw new Failure(`${what}: could not click [data-testid=${id}] within ${EXPECT_MS / 1000} s`);
  }
}

export async function fillIn(page, id, value, what) {
  try {
    await byTestId(page, id).fill(value, { timeout: EXPECT_MS });
  } catch {
    throw new Failure(`${what}: could not fill [data-testid=${id}] within ${EXPECT_MS / 1000} s`);
  }
}

export async function open(page, url, what) {
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: EXPECT_MS });
  } catch (error) {
    throw new Failure(`${what}: could not load ${url}: ${error.message.split('\n')[0]}`);
  }
}

/** A request made by the page itself, with its cookie; returns the status and parsed body. */
export function fetchFromPage(page, path, init) {
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

export async function logIn(page, options, role) {
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

export async function screenshot(page, options, extra = {}) {
  if (!options.screenshot) return;
  await page.screenshot({ path: options.screenshot, ...extra });
  note(`screenshot saved to ${options.screenshot}`);
}
