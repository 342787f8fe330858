// Marathon progress (every marathon and how far its lots have got); one marathon with its lots:
// editing it (its schedule too, until a lot opens), deleting it, adding and editing lots, running
// a cancelled day again; and the form that creates a marathon.
//
// Events redraw the tables, never the forms: a form is built once and kept, so what an operator
// types survives the bids arriving meanwhile. "Now" is the server's clock, which decides whether
// a start is in the future.

import { api } from '../../shared/api';
import { fill, h, type Child } from '../../shared/dom';
import type { Lot, LotState, Marathon, MarathonDetail } from '../../shared/api-types';
import { serverClock } from '../../shared/time';
import { ethToWei, weiToEth } from '../../shared/wei';
import { debounce, type App, type Page } from '../app';
import {
  addressProblem,
  ethProblem,
  firstDayProblem,
  FormFeedback,
  parseChannels,
  submitForm,
  textProblem,
  timeOfDayProblem,
  timeZoneProblem,
  uriProblem,
  wholeNumberProblem,
  type FieldSpec,
} from '../forms';
import { dayLabel, eth, stateBadge } from '../view';
import { durationInWords, formatCalendarDay, formatInstant, onZoneChange, opensIn, parseWallTime, zonedDateTimeField, zoneShortName } from '../zone';

const STATES: LotState[] = ['PENDING', 'ACTIVE', 'PROCESSING', 'COMPLETED', 'CANCELLED'];
const MAX_DAYS = 366;
const SECONDS_PER_DAY = 86_400;
/** "Start now" opens the lot this far ahead: time to read the form and send it. */
const START_NOW_LEAD_MS = 60_000;
/** "opens in …" is worded to the minute: redrawn this often. */
const OPENS_IN_REFRESH_MS = 30_000;

/** Reloads when a lot changes state or its high bid moves, shortly after a burst of events. */
function reloadOnLotEvents(app: App, reload: () => Promise<void>): () => void {
  const soon = debounce(() => void app.load(reload), 300);
  const stop = app.live.listen({
    onEvent: (event) => {
      if (event.type.startsWith('lot.') || event.type === 'bid.accepted' || event.type === 'bid.voided') soon();
    },
    onSync: () => void app.load(reload),
  });
  return () => {
    stop();
    soon.cancel();
  };
}

/** "20:00:00" → "20:00"; seconds only when they are not zero. */
function timeOfDay(time: string): string {
  return time.replace(/^(\d{2}:\d{2}):00$/, '$1');
}

/** The day `dayIndex` days after `first` ("2026-12-08"), as YYYY-MM-DD. */
function dayAfter(first: string, dayIndex: number): string {
  const date = new Date(`${first}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + dayIndex);
  return date.toISOString().slice(0, 10);
}

/** When a day's lot opens by the marathon's schedule (Unix ms), or null if the schedule cannot say. */
function scheduledOpening(marathon: Marathon, dayIndex: number): number | null {
  try {
    return parseWallTime(dayAfter(marathon.first_day, dayIndex), marathon.opening_time, marathon.time_zone);
  } catch {
    return null;
  }
}

/** Whether any lot has opened (or may have: a cancelled lot whose start has passed): the schedule is then fixed. */
function anyLotOpened(lots: Lot[]): boolean {
  return lots.some((lot) => !(lot.state === 'PENDING' || (lot.state === 'CANCELLED' && Date.parse(lot.starts_at) > serverClock.now())));
}

/** "Lots open at 20:00 Europe/Berlin (CET), 1 h each". */
function scheduleWords(marathon: Marathon): string {
  const opening = scheduledOpening(marathon, 0);
  const short = opening === null ? '' : zoneShortName(opening, marathon.time_zone);
  const zone = short && short !== marathon.time_zone ? `${marathon.time_zone} (${short})` : marathon.time_zone;
  return `lots open at ${timeOfDay(marathon.opening_time)} ${zone}, ${durationInWords(marathon.lot_duration_secs * 1000)} each`;
}

export const marathonsPage: Page = (outlet, app) => {
  const list = h('div', { testid: 'marathon-list' }, h('p', { class: 'muted' }, 'Loading…'));
  outlet.replaceChildren(
    h(
      'div',
      { class: 'page-title' },
      h('h1', null, 'Marathons'),
      app.can('admin') ? h('a', { class: 'button', href: '#/marathons/new', testid: 'new-marathon' }, 'New marathon') : null,
    ),
    list,
  );
  let details: MarathonDetail[] = [];

  const draw = () =>
    fill(
      list,
      details.length === 0 ? h('p', { class: 'muted' }, 'No marathon yet.') : null,
      details.map(({ marathon, lots }) => {
        const counts = Object.fromEntries(STATES.map((state) => [state, lots.filter((lot) => lot.state === state).length]));
        const done = counts.COMPLETED + counts.CANCELLED;
        const current = lots.find((lot) => lot.state === 'ACTIVE' || lot.state === 'PROCESSING');
        const next = lots.filter((lot) => lot.state === 'PENDING').sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at))[0];
        return h(
          'section',
          { class: 'card marathon', testid: `marathon-${marathon.id}` },
          h('h2', null, h('a', { href: `#/marathons/${marathon.id}` }, marathon.name), ' ', h('span', { class: 'muted' }, `#${marathon.id}`)),
          h('p', { class: 'muted' }, `${marathon.days} days from ${formatCalendarDay(marathon.first_day)}; ${scheduleWords(marathon)}`),
          h('div', { class: 'progress', title: `${done} of ${marathon.days} days done` }, h('div', { style: `width: ${(100 * done) / Math.max(1, marathon.days)}%` })),
          h(
            'p',
            null,
            `${lots.length} of ${marathon.days} lots scheduled · `,
            STATES.filter((state) => counts[state] > 0).map((state) => h('span', { class: 'count' }, stateBadge(state), ` ${counts[state]} `)),
          ),
          current
            ? h('p', null, 'Now: ', h('a', { href: `#/lots/${current.id}` }, `${dayLabel(current.day_index)}, lot #${current.id}`), ' ', stateBadge(current.state), ' high ', eth(current.high_bid?.amount.wei))
            : next
              ? h('p', null, 'Next: ', h('a', { href: `#/lots/${next.id}` }, `${dayLabel(next.day_index)}, lot #${next.id}`), ` ${opensIn(next.starts_at, marathon.time_zone, serverClock.now())}`)
              : null,
        );
      }),
    );

  const reload = async () => {
    const marathons = await api<Marathon[]>('GET', '/api/marathons');
    details = await Promise.all(marathons.map((m) => api<MarathonDetail>('GET', `/api/marathons/${m.id}`)));
    draw();
  };

  void app.load(reload);
  const stopZone = onZoneChange(draw);
  const timer = setInterval(draw, OPENS_IN_REFRESH_MS);
  const stopEvents = reloadOnLotEvents(app, reload);
  return () => {
    stopZone();
    clearInterval(timer);
    stopEvents();
  };
};

