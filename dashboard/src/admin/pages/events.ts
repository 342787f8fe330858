// The event log: recent events as sentences (who, which lot, how much, when in the marathon's
// zone), the raw JSON one click away. Filters by type, lot and bidder apply as they are typed;
// "Older" pages back through the log; new events from the live stream that match the filters
// arrive on top.

import { api, query } from '../../shared/api';
import { fill, h, type Child } from '../../shared/dom';
import { EVENT_TYPES, lotOf } from '../../shared/sse';
import type { EventEnvelope, Marathon, MarathonDetail, RecentEvents } from '../../shared/api-types';
import { debounce, type Page } from '../app';
import { describeEvent, mentionsBidder, type Part } from '../event-words';
import { bidderTag, eth, hashCell } from '../view';
import { formatInstant, onZoneChange } from '../zone';

const PAGE_SIZE = 100;
/** Typing in a filter reloads once the operator pauses this long. */
const TYPING_MS = 300;

export const eventsPage: Page = (outlet, app) => {
  let events: EventEnvelope[] = [];
  let nextBeforeSeq: number | null = null;
  /** Each marathon's zone, and the zone of the marathon each lot belongs to. */
  const marathonZones = new Map<number, string>();
  const lotMarathons = new Map<number, number>();
  let defaultZone: string | null = null;
  /** Answers to an older request (the filters changed since) are dropped. */
  let request = 0;

  const type = h(
    'select',
    { testid: 'events-type', onchange: () => void reload() },
    h('option', { value: '' }, 'all types'),
    EVENT_TYPES.map((name) => h('option', { value: name }, name)),
  );
  const typing = debounce(() => void reload(), TYPING_MS);
  const lot = h('input', { type: 'number', min: 1, placeholder: 'lot id', testid: 'events-lot', oninput: typing, inputmode: 'numeric' });
  const bidder = h('input', { type: 'search', placeholder: 'bidder id, e.g. twitch:1004', testid: 'events-bidder', oninput: typing, size: 24 });
  const live = h('input', { type: 'checkbox', checked: true, testid: 'events-live' });
  const list = h('ol', { class: 'event-log', testid: 'event-log' });
  const older = h('button', { type: 'button', class: 'secondary', testid: 'events-older', hidden: true, onclick: () => void loadOlder() }, 'Older');
  const summary = h('p', { class: 'muted', testid: 'events-count' });
  outlet.replaceChildren(
    h('h1', null, 'Event log'),
    h(
      'div',
      { class: 'card filters' },
      h('label', null, 'Type ', type),
      h('label', null, 'Lot ', lot),
      h('label', null, 'Bidder ', bidder),
      h('label', { class: 'check', title: 'New events that match the filters appear on top as they happen' }, live, 'show new events'),
    ),
    h('div', { class: 'card' }, summary, list, older),
  );

  const filters = () => ({ type: type.value, lot_id: lot.value.trim(), bidder: bidder.value.trim() });

  const matches = (event: EventEnvelope) => {
    const wanted = filters();
    return (!wanted.type || event.type === wanted.type) && (!wanted.lot_id || lotOf(event) === Number(wanted.lot_id)) && (!wanted.bidder || mentionsBidder(event, wanted.bidder));
  };

  const zoneOf = (event: EventEnvelope): string | null => {
    const payload = event.payload as { marathon_id?: number };
    const lotId = lotOf(event);
    const marathon = payload.marathon_id ?? (lotId !== null ? lotMarathons.get(lotId) : undefined);
    return (marathon !== undefined ? marathonZones.get(marathon) : undefined) ?? defaultZone;
  };

  const part = (piece: Part, zone: string | null): Child => {
    if (typeof piece === 'string') return piece;
    if ('bidder' in piece) return bidderTag(piece.bidder, undefined, true);
    if ('wei' in piece) return eth(piece.wei);
    if ('lot' in piece) return h('a', { href: `#/lots/${piece.lot}` }, `lot #${piece.lot}`);
    if ('time' in piece) return formatInstant(piece.time, zone, 'time');
    return hashCell(piece.hash);
  };

  const row = (event: EventEnvelope) => {
    const zone = zoneOf(event);
    return h(
      'li',
      { class: `event type-${event.type.split('.')[0]}`, testid: `event-${event.seq}`, 'data-seq': event.seq, 'data-type': event.type },
      h('time', { class: 'when', datetime: event.occurred_at, testid: `event-time-${event.seq}` }, formatInstant(event.occurred_at, zone, 'datetime')),
      h('span', { class: `badge type-${event.type.split('.')[0]}` }, event.type),
      h('span', { class: 'line', testid: `event-line-${event.seq}` }, describeEvent(event).map((piece) => part(piece, zone))),
      h('details', { class: 'raw' }, h('summary', null, 'JSON'), h('pre', { class: 'mono' }, JSON.stringify(event, null, 2))),
    );
  };

  const draw = () => {
    fill(list, events.length === 0 ? h('li', { class: 'muted' }, 'No event matches.') : events.map(row));
    summary.textContent = `${events.length} event${events.length === 1 ? '' : 's'}${nextBeforeSeq !== null ? ', older ones below' : ''}, newest first`;
    older.hidden = nextBeforeSeq === null;
  };

  const fetchPage = (beforeSeq: number | null) =>
    api<RecentEvents>('GET', `/api/events/recent${query({ ...filters(), before_seq: beforeSeq, limit: PAGE_SIZE })}`);

  const reload = () => {
    typing.cancel();
    const mine = ++request;
    return app.load(async () => {
      const page = await fetchPage(null);
      if (mine !== request) return;
      events = page.events;
      nextBeforeSeq = page.next_before_seq;
      draw();
    });
  };

  const loadOlder = () => {
    if (nextBeforeSeq === null) return;
    const mine = ++request;
    return app.load(async () => {
      const page = await fetchPage(nextBeforeSeq);
      if (mine !== request) return;
      const shown = new Set(events.map((event) => event.seq));
      events = [...events, ...page.events.filter((event) => !shown.has(event.seq))];
      nextBeforeSeq = page.next_before_seq;
      draw();
    });
  };

  /** Times are shown in each event's marathon zone: which lot is whose. */
  const loadZones = async () => {
    const marathons = await api<Marathon[]>('GET', '/api/marathons');
    const details = await Promise.all(marathons.map((m) => api<MarathonDetail>('GET', `/api/marathons/${m.id}`)));
    for (const { marathon, lots } of details) {
      marathonZones.set(marathon.id, marathon.time_zone);
      for (const one of lots) lotMarathons.set(one.id, marathon.id);
    }
    defaultZone = marathons.slice().sort((a, b) => b.id - a.id)[0]?.time_zone ?? null;
    draw();
  };

  const stop = app.live.listen({
    onEvent: (event) => {
      if (event.type === 'lot.opened') lotMarathons.set(event.payload.lot_id, event.payload.marathon_id);
      if (!live.checked || !matches(event) || events.some((shown) => shown.seq === event.seq)) return;
      events = [event, ...events];
      draw();
    },
    onSync: () => void reload(),
  });
  const stopZone = onZoneChange(draw);
  void app.load(loadZones);
  void reload();
  return () => {
    stop();
    stopZone();
    typing.cancel();
  };
};
