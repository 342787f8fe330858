// The line protocol between a browser test driver (tests/browser.mjs, tests/viewer.mjs) and the
// side that acts on its steps (a Rust system test, or tests/mock-run.mjs and
// tests/viewer-mock.mjs). The driver prints `STEP <words…>` on stdout when the other side must
// act and waits for a line `GO` on stdin; its last line is `PASS` (exit 0) or `FAIL <reason>`
// (exit 1). Nothing else goes to stdout; diagnostics go to stderr. Both halves live here: the
// driver's (`step`, `concludeDriver`) and the acting side's (`runDriver`).

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A failure the driver words itself: its message is the reason on the `FAIL` line. */
export class Failure extends Error {}

/** `--base-url X --lot 2` → `{ baseUrl: 'X', lot: '2' }`. */
export function parseFlags(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key.startsWith('--') || value === undefined) throw new Failure(`bad arguments near ${JSON.stringify(key)}; expected --name value pairs`);
    options[key.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = value;
  }
  return options;
}

/** `baseUrl` → `--base-url`, for messages about a missing flag. */
export const flagName = (name) => `--${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;

export const say = (line) => process.stdout.write(`${line}\n`);

// --- the driver's half ---------------------------------------------------------------------

/** Lines read from stdin and not yet taken; readers waiting for one. Read from the first step on. */
const unread = [];
const readers = [];
let stdin = null;
let stdinClosed = false;

function readStdin() {
  if (stdin) return;
  stdin = createInterface({ input: process.stdin });
  stdin.on('line', (line) => {
    const reader = readers.shift();
    if (reader) reader(line.trim());
    else unread.push(line.trim());
  });
  stdin.on('close', () => {
    stdinClosed = true;
    while (readers.length) readers.shift()(null);
  });
}

/** The next line on stdin; `null` once stdin is closed, `undefined` after `timeoutMs`. */
function nextLine(timeoutMs) {
  readStdin();
  if (unread.length) return Promise.resolve(unread.shift());
  if (stdinClosed) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      readers.splice(readers.indexOf(reader), 1);
      resolve(undefined);
    }, timeoutMs);
    const reader = (line) => {
      clearTimeout(timer);
      resolve(line);
    };
    readers.push(reader);
  });
}

/** Asks the other side to act (`STEP <words…>`) and waits up to `timeoutMs` for its `GO`. */
export async function step(timeoutMs, ...words) {
  const line = `STEP ${words.join(' ')}`;
  say(line);
  const answer = await nextLine(timeoutMs);
  if (answer === undefined) throw new Failure(`no GO within ${timeoutMs / 1000} s after ${line}`);
  if (answer === null) throw new Failure(`stdin closed while waiting for GO after ${line}`);
  if (answer !== 'GO') throw new Failure(`expected GO after ${line}, got ${JSON.stringify(answer)}`);
}

/**
 * Runs a driver's `main` to its verdict: `PASS` and exit 0 when it resolves; `FAIL <reason>` and
 * exit 1 when it throws (a Failure's own words, any other error's stack on one line).
 */
export function concludeDriver(main) {
  main().then(
    () => {
      say('PASS');
      process.exit(0);
    },
    (error) => {
      say(`FAIL ${error instanceof Failure ? error.message : (error?.stack ?? String(error)).split('\n').join(' | ')}`);
      process.exit(1);
    },
  );
}

// --- the acting side's half ----------------------------------------------------------------

/**
 * Runs the driver `script` with `args` and plays the other side: echoes each line it prints
 * (after `[tag +seconds]`), awaits `onStep(words)` for each `STEP <words>` and answers `GO`. A
 * throw from `onStep` stops the driver. Resolves whether it passed, its exit code and how long
 * it took.
 */
export async function runDriver(script, args, { tag = '', onStep }) {
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  const driver = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => driver.on('exit', (code) => resolve(code)));
  let verdict = null;
  for await (const line of createInterface({ input: driver.stdout })) {
    console.log(`[${tag}+${seconds()}s] ${line}`);
    const stepLine = /^STEP (.+)$/.exec(line);
    if (!stepLine) {
      if (line === 'PASS' || line.startsWith('FAIL')) verdict ??= line;
      continue;
    }
    try {
      await onStep(stepLine[1]);
      driver.stdin.write('GO\n');
    } catch (error) {
      verdict = `FAIL (acting side) ${error.message}`;
      console.log(`[${tag}+${seconds()}s] ${verdict}`);
      driver.kill();
    }
  }
  const code = await exited;
  return { passed: verdict === 'PASS' && code === 0, code, seconds: seconds() };
}