export const marathonPage: Page = (outlet, app, [id]) => {
  const marathonId = Number(id);
  const summary = h('div');
  const lotsCard = h('section', { class: 'card' });
  const formsArea = h('div');
  outlet.replaceChildren(summary, lotsCard, formsArea);
  let detail: MarathonDetail | null = null;
  // Forms are made once (when first needed) and kept across redraws.
  let marathonForms: { edit: MarathonEditForm; add: AddLotForm } | null = null;
  const editForms = new Map<number, HTMLElement>();
  let editing: number | null = null;

  const drawSummary = (marathon: Marathon, lots: Lot[]) => {
    const next = lots.filter((lot) => lot.state === 'PENDING').sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at))[0];
    fill(
      summary,
      h('h1', null, marathon.name, ' ', h('span', { class: 'muted' }, `#${marathon.id}`)),
      h(
        'dl',
        { class: 'facts' },
        fact('Days', `${marathon.days}, Day 1 is ${formatCalendarDay(marathon.first_day)}`, 'marathon-days'),
        fact('Schedule', scheduleWords(marathon).replace(/^l/, 'L'), 'marathon-schedule'),
        next ? fact('Next opening', `${dayLabel(next.day_index)}: ${formatInstant(next.starts_at, marathon.time_zone)}`, 'marathon-next-opening') : null,
        fact('Reserve', `${weiToEth(marathon.reserve_wei)} ETH`),
        fact('Increment', `${marathon.increment_bps / 100} %, at least ${weiToEth(marathon.min_increment_wei)} ETH`),
        fact('Anti-snipe', `a bid in the last ${marathon.anti_snipe_window_secs} s moves the end to ${marathon.anti_snipe_extension_secs} s after it, at most ${marathon.anti_snipe_max_extensions} times`),
        fact('No sale', marathon.no_sale === 'burn' ? 'the token is burned' : 'the token stays in the treasury'),
        fact('Channels', marathon.chat_channels.join(', ') || '—'),
        fact('Auction house', marathon.auction_house ?? '—'),
        fact('Join QR code', marathon.show_join_qr ? 'shown on the overlay' : 'not shown'),
      ),
      h(
        'p',
        null,
        h('a', { href: `/overlay/${marathon.id}`, target: '_blank' }, 'Open the overlay'),
        ' · ',
        h('a', { href: `/m/${marathon.id}`, target: '_blank' }, 'Open the viewer page'),
        app.can('admin')
          ? [
              ' · ',
              h('a', { href: '#/settings' }, 'anti-snipe settings'),
              ' · ',
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary small',
                  testid: 'marathon-join-qr',
                  onclick: () =>
                    void app.attempt(async () => {
                      await api('PATCH', `/api/marathons/${marathon.id}`, { show_join_qr: !marathon.show_join_qr });
                      await reload();
                    }),
                },
                marathon.show_join_qr ? 'Hide the join QR code' : 'Show the join QR code on the overlay',
              ),
            ]
          : null,
      ),
    );
  };

  const drawLots = (marathon: Marathon, lots: Lot[]) => {
    const zone = marathon.time_zone;
    const now = serverClock.now();
    const liveDays = new Set(lots.filter((lot) => lot.state !== 'CANCELLED').map((lot) => lot.day_index));
    const rows = lots
      .slice()
      .sort((a, b) => a.day_index - b.day_index || a.id - b.id)
      .map((lot) => {
        const actions: Child[] = [h('a', { href: `#/lots/${lot.id}` }, 'live'), ' · ', h('a', { href: `#/settlement/${lot.id}` }, 'settlement')];
        if (app.can('admin') && lot.state === 'PENDING') {
          actions.push(' · ', h('button', { class: 'link', testid: `edit-lot-${lot.id}`, onclick: () => ((editing = editing === lot.id ? null : lot.id), drawLots(marathon, lots)) }, 'edit'));
        }
        if (app.can('admin') && lot.state === 'CANCELLED' && !liveDays.has(lot.day_index)) {
          actions.push(' · ', h('button', { class: 'link', testid: `rerun-day-${lot.day_index + 1}`, onclick: () => marathonForms?.add.runDay(lot.day_index) }, 'Run this day again'));
        }
        let editRow: HTMLElement | null = null;
        if (editing === lot.id) {
          let form = editForms.get(lot.id);
          if (!form) {
            form = editLotForm(app, marathon, lot, reload);
            editForms.set(lot.id, form);
          }
          editRow = h('tr', { class: 'form-row' }, h('td', { colspan: 7 }, form));
        }
        return [
          h(
            'tr',
            { testid: `lot-row-${lot.id}`, 'data-state': lot.state },
            h('td', null, dayLabel(lot.day_index)),
            h('td', null, h('a', { href: `#/lots/${lot.id}` }, `#${lot.id}`)),
            h('td', null, stateBadge(lot.state), lot.extensions_used ? ` +${lot.extensions_used}` : '', lot.cancel_reason ? h('div', { class: 'muted small' }, lot.cancel_reason) : null),
            h(
              'td',
              { testid: `lot-starts-${lot.id}` },
              formatInstant(lot.starts_at, zone),
              lot.state === 'PENDING' ? h('div', { class: 'muted small', testid: `lot-opens-in-${lot.id}` }, opensIn(lot.starts_at, zone, now)) : null,
            ),
            h('td', { testid: `lot-ends-${lot.id}` }, formatInstant(lot.ends_at, zone)),
            h('td', null, eth(lot.high_bid?.amount.wei)),
            h('td', null, actions),
          ),
          editRow,
        ];
      });
    fill(
      lotsCard,
      h('h2', null, 'Lots'),
      lots.length === 0
        ? h('p', { class: 'muted' }, 'No lot yet: add one below.')
        : h(
            'table',
            { testid: 'lots-table', class: 'lots' },
            h('thead', null, h('tr', null, ['Day', 'Lot', 'State', 'Starts', 'Ends', 'High bid', ''].map((label) => h('th', null, label)))),
            h('tbody', null, rows),
          ),
    );
  };

  const draw = () => {
    if (!detail) return;
    const { marathon, lots } = detail;
    drawSummary(marathon, lots);
    drawLots(marathon, lots);
    if (!app.can('admin')) return;
    if (!marathonForms) {
      marathonForms = { edit: marathonEditForm(app, marathon, reload), add: addLotForm(app, marathon, reload) };
      fill(formsArea, marathonForms.add.element, marathonForms.edit.element);
    }
    marathonForms.edit.update(marathon, lots);
    marathonForms.add.update(marathon, lots);
  };

  const reload = async () => {
    detail = await api<MarathonDetail>('GET', `/api/marathons/${marathonId}`);
    draw();
  };

  void app.load(reload);
  const stopZone = onZoneChange(draw);
  const timer = setInterval(() => detail && drawLots(detail.marathon, detail.lots), OPENS_IN_REFRESH_MS);
  const stopEvents = reloadOnLotEvents(app, reload);
  return () => {
    stopZone();
    clearInterval(timer);
    stopEvents();
  };
};

