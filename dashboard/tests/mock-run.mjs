// A development aid: runs tests/browser.mjs against tests/mock-server.mjs, playing the Rust
// test's side of the line protocol (answering each STEP, then GO), so the driver and the pages
// can be checked without the Rust services. Build dashboard/dist first.
//
//   node dashboard/tests/mock-run.mjs [admin|viewer|overlay ...] [--screenshots DIR]

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDriver } from './line-protocol.mjs';
import { createMock } from './mock-server.mjs';

const DRIVER = fileURLToPath(new URL('./browser.mjs', import.meta.url));
const args = process.argv.slice(2);
const dirIndex = args.indexOf('--screenshots');
const screenshots = dirIndex >= 0 ? args.splice(dirIndex, 2)[1] : tmpdir();
const scenarios = args.length ? args : ['admin', 'viewer', 'overlay'];
const LOT = 2;

/** What the mock does for each STEP, as the Rust test does with a real chat bid. */
function actions(mock) {
  return {
    'place-bid': () => expect(mock.placeBid(LOT, 'twitch:1', '0.02'), 'bid.accepted'),
    'place-higher-bid': () => expect(mock.placeBid(LOT, 'twitch:2', '0.03'), 'bid.accepted'),
    'bid-while-paused': () => {
      const event = mock.placeBid(LOT, 'twitch:1', '0.05');
      expect(event, 'bid.rejected');
      if (event.payload.reason.code !== 'paused') throw new Error(`the bid while paused was rejected for ${event.payload.reason.code}, not paused`);
    },
  };
}

function expect(event, type) {
  if (event.type !== type) throw new Error(`expected ${type}, got ${event.type} ${JSON.stringify(event.payload)}`);
}

async function run(scenario) {
  const mock = createMock();
  if (scenario === 'overlay') mock.placeBid(LOT, 'twitch:1', '0.02');
  await new Promise((resolve) => mock.server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${mock.server.address().port}`;
  const screenshot = join(screenshots, `gavel-${scenario}.png`);
  const extra = {
    admin: ['--lot', String(LOT), '--username', 'ada', '--password', 'secret'],
    viewer: ['--username', 'vic', '--password', 'secret'],
    overlay: ['--marathon', '1', '--expect-high', '0.02'],
  }[scenario];
  const steps = actions(mock);
  const { passed, code, seconds } = await runDriver(DRIVER, [scenario, '--base-url', baseUrl, ...extra, '--screenshot', screenshot], {
    tag: `${scenario} `,
    onStep: (name) => steps[name](),
  });
  mock.server.closeAllConnections();
  mock.server.close();
  console.log(`[${scenario}] ${passed ? 'passed' : 'FAILED'} in ${seconds} s (exit ${code}); screenshot ${screenshot}`);
  return passed;
}

let ok = true;
for (const scenario of scenarios) ok = (await run(scenario)) && ok;
process.exit(ok ? 0 : 1);
