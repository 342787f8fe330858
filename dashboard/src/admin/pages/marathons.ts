// Marathon progress (every marathon and how far its lots have got), one marathon's lots with
// adding and editing them, and the form that creates a marathon.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import { formatTime } from '../../shared/time';
import type { Lot, LotState, Marathon, MarathonDetail } from '../../shared/api-types';
import { ethToWei, weiToEth } from '../../shared/wei';
import { debounce, type App, type Page } from '../app';
import { eth, fromLocalInput, stateBadge, toLocalInput } from '../view';

const STATES: LotState[] = ['PENDING', 'ACTIVE', 'PROCESSING', 'COMPLETED', 'CANCELLED'];

/** Reloads when a lot changes state, shortly after a burst of events. */
function reloadOnLotEvents(app: App, reload: () => Promise<void>): () => void {
  const soon = debounce(() => void app.attempt(reload), 300);
  const stop = app.live.listen({
    onEvent: (event) => {
      if (event.type.startsWith('lot.') || event.type === 'bid.accepted' || event.type === 'bid.voided') soon();
    },
    onSync: () => void app.attempt(reload),
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

  const reload = async () => {
    const marathons = await api<Marathon[]>('GET', '/api/marathons');
    const details = await Promise.all(marathons.map((m) => api<MarathonDetail>('GET', `/api/marathons/${m.id}`)));
    fill(
      list,
      details.length === 0 ? h('p', { class: 'muted' }, 'No marathon yet.') : null,
      details.map(({ marathon, lots }) => {
        const counts = Object.fromEntries(STATES.map((state) => [state, lots.filter((lot) => lot.state === state).length]));
        const done = counts.COMPLETED + counts.CANCELLED;
        const current = lots.find((lot) => lot.state === 'ACTIVE' || lot.state === 'PROCESSING');
        return h(
          'section',
          { class: 'card marathon', testid: `marathon-${marathon.id}` },
          h('h2', null, h('a', { href: `#/marathons/${marathon.id}` }, marathon.name), ' ', h('span', { class: 'muted' }, `#${marathon.id}`)),
          h('p', { class: 'muted' }, `${marathon.days} days from ${marathon.first_day}, opening ${marathon.opening_time} ${marathon.time_zone}`),
          h('div', { class: 'progress', title: `${done} of ${marathon.days} days done` }, h('div', { style: `width: ${(100 * done) / Math.max(1, marathon.days)}%` })),
          h(
            'p',
            null,
            `${lots.length} of ${marathon.days} lots scheduled · `,
            STATES.filter((state) => counts[state] > 0).map((state) => h('span', { class: 'count' }, stateBadge(state), ` ${counts[state]} `)),
          ),
          current
            ? h('p', null, 'Now: ', h('a', { href: `#/lots/${current.id}` }, `lot ${current.id} (day ${current.day_index})`), ' ', stateBadge(current.state), ' high ', eth(current.high_bid?.amount.wei))
            : null,
        );
      }),
    );
  };

  void app.attempt(reload);
  return reloadOnLotEvents(app, reload);
};

export const marathonPage: Page = (outlet, app, [id]) => {
  const marathonId = Number(id);
  const summary = h('div');
  const lotsTable = h('div', { class: 'card' });
  const addLot = h('div');
  outlet.replaceChildren(summary, lotsTable, addLot);
  let editing: number | null = null;
  let detail: MarathonDetail | null = null;

  const draw = () => {
    if (!detail) return;
    const { marathon, lots } = detail;
    fill(
      summary,
      h('h1', null, marathon.name, ' ', h('span', { class: 'muted' }, `#${marathon.id}`)),
      h(
        'dl',
        { class: 'facts' },
        fact('Days', `${marathon.days} from ${marathon.first_day}`),
        fact('Opening', `${marathon.opening_time} ${marathon.time_zone}, ${marathon.lot_duration_secs} s per lot`),
        fact('Reserve', `${weiToEth(marathon.reserve_wei)} ETH`),
        fact('Increment', `${marathon.increment_bps / 100} %, at least ${weiToEth(marathon.min_increment_wei)} ETH`),
        fact('Anti-snipe', `${marathon.anti_snipe_window_secs} s window, +${marathon.anti_snipe_extension_secs} s, at most ${marathon.anti_snipe_max_extensions}×`),
        fact('No sale', marathon.no_sale),
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
    fill(
      lotsTable,
      h('h2', null, 'Lots'),
      h(
        'table',
        { testid: 'lots-table' },
        h('thead', null, h('tr', null, ['Day', 'Lot', 'State', 'Starts', 'Ends', 'High bid', ''].map((label) => h('th', null, label)))),
        h(
          'tbody',
          null,
          lots
            .slice()
            .sort((a, b) => a.day_index - b.day_index)
            .map((lot) => [
              h(
                'tr',
                { testid: `lot-row-${lot.id}` },
                h('td', null, lot.day_index),
                h('td', null, h('a', { href: `#/lots/${lot.id}` }, `#${lot.id}`)),
                h('td', null, stateBadge(lot.state), lot.extensions_used ? ` +${lot.extensions_used}` : ''),
                h('td', null, formatTime(lot.starts_at)),
                h('td', null, formatTime(lot.ends_at)),
                h('td', null, eth(lot.high_bid?.amount.wei)),
                h(
                  'td',
                  null,
                  h('a', { href: `#/lots/${lot.id}` }, 'live'),
                  ' · ',
                  h('a', { href: `#/settlement/${lot.id}` }, 'settlement'),
                  app.can('admin') && lot.state === 'PENDING'
                    ? [' · ', h('button', { class: 'link', testid: `edit-lot-${lot.id}`, onclick: () => ((editing = editing === lot.id ? null : lot.id), draw()) }, 'edit')]
                    : null,
                ),
              ),
              editing === lot.id ? h('tr', null, h('td', { colspan: 7 }, lotForm(app, marathonId, lot, reload))) : null,
            ]),
        ),
      ),
    );
    fill(addLot, app.can('admin') ? h('section', { class: 'card' }, h('h2', null, 'Add a lot'), lotForm(app, marathonId, null, reload, nextDay(lots))) : null);
  };

  const reload = async () => {
    detail = await api<MarathonDetail>('GET', `/api/marathons/${marathonId}`);
    draw();
  };

  void app.attempt(reload);
  return reloadOnLotEvents(app, reload);
};

function nextDay(lots: Lot[]): number {
  return lots.reduce((max, lot) => Math.max(max, lot.day_index + 1), 0);
}

function fact(term: string, value: string): HTMLElement[] {
  return [h('dt', null, term), h('dd', null, value)];
}

/** Adds a lot (`lot` null) or edits a PENDING one; times left empty follow the schedule. */
function lotForm(app: App, marathonId: number, lot: Lot | null, saved: () => Promise<void>, day = 0): HTMLElement {
  const prefix = lot ? `edit-lot` : 'add-lot';
  const dayIndex = h('input', { type: 'number', min: 0, value: String(lot?.day_index ?? day), disabled: lot !== null, testid: `${prefix}-day` });
  const tokenUri = h('input', { value: lot?.token_uri ?? '', placeholder: 'ipfs://…', required: true, testid: `${prefix}-token-uri` });
  const imageUrl = h('input', { value: lot?.image_url ?? '', placeholder: 'https://…/image.png', required: true, testid: `${prefix}-image-url` });
  const startsAt = h('input', { type: 'datetime-local', step: 1, value: lot ? toLocalInput(lot.starts_at) : '', testid: `${prefix}-starts-at` });
  const endsAt = h('input', { type: 'datetime-local', step: 1, value: lot ? toLocalInput(lot.ends_at) : '', testid: `${prefix}-ends-at` });

  const onsubmit = (event: Event) => {
    event.preventDefault();
    void app.attempt(async () => {
      const times = { starts_at: fromLocalInput(startsAt.value), ends_at: fromLocalInput(endsAt.value) };
      if (lot) {
        const edit: Record<string, string> = { token_uri: tokenUri.value, image_url: imageUrl.value };
        if (times.starts_at && times.starts_at !== new Date(lot.starts_at).toISOString()) edit.starts_at = times.starts_at;
        if (times.ends_at && times.ends_at !== new Date(lot.ends_at).toISOString()) edit.ends_at = times.ends_at;
        await api('PATCH', `/api/lots/${lot.id}`, edit);
      } else {
        const spec: Record<string, string | number> = { day_index: Number(dayIndex.value), token_uri: tokenUri.value, image_url: imageUrl.value };
        if (times.starts_at) spec.starts_at = times.starts_at;
        if (times.ends_at) spec.ends_at = times.ends_at;
        await api('POST', `/api/marathons/${marathonId}/lots`, spec);
      }
      await saved();
    });
  };

  return h(
    'form',
    { class: 'grid-form', onsubmit },
    h('label', null, 'Day (0 = first)', dayIndex),
    h('label', null, 'Token URI', tokenUri),
    h('label', null, 'Image URL', imageUrl),
    h('label', null, 'Starts (empty: schedule)', startsAt),
    h('label', null, 'Ends (empty: schedule)', endsAt),
    h('button', { testid: `${prefix}-submit` }, lot ? 'Save lot' : 'Add lot'),
  );
}

export const newMarathonPage: Page = (outlet, app) => {
  const field = (name: string, props: Record<string, string | number | boolean>) => h('input', { name, testid: `marathon-${name}`, required: true, ...props });
  const name = field('name', { placeholder: 'Winter marathon' });
  const firstDay = field('first_day', { type: 'date' });
  const days = field('days', { type: 'number', min: 1, max: 366, value: '30' });
  const timeZone = field('time_zone', { value: Intl.DateTimeFormat().resolvedOptions().timeZone });
  const openingTime = field('opening_time', { type: 'time', value: '20:00' });
  const duration = field('lot_duration_secs', { type: 'number', min: 1, max: 86400, value: '3600' });
  const reserve = field('reserve_eth', { value: '0.01', inputmode: 'decimal' });
  const incrementBps = field('increment_bps', { type: 'number', min: 0, max: 10000, value: '500' });
  const minIncrement = field('min_increment_eth', { value: '0.001', inputmode: 'decimal' });
  const snipeWindow = field('anti_snipe_window_secs', { type: 'number', min: 0, value: '30' });
  const extension = field('anti_snipe_extension_secs', { type: 'number', min: 0, value: '30' });
  const maxExtensions = field('anti_snipe_max_extensions', { type: 'number', min: 0, value: '10' });
  const selfOutbid = h('input', { type: 'checkbox', testid: 'marathon-allow_self_outbid' });
  const joinQr = h('input', { type: 'checkbox', testid: 'marathon-show_join_qr' });
  const noSale = h('select', { testid: 'marathon-no_sale' }, h('option', { value: 'burn' }, 'burn the token'), h('option', { value: 'keep_in_treasury' }, 'keep it in the treasury'));
  const channels = h('input', { testid: 'marathon-chat_channels', placeholder: 'twitch:gavel, …' });
  const house = h('input', { testid: 'marathon-auction_house', placeholder: '0x… (optional)' });

  const onsubmit = (event: Event) => {
    event.preventDefault();
    void app.attempt(async () => {
      const spec = {
        name: name.value,
        first_day: firstDay.value,
        days: Number(days.value),
        time_zone: timeZone.value,
        opening_time: openingTime.value,
        lot_duration_secs: Number(duration.value),
        reserve_wei: ethToWei(reserve.value),
        increment_bps: Number(incrementBps.value),
        min_increment_wei: ethToWei(minIncrement.value),
        anti_snipe_window_secs: Number(snipeWindow.value),
        anti_snipe_extension_secs: Number(extension.value),
        anti_snipe_max_extensions: Number(maxExtensions.value),
        allow_self_outbid: selfOutbid.checked,
        show_join_qr: joinQr.checked,
        no_sale: noSale.value,
        chat_channels: channels.value.split(',').map((channel) => channel.trim()).filter(Boolean),
        ...(house.value.trim() ? { auction_house: house.value.trim() } : {}),
      };
      const created = await api<Marathon>('POST', '/api/marathons', spec);
      location.hash = `#/marathons/${created.id}`;
    });
  };

  outlet.replaceChildren(
    h('h1', null, 'New marathon'),
    app.can('admin')
      ? h(
          'form',
          { class: 'card grid-form', onsubmit },
          h('label', null, 'Name', name),
          h('label', null, 'First day', firstDay),
          h('label', null, 'Days', days),
          h('label', null, 'Time zone (IANA)', timeZone),
          h('label', null, 'Opening time (local)', openingTime),
          h('label', null, 'Lot duration (s)', duration),
          h('label', null, 'Reserve (ETH)', reserve),
          h('label', null, 'Increment (basis points)', incrementBps),
          h('label', null, 'Minimum increment (ETH)', minIncrement),
          h('label', null, 'Anti-snipe window (s)', snipeWindow),
          h('label', null, 'Anti-snipe extension (s)', extension),
          h('label', null, 'Anti-snipe max extensions', maxExtensions),
          h('label', { class: 'check' }, selfOutbid, 'Leaders may raise their own bid'),
          h('label', { class: 'check' }, joinQr, "The overlay shows the viewer page's address and a QR code"),
          h('label', null, 'No sale', noSale),
          h('label', null, 'Chat channels (comma-separated)', channels),
          h('label', null, 'Auction house', house),
          h('button', { testid: 'marathon-submit' }, 'Create marathon'),
        )
      : h('p', null, 'Creating a marathon needs the admin role.'),
  );
};