function fact(term: string, value: string, testid?: string): HTMLElement[] {
  return [h('dt', null, term), h('dd', { testid }, value)];
}

function label(text: string, ...children: Child[]): HTMLElement {
  return h('label', null, text, ...children);
}

/** The Starts and Ends fields of a lot form, in the marathon's zone, with the check between them. */
function lotTimes(prefix: string, zone: string, lot: Lot | null) {
  const starts = zonedDateTimeField(`${prefix}-starts-at`, zone, lot?.starts_at ?? null);
  const ends = zonedDateTimeField(`${prefix}-ends-at`, zone, lot?.ends_at ?? null);
  /** Reads both: their instants (null when empty or wrong) and a check for each, for the form's `check`. */
  const read = (): { starts_at: string | null; ends_at: string | null; checks: [HTMLElement, string | null][] } => {
    const valueOf = (field: ReturnType<typeof zonedDateTimeField>): { value: string | null; problem: string | null } => {
      try {
        return { value: field.value(), problem: null };
      } catch (error) {
        return { value: null, problem: (error as Error).message };
      }
    };
    const start = valueOf(starts);
    const end = valueOf(ends);
    if (start.value && Date.parse(start.value) <= serverClock.now()) start.problem = 'Must be in the future';
    if (start.value && end.value && Date.parse(end.value) <= Date.parse(start.value)) end.problem = 'Must be after Starts';
    return {
      starts_at: start.value,
      ends_at: end.value,
      checks: [
        [starts.element, start.problem],
        [ends.element, end.problem],
      ],
    };
  };
  return { starts, ends, read };
}

