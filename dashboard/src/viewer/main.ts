// The public marathon page, at /m/{marathonId} (in `vite dev`, /viewer.html?marathon=N): the
// schedule, the current lot live, past lots with their verification, joining, and the viewer's
// own wallet. No login: everything shown is public, read from Gavel's public API and the chain.

import './viewer.css';
import { h } from '../shared/dom';
import { joinSection } from './join-section';
import { liveSection } from './live-section';
import { pastSection } from './past-section';
import { scheduleSection } from './schedule-section';
import { ViewerState } from './state';
import { walletSection } from './wallet-section';

const marathonId = Number(/\/m\/(\d+)/.exec(location.pathname)?.[1] ?? new URLSearchParams(location.search).get('marathon'));
const root = document.getElementById('viewer')!;

if (Number.isInteger(marathonId) && marathonId > 0) {
  const state = new ViewerState(marathonId);
  const title = h('h1', null, 'Marathon');
  state.subscribe(() => {
    title.textContent = state.marathon?.name ?? (state.marathonError ? 'Marathon not found' : 'Marathon');
  });
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const lotChanged = () => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => void state.loadMarathon(), 1_000);
  };
  root.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      h('span', { class: 'brand' }, 'Gavel'),
      title,
      h(
        'nav',
        null,
        ['live', 'schedule', 'past', 'join', 'wallet'].map((id) =>
          h('a', { href: `#${id}` }, { live: 'Live', schedule: 'Schedule', past: 'Past', join: 'Join', wallet: 'My wallet' }[id]),
        ),
      ),
    ),
    h(
      'main',
      { class: 'page' },
      h('div', { class: 'column' }, liveSection(state, lotChanged), joinSection(state), walletSection(state)),
      h('div', { class: 'column' }, scheduleSection(state), pastSection(state)),
    ),
  );
  void state.start();
  // Between lots the live section may not notice a day passing: read the schedule now and then.
  setInterval(() => void state.loadMarathon(), 60_000);
} else {
  root.replaceChildren(h('main', { class: 'page' }, h('p', null, 'No marathon in the address: expected /m/{marathon number}.')));
}
