// Marathon progress (every marathon and how far its lots have got); one marathon with its lots:
// editing it (its schedule too, until a lot opens), deleting it, adding and editing lots, running
// a cancelled day again; the forms are in admin/marathons/, the new-marathon page in new-marathon.ts.
//
// Events redraw the tables, never the forms: a form is built once and kept, so what an operator
// types survives the bids arriving meanwhile. "Now" is the server's clock, which decides whether
// a start is in the future.

import { api } from '../../shared/api';
import { fill, h, type Child } from '../../shared/dom';
import type { Lot, LotState, Marathon, MarathonDetail } from '../../shared/api-types';
import { serverClock } from '../../shared/time';
import { weiToEth } from '../../shared/wei';
import { debounce, type App, type Page } from '../app';
import { dayLabel, eth, stateBadge } from '../view';
import { formatCalendarDay, formatInstant, onZoneChange, opensIn } from '../zone';
import { type MarathonEditForm, marathonEditForm } from '../marathons/edit-form';
import { type AddLotForm, addLotForm, editLotForm } from '../marathons/lot-forms';
import { fact, scheduleWords } from '../marathons/schedule';

const STATES: LotState[] = ['PENDING', 'ACTIVE', 'PROCESSING', 'COMPLETED', 'CANCELLED'];
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
  let formsSchedule: string | null = null;
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
            // Saved, the form goes: the next edit starts from the lot as it is then.
            form = editLotForm(app, marathon, lot, async () => {
              editForms.delete(lot.id);
              editing = null;
              await reload();
            });
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
    // The lot forms read times in the marathon's zone and default to its lot duration: a new
    // schedule builds them again (only the edit form's own save changes it).
    const schedule = `${marathon.time_zone} ${marathon.lot_duration_secs}`;
    if (!marathonForms || formsSchedule !== schedule) {
      formsSchedule = schedule;
      editForms.clear();
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