/** Edits a PENDING lot: its token, image and times. */
function editLotForm(app: App, marathon: Marathon, lot: Lot, saved: () => Promise<void>): HTMLElement {
  const zone = marathon.time_zone;
  const tokenUri = h('input', { value: lot.token_uri, testid: 'edit-lot-token-uri' });
  const imageUrl = h('input', { value: lot.image_url, testid: 'edit-lot-image-url' });
  const times = lotTimes('edit-lot', zone, lot);
  const feedback = new FormFeedback({
    token_uri: { input: tokenUri, label: 'Token URI' },
    image_url: { input: imageUrl, label: 'Image URL' },
    starts_at: { input: times.starts.element, label: 'Starts', zone },
    ends_at: { input: times.ends.element, label: 'Ends', zone },
  });
  const onsubmit = (event: Event) => {
    event.preventDefault();
    const slot = times.read();
    const ok = feedback.check([[tokenUri, uriProblem(tokenUri.value)], [imageUrl, uriProblem(imageUrl.value)], ...slot.checks]);
    if (!ok) return;
    const edit: Record<string, string> = { token_uri: tokenUri.value.trim(), image_url: imageUrl.value.trim() };
    if (slot.starts_at && Date.parse(slot.starts_at) !== Date.parse(lot.starts_at)) edit.starts_at = slot.starts_at;
    if (slot.ends_at && Date.parse(slot.ends_at) !== Date.parse(lot.ends_at)) edit.ends_at = slot.ends_at;
    void submitForm(app, feedback, async () => {
      await api('PATCH', `/api/lots/${lot.id}`, edit);
      await saved();
    });
  };
  return h(
    'form',
    { class: 'grid-form', onsubmit, novalidate: true },
    label('Token URI', tokenUri),
    label('Image URL', imageUrl),
    label(`Starts (${zone})`, times.starts.element),
    label(`Ends (${zone})`, times.ends.element),
    h('div', { class: 'actions' }, h('button', { testid: 'edit-lot-submit' }, 'Save lot'), feedback.status),
  );
}

interface AddLotForm {
  element: HTMLElement;
  /** The marathon or its lots changed: the day's schedule hint follows. */
  update(marathon: Marathon, lots: Lot[]): void;
  /** Prefills the form for `dayIndex` (a cancelled day run again) and brings it into view. */
  runDay(dayIndex: number): void;
}

