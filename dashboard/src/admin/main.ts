// The admin dashboard: a single page with hash routes (`#/lots/3`), so Gavel serves one
// index.html. The session decides what is shown; the server decides what is allowed.

import './admin.css';
import { api, handleUnauthenticated, setCsrfToken } from '../shared/api';
import { fill, h } from '../shared/dom';
import type { Session, Settings } from '../shared/api-types';
import { App, type Page } from './app';
import { zoneChoice } from './zone';
import { biddersPage } from './pages/bidders';
import { eventsPage } from './pages/events';
import { healthPage } from './pages/health';
import { liveLotPage, currentLotPage } from './pages/live-lot';
import { loginPage } from './pages/login';
import { marathonPage, marathonsPage } from './pages/marathons';
import { newMarathonPage } from './pages/new-marathon';
import { settingsPage } from './pages/settings';
import { settlementPage } from './pages/settlement';

const routes: [RegExp, Page][] = [
  [/^\/?$/, marathonsPage],
  [/^\/marathons$/, marathonsPage],
  [/^\/marathons\/new$/, newMarathonPage],
  [/^\/marathons\/(\d+)$/, marathonPage],
  [/^\/live$/, currentLotPage],
  [/^\/lots\/(\d+)$/, liveLotPage],
  [/^\/bidders$/, biddersPage],
  [/^\/events$/, eventsPage],
  [/^\/settlement(?:\/(\d+))?$/, settlementPage],
  [/^\/health$/, healthPage],
  [/^\/settings$/, settingsPage],
];

const NAV: [string, string][] = [
  ['#/marathons', 'Marathons'],
  ['#/live', 'Live lot'],
  ['#/bidders', 'Bidders'],
  ['#/events', 'Events'],
  ['#/settlement', 'Settlement'],
  ['#/health', 'Health'],
  ['#/settings', 'Settings'],
];

const app = new App();
const root = document.getElementById('app')!;
const banner = h('div', { class: 'error-banner', testid: 'error-banner', role: 'alert', hidden: true });
const outlet = h('main', { class: 'outlet' });
const pausedBadge = h('span', { class: 'badge badge-paused', testid: 'paused-badge', hidden: true }, 'Bidding paused');
// The dashboard's connection to the event stream, not the show: "live" there read as "on air".
const streamStatus = h('span', {
  class: 'stream-status',
  testid: 'stream-status',
  title: 'Whether this page receives Gavel’s events as they happen. When not connected, pages show what they last read and catch up on reconnecting.',
});
let dispose: (() => void) | void;

app.showError = (message) => {
  banner.hidden = message === null;
  fill(banner, message ?? '', message ? h('button', { class: 'link', onclick: () => app.clearError() }, 'dismiss') : null);
};
app.live.onStatus = (status) => {
  streamStatus.dataset.status = status;
  streamStatus.textContent = status === 'open' ? '● updates: connected' : status === 'connecting' ? '○ updates: reconnecting…' : '○ updates: offline';
};
app.live.listen({
  onEvent: (event) => {
    if (event.type === 'bidding.paused') pausedBadge.hidden = false;
    if (event.type === 'bidding.resumed') pausedBadge.hidden = true;
  },
  onSync: () => void refreshPausedBadge(),
});

async function refreshPausedBadge(): Promise<void> {
  try {
    const settings = await api<Settings>('GET', '/api/settings');
    pausedBadge.hidden = !settings.bidding_paused;
  } catch {
    // The badge is a hint; the settings page reports errors.
  }
}

function signIn(session: Session): void {
  app.session = session;
  setCsrfToken(session.csrf_token);
  app.live.start();
}

async function signOut(): Promise<void> {
  await app.attempt(() => api('DELETE', '/api/session'));
  forgetSession();
}

function forgetSession(): void {
  app.session = null;
  setCsrfToken(null);
  app.live.stop();
  location.hash = '#/login';
  render();
}

function layout(): HTMLElement {
  const session = app.session!;
  const path = location.hash.slice(1);
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '#/marathons' }, 'Gavel'),
      h(
        'nav',
        null,
        NAV.map(([href, label]) => h('a', { href, class: path.startsWith(href.slice(1)) ? 'active' : null, testid: `nav-${href.slice(2)}` }, label)),
      ),
      h(
        'div',
        { class: 'who' },
        pausedBadge,
        zoneChoice(),
        streamStatus,
        h('span', { testid: 'nav-user', 'data-role': session.user.role }, `${session.user.username} · ${session.user.role}`),
        h('button', { class: 'link', testid: 'logout', onclick: () => void signOut() }, 'Log out'),
      ),
    ),
    banner,
    outlet,
  );
}

function render(): void {
  dispose?.();
  dispose = undefined;
  app.navigated();
  const path = location.hash.replace(/^#/, '') || '/';
  if (!app.session) {
    fill(root, banner, outlet);
    dispose = loginPage(outlet, app, [], async (session) => {
      signIn(session);
      if (path === '/login') location.hash = '#/marathons';
      else render();
    });
    return;
  }
  if (path === '/login') {
    location.hash = '#/marathons';
    return;
  }
  fill(root, layout());
  const route = routes.find(([pattern]) => pattern.test(path));
  if (!route) {
    fill(outlet, h('p', null, 'No such page. ', h('a', { href: '#/marathons' }, 'Marathons')));
    return;
  }
  const params = route[0].exec(path)!.slice(1);
  dispose = route[1](outlet, app, params);
}

handleUnauthenticated(() => {
  if (app.session) forgetSession();
});
window.addEventListener('hashchange', render);

async function boot(): Promise<void> {
  try {
    signIn(await api<Session>('GET', '/api/session'));
    void refreshPausedBadge();
  } catch {
    // Not signed in: the login page.
  }
  render();
}

void boot();
