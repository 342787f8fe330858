// Settings: maintenance mode (bidding paused), chat replies, and each marathon's name and
// anti-snipe rule.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import type { Marathon, Settings } from '../../shared/api-types';
import type { App, Page } from '../app';
import { FormFeedback, submitForm, textProblem, wholeNumberProblem } from '../forms';

const SECONDS_PER_DAY = 86_400;

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

  // One form per marathon, made once: a reload after a save or an event keeps what is typed.
  const forms = new Map<number, HTMLElement>();
  const loadMarathons = async () => {
    const marathons = await api<Marathon[]>('GET', '/api/marathons');
    fill(
      antiSnipe,
      h('h2', null, 'Anti-snipe'),
      h('p', { class: 'muted' }, 'A bid accepted within the window before the end moves the end to at least that bid plus the extension, a limited number of times.'),
      marathons.length === 0 ? h('p', { class: 'muted' }, 'No marathon yet.') : null,
      marathons.map((marathon) => {
        let form = forms.get(marathon.id);
        if (!form) {
          form = marathonForm(app, marathon);
          forms.set(marathon.id, form);
        }
        return form;
      }),
    );
  };

  const stop = app.live.listen({
    onEvent: (event) => {
      if (event.type === 'bidding.paused' || event.type === 'bidding.resumed') void app.load(reload);
    },
    onSync: () => void app.load(reload),
  });
  void app.load(() => Promise.all([reload(), loadMarathons()]));
  return stop;
};

/** A marathon's name and anti-snipe rule; admins save it, others read it. */
function marathonForm(app: App, marathon: Marathon): HTMLElement {
  const editable = app.can('admin');
  const input = (field: string, value: string | number, type = 'number') =>
    h('input', { type, min: 0, value: String(value), disabled: !editable, testid: `${field}-${marathon.id}`, inputmode: type === 'number' ? 'numeric' : null });
  const name = input('marathon-name', marathon.name, 'text');
  const snipeWindow = input('anti-snipe-window', marathon.anti_snipe_window_secs);
  const extension = input('anti-snipe-extension', marathon.anti_snipe_extension_secs);
  const maxExtensions = input('anti-snipe-max', marathon.anti_snipe_max_extensions);
  const feedback = new FormFeedback({
    name: { input: name, label: 'Name' },
    anti_snipe_window_secs: { input: snipeWindow, label: 'Window' },
    anti_snipe_extension_secs: { input: extension, label: 'Extension' },
    anti_snipe_max_extensions: { input: maxExtensions, label: 'Max extensions' },
  });
  const onsubmit = (event: Event) => {
    event.preventDefault();
    const windowProblem = wholeNumberProblem(snipeWindow.value, 0, marathon.lot_duration_secs);
    const ok = feedback.check([
      [name, textProblem(name.value, 200, 'A name')],
      [snipeWindow, windowProblem && `${windowProblem} (the lot lasts ${marathon.lot_duration_secs} s)`],
      [
        extension,
        wholeNumberProblem(extension.value, 0, SECONDS_PER_DAY) ??
          (windowProblem === null && Number(snipeWindow.value) > 0 && Number(extension.value) === 0 ? 'Must be at least 1 second while the anti-snipe window is on (a window of 0 turns anti-snipe off)' : null),
      ],
      [maxExtensions, wholeNumberProblem(maxExtensions.value, 0, 1000)],
    ]);
    if (!ok) return;
    void submitForm(app, feedback, () =>
      api('PATCH', `/api/marathons/${marathon.id}`, {
        name: name.value.trim(),
        anti_snipe_window_secs: Number(snipeWindow.value),
        anti_snipe_extension_secs: Number(extension.value),
        anti_snipe_max_extensions: Number(maxExtensions.value),
      }),
    );
  };
  return h(
    'form',
    { class: 'grid-form compact', onsubmit, novalidate: true, testid: `anti-snipe-form-${marathon.id}` },
    h('label', null, `Marathon #${marathon.id}`, name),
    h('label', null, 'Window (seconds)', snipeWindow),
    h('label', null, 'Extension (seconds)', extension),
    h('label', null, 'Max extensions', maxExtensions),
    editable ? h('div', { class: 'actions' }, h('button', { testid: `anti-snipe-save-${marathon.id}` }, 'Save'), feedback.status) : null,
  );
}