/** Adds a lot to a day; its times follow the schedule unless given, and a day whose opening has passed can start now. */
function addLotForm(app: App, initial: Marathon, saved: () => Promise<void>): AddLotForm {
  let marathon = initial;
  let lots: Lot[] = [];
  const zone = marathon.time_zone;
  const day = h('input', { type: 'number', min: 1, max: marathon.days, testid: 'add-lot-day', inputmode: 'numeric' });
  const tokenUri = h('input', { placeholder: 'ipfs://…', testid: 'add-lot-token-uri' });
  const imageUrl = h('input', { placeholder: 'https://…/image.png', testid: 'add-lot-image-url' });
  const times = lotTimes('add-lot', zone, null);
  const hint = h('p', { class: 'muted hint', testid: 'add-lot-schedule' });
  const title = h('h2', null, 'Add a lot');
  const feedback = new FormFeedback({
    day_index: { input: day, label: 'Day' },
    token_uri: { input: tokenUri, label: 'Token URI' },
    image_url: { input: imageUrl, label: 'Image URL' },
    starts_at: { input: times.starts.element, label: 'Starts', zone },
    ends_at: { input: times.ends.element, label: 'Ends', zone },
  });

  const dayIndex = (): number | null => (wholeNumberProblem(day.value, 1, marathon.days) === null ? Number(day.value) - 1 : null);
  const openingPassed = (index: number): boolean => {
    const opening = scheduledOpening(marathon, index);
    return opening !== null && opening <= serverClock.now();
  };

  const startNow = () => {
    const starts = Math.ceil((serverClock.now() + START_NOW_LEAD_MS) / 1000) * 1000;
    times.starts.set(new Date(starts).toISOString());
    times.ends.set(new Date(starts + marathon.lot_duration_secs * 1000).toISOString());
    feedback.mark(times.starts.element, null);
    feedback.mark(times.ends.element, null);
  };
  const startNowButton = h('button', { type: 'button', class: 'secondary small', testid: 'add-lot-start-now', onclick: startNow }, 'Start now');

  const drawHint = () => {
    const index = dayIndex();
    if (index === null) {
      fill(hint, `Days go from 1 to ${marathon.days}.`);
      return;
    }
    const opening = scheduledOpening(marathon, index);
    const when = opening === null ? 'unknown' : formatInstant(new Date(opening).toISOString(), zone);
    const taken = lots.find((lot) => lot.day_index === index && lot.state !== 'CANCELLED');
    const cancelled = lots.some((lot) => lot.day_index === index && lot.state === 'CANCELLED');
    if (taken) {
      fill(hint, `${dayLabel(index)} already has lot #${taken.id} (${taken.state.toLowerCase()}).`);
    } else if (openingPassed(index)) {
      fill(
        hint,
        `${dayLabel(index)}'s scheduled opening (${when}) has passed: give the times, or `,
        startNowButton,
        ` (opens in a minute for ${durationInWords(marathon.lot_duration_secs * 1000)}).`,
      );
    } else {
      fill(hint, `${cancelled ? `${dayLabel(index)} runs again` : `${dayLabel(index)} opens`} by the schedule at ${when}; leave Starts and Ends empty to keep it.`);
    }
  };
  day.addEventListener('input', drawHint);

  /** The first day without a lot that is not cancelled, 1-based. */
  const nextFreeDay = () => {
    const taken = new Set(lots.filter((lot) => lot.state !== 'CANCELLED').map((lot) => lot.day_index));
    let index = 0;
    while (taken.has(index) && index < marathon.days - 1) index += 1;
    return index + 1;
  };

  const onsubmit = (event: Event) => {
    event.preventDefault();
    const index = dayIndex();
    const slot = times.read();
    const [startsCheck, endsCheck] = slot.checks;
    // Without a start, the lot would open at the schedule's time: not when that has passed.
    if (index !== null && startsCheck[1] === null && !slot.starts_at && openingPassed(index)) {
      startsCheck[1] = `${dayLabel(index)}'s scheduled opening has passed: give a start time, or press Start now`;
    }
    const ok = feedback.check([
      [day, wholeNumberProblem(day.value, 1, marathon.days)],
      [tokenUri, uriProblem(tokenUri.value)],
      [imageUrl, uriProblem(imageUrl.value)],
      startsCheck,
      endsCheck,
    ]);
    if (!ok || index === null) return;
    const spec: Record<string, string | number> = { day_index: index, token_uri: tokenUri.value.trim(), image_url: imageUrl.value.trim() };
    if (slot.starts_at) spec.starts_at = slot.starts_at;
    if (slot.ends_at) spec.ends_at = slot.ends_at;
    void submitForm(
      app,
      feedback,
      async () => {
        await api('POST', `/api/marathons/${marathon.id}/lots`, spec);
        tokenUri.value = '';
        imageUrl.value = '';
        times.starts.set(null);
        times.ends.set(null);
        day.value = '';
        title.textContent = 'Add a lot';
        await saved();
      },
      `Lot added to ${dayLabel(index)}`,
    );
  };

  const element = h(
    'section',
    { class: 'card', testid: 'add-lot' },
    title,
    h(
      'form',
      { class: 'grid-form', onsubmit, novalidate: true },
      label('Day', day),
      label('Token URI', tokenUri),
      label('Image URL', imageUrl),
      label(`Starts (${zone}; empty: the schedule)`, times.starts.element),
      label(`Ends (${zone}; empty: Starts + ${durationInWords(marathon.lot_duration_secs * 1000)})`, times.ends.element),
      h('div', { class: 'actions' }, h('button', { testid: 'add-lot-submit' }, 'Add lot'), feedback.status),
    ),
    hint,
  );

  return {
    element,
    update(next, nextLots) {
      marathon = next;
      lots = nextLots;
      day.max = String(marathon.days);
      if (!day.value) day.value = String(nextFreeDay());
      drawHint();
    },
    runDay(index) {
      day.value = String(index + 1);
      title.textContent = `Run ${dayLabel(index)} again`;
      drawHint();
      element.scrollIntoView({ behavior: 'smooth', block: 'center' });
      (tokenUri.value ? (openingPassed(index) ? startNowButton : times.starts.element.querySelector('input')!) : tokenUri).focus();
    },
  };
}

