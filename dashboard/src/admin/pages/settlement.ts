// The settlement monitor: every lot that has reached settlement, and for the chosen one each
// attempt (open, settle, no sale; sent, replaced, confirmed…) with its confirmations against the
// chain head.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import { lotOf } from '../../shared/sse';
import { formatTime } from '../../shared/time';
import type { Marathon, MarathonDetail, SettlementAttempts, SystemHealth } from '../../shared/api-types';
import { weiToGwei } from '../../shared/wei';
import { debounce, type Page } from '../app';
import { stateBadge } from '../view';

export const settlementPage: Page = (outlet, app, [id]) => {
  const selected = id ? Number(id) : null;
  const lotsList = h('div', { class: 'card' });
  const attemptsView = h('div', { class: 'card' });
  outlet.replaceChildren(h('h1', null, 'Settlement'), h('div', { class: 'split' }, lotsList, attemptsView));

  const loadLots = async () => {
    const marathons = await api<Marathon[]>('GET', '/api/marathons');
    const details = await Promise.all(marathons.map((m) => api<MarathonDetail>('GET', `/api/marathons/${m.id}`)));
    const lots = details.flatMap((detail) => detail.lots).sort((a, b) => b.id - a.id);
    fill(
      lotsList,
      h('h2', null, 'Lots'),
      h(
        'ul',
        { class: 'lot-picker', testid: 'settlement-lots' },
        lots.map((lot) =>
          h(
            'li',
            { class: lot.id === selected ? 'active' : null },
            h('a', { href: `#/settlement/${lot.id}` }, `lot ${lot.id}`),
            ' ',
            stateBadge(lot.state),
            h('span', { class: 'muted' }, ` day ${lot.day_index}, marathon ${lot.marathon_id}`),
          ),
        ),
      ),
    );
  };

  const loadAttempts = async () => {
    if (selected === null) {
      fill(attemptsView, h('p', { class: 'muted' }, 'Choose a lot.'));
      return;
    }
    const [{ attempts }, health] = await Promise.all([
      api<SettlementAttempts>('GET', `/api/lots/${selected}/settlement`),
      api<SystemHealth>('GET', '/api/health/system').catch(() => null),
    ]);
    const head = health?.chain.head ?? null;
    fill(
      attemptsView,
      h('h2', null, `Lot ${selected}: ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}`),
      head !== null ? h('p', { class: 'muted' }, `chain head ${head}`) : null,
      h(
        'table',
        { testid: 'settlement-attempts' },
        h('thead', null, h('tr', null, ['#', 'When', 'Action', 'Kind', 'Call', 'Nonce', 'Transaction', 'Max fee', 'Block', 'Confirmations', 'Detail'].map((label) => h('th', null, label)))),
        h(
          'tbody',
          null,
          attempts.map((attempt) =>
            h(
              'tr',
              { 'data-kind': attempt.kind },
              h('td', null, attempt.id),
              h('td', null, formatTime(attempt.created_at)),
              h('td', null, attempt.action),
              h('td', null, h('span', { class: `badge kind-${attempt.kind}` }, attempt.kind)),
              h('td', null, attempt.call ?? ''),
              h('td', null, attempt.nonce ?? ''),
              h('td', { class: 'mono' }, attempt.tx_hash ?? ''),
              h('td', null, attempt.max_fee_per_gas ? `${weiToGwei(attempt.max_fee_per_gas)} gwei` : ''),
              h('td', null, attempt.block_number ?? ''),
              h('td', null, head !== null && attempt.block_number !== null ? Math.max(0, head - attempt.block_number + 1) : ''),
              h('td', null, attempt.detail),
            ),
          ),
        ),
      ),
    );
  };

  const reload = () => app.attempt(() => Promise.all([loadLots(), loadAttempts()]));
  const soon = debounce(() => void reload(), 300);
  const stop = app.live.listen({
    onEvent: (event) => {
      if (event.type.startsWith('lot.') || (event.type === 'settlement.attempt' && lotOf(event) === selected)) soon();
    },
    onSync: soon,
  });
  // Confirmations grow with the chain, which sends no event per block.
  const timer = setInterval(() => void app.attempt(loadAttempts), 10_000);
  void reload();
  return () => {
    stop();
    soon.cancel();
    clearInterval(timer);
  };
};
