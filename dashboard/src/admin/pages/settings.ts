// Settings: maintenance mode (bidding paused), chat replies, and each marathon's anti-snipe rule.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import type { Marathon, Settings } from '../../shared/api-types';
import type { App, Page } from '../app';

export const settingsPage: Page = (outlet, app) => {
  const maintenance = h('section', { class: 'card' });
  const replies = h('section', { class: 'card' });
  const antiSnipe = h('section', { class: 'card' });
  outlet.replaceChildren(h('h1', null, 'Settings'), maintenance, replies, antiSnipe);

  const draw = (settings: Settings) => {
    fill(
      maintenance,
      h('h2', null, 'Maintenance mode'),
      h(
        'p',
        null,
        h(
          'strong',
          { testid: 'maintenance-state', 'data-paused': String(settings.bidding_paused), class: settings.bidding_paused ? 'bad' : 'ok' },
          settings.bidding_paused ? 'Bidding paused' : 'Bidding open',
        ),
        h('span', { class: 'muted' }, settings.bidding_paused ? ': every chat bid is rejected.' : ': chat bids are decided.'),
      ),
      app.can('operator')
        ? h(
            'button',
            {
              testid: 'maintenance-toggle',
              class: settings.bidding_paused ? '' : 'danger',
              onclick: () => void toggle(`/api/bidding/${settings.bidding_paused ? 'resume' : 'pause'}`),
            },
            settings.bidding_paused ? 'Resume bidding' : 'Pause bidding',
          )
        : null,
    );
    fill(
      replies,
      h('h2', null, 'Chat replies'),
      h(
        'p',
        null,
        h('strong', { testid: 'chat-replies-state', 'data-enabled': String(settings.chat_replies) }, settings.chat_replies ? 'On' : 'Off'),
        h('span', { class: 'muted' }, settings.chat_replies ? ': the bot answers bids in chat.' : ': the bot stays silent.'),
      ),
      app.can('operator')
        ? h(
            'button',
            { testid: 'chat-replies-toggle', onclick: () => void toggle('/api/settings/chat-replies', { enabled: !settings.chat_replies }) },
            settings.chat_replies ? 'Turn replies off' : 'Turn replies on',
          )
        : null,
    );
  };

  const toggle = (path: string, body?: unknown) =>
    app.attempt(async () => {
      await api('POST', path, body);
      await reload();
    });

  const reload = async () => draw(await api<Settings>('GET', '/api/settings'));

  const loadMarathons = async () => {
    const marathons = await api<Marathon[]>('GET', '/api/marathons');
    fill(
      antiSnipe,
      h('h2', null, 'Anti-snipe'),
      h('p', { class: 'muted' }, 'A bid accepted within the window before the end moves the end to at least that bid plus the extension, a limited number of times.'),
      marathons.length === 0 ? h('p', { class: 'muted' }, 'No marathon yet.') : null,
      marathons.map((marathon) => marathonForm(app, marathon, loadMarathons)),
    );
  };

  const stop = app.live.listen({
    onEvent: (event) => {
      if (event.type === 'bidding.paused' || event.type === 'bidding.resumed') void app.attempt(reload);
    },
    onSync: () => void app.attempt(reload),
  });
  void app.attempt(() => Promise.all([reload(), loadMarathons()]));
  return stop;
};

function marathonForm(app: App, marathon: Marathon, saved: () => Promise<void>): HTMLElement {
  const editable = app.can('admin');
  const input = (field: string, value: string | number, type = 'number') =>
    h('input', { type, min: 0, value: String(value), disabled: !editable, required: true, testid: `${field}-${marathon.id}` });
  const name = input('marathon-name', marathon.name, 'text');
  const snipeWindow = input('anti-snipe-window', marathon.anti_snipe_window_secs);
  const extension = input('anti-snipe-extension', marathon.anti_snipe_extension_secs);
  const maxExtensions = input('anti-snipe-max', marathon.anti_snipe_max_extensions);
  const onsubmit = (event: Event) => {
    event.preventDefault();
    void app.attempt(async () => {
      await api('PATCH', `/api/marathons/${marathon.id}`, {
        name: name.value,
        anti_snipe_window_secs: Number(snipeWindow.value),
        anti_snipe_extension_secs: Number(extension.value),
        anti_snipe_max_extensions: Number(maxExtensions.value),
      });
      await saved();
    });
  };
  return h(
    'form',
    { class: 'grid-form compact', onsubmit },
    h('label', null, `Marathon #${marathon.id}`, name),
    h('label', null, 'Window (s)', snipeWindow),
    h('label', null, 'Extension (s)', extension),
    h('label', null, 'Max extensions', maxExtensions),
    editable ? h('button', { testid: `anti-snipe-save-${marathon.id}` }, 'Save') : null,
  );
}