interface MarathonEditForm {
  element: HTMLElement;
  update(marathon: Marathon, lots: Lot[]): void;
}

/** Edits a marathon: its name always; its schedule and deletion only while no lot has opened. */
function marathonEditForm(app: App, initial: Marathon, saved: () => Promise<void>): MarathonEditForm {
  let marathon = initial;
  const name = h('input', { value: marathon.name, testid: 'marathon-edit-name', maxlength: 200 });
  const firstDay = h('input', { type: 'date', value: marathon.first_day, testid: 'marathon-edit-first_day' });
  const days = h('input', { type: 'number', min: 1, max: MAX_DAYS, value: String(marathon.days), testid: 'marathon-edit-days', inputmode: 'numeric' });
  const timeZone = h('input', { value: marathon.time_zone, testid: 'marathon-edit-time_zone', list: 'time-zones' });
  const openingTime = h('input', { value: timeOfDay(marathon.opening_time), testid: 'marathon-edit-opening_time', placeholder: 'HH:MM', inputmode: 'numeric', size: 5 });
  const duration = h('input', { type: 'number', min: 1, max: SECONDS_PER_DAY, value: String(marathon.lot_duration_secs), testid: 'marathon-edit-lot_duration_secs' });
  const schedule = h(
    'div',
    { class: 'grid-form nested' },
    label('First day', firstDay),
    label('Days', days),
    label('Time zone', timeZone),
    label('Lots open at (24-hour, in that zone)', openingTime),
    label('Lot duration (seconds)', duration),
  );
  const scheduleNote = h('p', { class: 'muted', testid: 'marathon-schedule-fixed' }, 'The schedule is fixed: a lot has opened.');
  const feedback = new FormFeedback({
    name: { input: name, label: 'Name' },
    first_day: { input: firstDay, label: 'First day' },
    days: { input: days, label: 'Days' },
    time_zone: { input: timeZone, label: 'Time zone' },
    opening_time: { input: openingTime, label: 'Lots open at' },
    lot_duration_secs: { input: duration, label: 'Lot duration' },
  });
  let scheduleEditable = false;

  const onsubmit = (event: Event) => {
    event.preventDefault();
    const checks: [HTMLElement, string | null][] = [[name, textProblem(name.value, 200, 'A name')]];
    if (scheduleEditable) {
      const zoneProblem = timeZoneProblem(timeZone.value);
      checks.push(
        [timeZone, zoneProblem],
        [firstDay, zoneProblem ? null : firstDayProblem(firstDay.value, timeZone.value.trim())],
        [days, wholeNumberProblem(days.value, 1, MAX_DAYS)],
        [openingTime, timeOfDayProblem(openingTime.value)],
        [duration, wholeNumberProblem(duration.value, 1, SECONDS_PER_DAY)],
      );
    }
    if (!feedback.check(checks)) return;
    // Only what changed is sent: the rest stays as the lots were announced.
    const edit: Record<string, string | number> = {};
    if (name.value.trim() !== marathon.name) edit.name = name.value.trim();
    if (scheduleEditable) {
      if (firstDay.value !== marathon.first_day) edit.first_day = firstDay.value;
      if (Number(days.value) !== marathon.days) edit.days = Number(days.value);
      if (timeZone.value.trim() !== marathon.time_zone) edit.time_zone = timeZone.value.trim();
      if (timeOfDay(openingTime.value.trim().padStart(5, '0')) !== timeOfDay(marathon.opening_time)) edit.opening_time = openingTime.value.trim().padStart(5, '0');
      if (Number(duration.value) !== marathon.lot_duration_secs) edit.lot_duration_secs = Number(duration.value);
    }
    if (Object.keys(edit).length === 0) {
      feedback.done('Nothing to change');
      return;
    }
    void submitForm(app, feedback, async () => {
      await api('PATCH', `/api/marathons/${marathon.id}`, edit);
      await saved();
    });
  };

  const deleteArea = h('div', { class: 'danger-zone' });
  let lotCount = 0;
  const drawDelete = (confirming: boolean) =>
    fill(
      deleteArea,
      confirming
        ? [
            h('span', null, `Delete “${marathon.name}”${lotCount ? ` and its ${lotCount} lot${lotCount === 1 ? '' : 's'}` : ''}? This cannot be undone. `),
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                testid: 'marathon-delete-confirm',
                onclick: () =>
                  void app.attempt(async () => {
                    await api('DELETE', `/api/marathons/${marathon.id}`);
                    location.hash = '#/marathons';
                  }),
              },
              'Yes, delete it',
            ),
            ' ',
            h('button', { type: 'button', class: 'secondary', testid: 'marathon-delete-cancel', onclick: () => drawDelete(false) }, 'Keep it'),
          ]
        : h('button', { type: 'button', class: 'danger', testid: 'marathon-delete', onclick: () => drawDelete(true) }, 'Delete marathon'),
    );

  const element = h(
    'section',
    { class: 'card', testid: 'marathon-edit' },
    h('h2', null, 'Edit the marathon'),
    h(
      'form',
      { onsubmit, novalidate: true },
      h('div', { class: 'grid-form' }, label('Name', name)),
      schedule,
      scheduleNote,
      h('div', { class: 'actions' }, h('button', { testid: 'marathon-edit-submit' }, 'Save'), feedback.status),
    ),
    deleteArea,
    timeZoneList(),
  );

  return {
    element,
    update(next, lots) {
      marathon = next;
      const editable = !anyLotOpened(lots);
      lotCount = lots.length;
      if (editable !== scheduleEditable || deleteArea.childElementCount === 0) drawDelete(false);
      scheduleEditable = editable;
      schedule.hidden = !editable;
      scheduleNote.hidden = editable;
      deleteArea.hidden = !editable;
    },
  };
}

