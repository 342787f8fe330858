// The event log: the most recent events from the server, filtered by type and lot, then the
// live stream's events that match the same filters on top.

import { api, query } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import { EVENT_TYPES, lotOf } from '../../shared/sse';
import { formatTime } from '../../shared/time';
import type { EventEnvelope, RecentEvents } from '../../shared/api-types';
import type { Page } from '../app';

const SHOWN = 200;

export const eventsPage: Page = (outlet, app) => {
  let events: EventEnvelope[] = [];
  const type = h(
    'select',
    { testid: 'events-type', onchange: () => void reload() },
    h('option', { value: '' }, 'all types'),
    EVENT_TYPES.map((name) => h('option', { value: name }, name)),
  );
  const lot = h('input', { type: 'number', min: 1, placeholder: 'lot id', testid: 'events-lot', onchange: () => void reload() });
  const live = h('input', { type: 'checkbox', checked: true, testid: 'events-live' });
  const list = h('table', { class: 'events', testid: 'event-log' });
  outlet.replaceChildren(
    h('h1', null, 'Event log'),
    h('div', { class: 'card filters' }, h('label', null, 'Type ', type), h('label', null, 'Lot ', lot), h('label', { class: 'check' }, live, 'follow live')),
    h('div', { class: 'card' }, list),
  );

  const matches = (event: EventEnvelope) => (!type.value || event.type === type.value) && (!lot.value || lotOf(event) === Number(lot.value));

  const draw = () => {
    fill(
      list,
      h('thead', null, h('tr', null, ['Seq', 'Occurred', 'Type', 'Lot', 'Payload'].map((label) => h('th', null, label)))),
      h(
        'tbody',
        null,
        events.map((event) =>
          h(
            'tr',
            { 'data-seq': event.seq, 'data-type': event.type },
            h('td', null, event.seq),
            h('td', null, formatTime(event.occurred_at)),
            h('td', null, h('span', { class: `badge type-${event.type.split('.')[0]}` }, event.type)),
            h('td', null, lotOf(event) ?? ''),
            h('td', { class: 'mono payload' }, JSON.stringify(event.payload)),
          ),
        ),
      ),
    );
  };

  const reload = () =>
    app.attempt(async () => {
      const recent = await api<RecentEvents>('GET', `/api/events/recent${query({ type: type.value, lot_id: lot.value, limit: SHOWN })}`);
      events = recent.events;
      draw();
    });

  const stop = app.live.listen({
    onEvent: (event) => {
      if (!live.checked || !matches(event) || events.some((shown) => shown.seq === event.seq)) return;
      events = [event, ...events].slice(0, SHOWN);
      draw();
    },
    onSync: () => void reload(),
  });
  void reload();
  return stop;
};