/** The IANA zones this browser knows, offered as suggestions to a time zone field. */
function timeZoneList(): HTMLElement {
  const zones = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return h('datalist', { id: 'time-zones' }, ['UTC', ...zones].map((zone) => h('option', { value: zone })));
}

export const newMarathonPage: Page = (outlet, app) => {
  if (!app.can('admin')) {
    outlet.replaceChildren(h('h1', null, 'New marathon'), h('p', null, 'Creating a marathon needs the admin role.'));
    return;
  }
  const input = (field: string, props: Record<string, string | number | boolean> = {}) => h('input', { name: field, testid: `marathon-${field}`, ...props });
  const name = input('name', { placeholder: 'Winter marathon', maxlength: 200 });
  const firstDay = input('first_day', { type: 'date' });
  const days = input('days', { type: 'number', min: 1, max: MAX_DAYS, value: '30', inputmode: 'numeric' });
  const timeZone = input('time_zone', { value: Intl.DateTimeFormat().resolvedOptions().timeZone, list: 'time-zones' });
  const openingTime = input('opening_time', { value: '20:00', placeholder: 'HH:MM', inputmode: 'numeric', size: 5 });
  const duration = input('lot_duration_secs', { type: 'number', min: 1, max: SECONDS_PER_DAY, value: '3600' });
  const reserve = input('reserve_eth', { value: '0.01', inputmode: 'decimal' });
  const incrementBps = input('increment_bps', { type: 'number', min: 0, max: 10000, value: '500' });
  const minIncrement = input('min_increment_eth', { value: '0.001', inputmode: 'decimal' });
  const snipeWindow = input('anti_snipe_window_secs', { type: 'number', min: 0, value: '30' });
  const extension = input('anti_snipe_extension_secs', { type: 'number', min: 0, value: '30' });
  const maxExtensions = input('anti_snipe_max_extensions', { type: 'number', min: 0, max: 1000, value: '10' });
  const selfOutbid = h('input', { type: 'checkbox', testid: 'marathon-allow_self_outbid' });
  const joinQr = h('input', { type: 'checkbox', testid: 'marathon-show_join_qr' });
  const noSale = h('select', { testid: 'marathon-no_sale' }, h('option', { value: 'burn' }, 'burn the token'), h('option', { value: 'keep_in_treasury' }, 'keep it in the treasury'));
  const channels = input('chat_channels', { placeholder: 'twitch:gavel, youtube:…' });
  const house = input('auction_house', { placeholder: '0x… (optional)' });

  const fields: Record<string, FieldSpec> = {
    name: { input: name, label: 'Name' },
    first_day: { input: firstDay, label: 'First day' },
    days: { input: days, label: 'Days' },
    time_zone: { input: timeZone, label: 'Time zone' },
    opening_time: { input: openingTime, label: 'Lots open at' },
    lot_duration_secs: { input: duration, label: 'Lot duration' },
    reserve_wei: { input: reserve, label: 'Reserve' },
    increment_bps: { input: incrementBps, label: 'Increment' },
    min_increment_wei: { input: minIncrement, label: 'Minimum increment' },
    anti_snipe_window_secs: { input: snipeWindow, label: 'Anti-snipe window' },
    anti_snipe_extension_secs: { input: extension, label: 'Anti-snipe extension' },
    anti_snipe_max_extensions: { input: maxExtensions, label: 'Anti-snipe max extensions' },
    allow_self_outbid: { input: selfOutbid, label: 'Leaders may raise their own bid' },
    show_join_qr: { input: joinQr, label: 'Join QR code' },
    no_sale: { input: noSale, label: 'No sale' },
    chat_channels: { input: channels, label: 'Chat channels' },
    auction_house: { input: house, label: 'Auction house' },
  };
  const feedback = new FormFeedback(fields);

  const onsubmit = (event: Event) => {
    event.preventDefault();
    const zoneProblem = timeZoneProblem(timeZone.value);
    const parsedChannels = parseChannels(channels.value);
    const durationProblem = wholeNumberProblem(duration.value, 1, SECONDS_PER_DAY);
    const windowProblem = wholeNumberProblem(snipeWindow.value, 0, SECONDS_PER_DAY);
    const windowSecs = Number(snipeWindow.value);
    const ok = feedback.check([
      [name, textProblem(name.value, 200, 'A name')],
      [firstDay, zoneProblem ? (firstDay.value ? null : 'Enter the first day') : firstDayProblem(firstDay.value, timeZone.value.trim())],
      [days, wholeNumberProblem(days.value, 1, MAX_DAYS)],
      [timeZone, zoneProblem],
      [openingTime, timeOfDayProblem(openingTime.value)],
      [duration, durationProblem],
      [reserve, ethProblem(reserve.value)],
      [incrementBps, wholeNumberProblem(incrementBps.value, 0, 10_000)],
      [minIncrement, ethProblem(minIncrement.value)],
      [snipeWindow, windowProblem ?? (durationProblem === null && windowSecs > Number(duration.value) ? 'Must not be longer than the lot' : null)],
      [
        extension,
        wholeNumberProblem(extension.value, 0, SECONDS_PER_DAY) ??
          (windowProblem === null && windowSecs > 0 && Number(extension.value) === 0 ? 'Must be at least 1 second while the anti-snipe window is on (a window of 0 turns anti-snipe off)' : null),
      ],
      [maxExtensions, wholeNumberProblem(maxExtensions.value, 0, 1000)],
      [channels, parsedChannels.problem],
      [house, addressProblem(house.value)],
    ]);
    if (!ok) return;
    const spec = {
      name: name.value.trim(),
      first_day: firstDay.value,
      days: Number(days.value),
      time_zone: timeZone.value.trim(),
      opening_time: openingTime.value.trim().padStart(5, '0'),
      lot_duration_secs: Number(duration.value),
      reserve_wei: ethToWei(reserve.value),
      increment_bps: Number(incrementBps.value),
      min_increment_wei: ethToWei(minIncrement.value),
      anti_snipe_window_secs: windowSecs,
      anti_snipe_extension_secs: Number(extension.value),
      anti_snipe_max_extensions: Number(maxExtensions.value),
      allow_self_outbid: selfOutbid.checked,
      show_join_qr: joinQr.checked,
      no_sale: noSale.value,
      chat_channels: parsedChannels.channels,
      ...(house.value.trim() ? { auction_house: house.value.trim() } : {}),
    };
    void submitForm(
      app,
      feedback,
      async () => {
        const created = await api<Marathon>('POST', '/api/marathons', spec);
        location.hash = `#/marathons/${created.id}`;
      },
      'Created',
    );
  };

  outlet.replaceChildren(
    h('h1', null, 'New marathon'),
    h(
      'form',
      { class: 'card grid-form', onsubmit, novalidate: true, testid: 'marathon-form' },
      label('Name', name),
      label('First day', firstDay),
      label('Days', days),
      label('Time zone', timeZone),
      label('Lots open at (24-hour, in that zone)', openingTime),
      label('Lot duration (seconds)', duration),
      label('Reserve (ETH)', reserve),
      label('Increment (basis points: 500 = 5 %)', incrementBps),
      label('Minimum increment (ETH)', minIncrement),
      label('Anti-snipe window (seconds)', snipeWindow),
      label('Anti-snipe extension (seconds)', extension),
      label('Anti-snipe max extensions', maxExtensions),
      h('label', { class: 'check' }, selfOutbid, 'Leaders may raise their own bid'),
      h('label', { class: 'check' }, joinQr, "The overlay shows the viewer page's address and a QR code"),
      label('No sale', noSale),
      label('Chat channels (platform:name, comma-separated)', channels),
      label('Auction house', house),
      h('div', { class: 'actions' }, h('button', { testid: 'marathon-submit' }, 'Create marathon'), feedback.status),
      timeZoneList(),
    ),
  );
};
