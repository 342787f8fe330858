// The settlement monitor: every lot, and for the chosen one a summary (winner, amount, whether
// the NFT moved, state) above each recorded step (open, close; sent, replaced, confirmed…) with
// its confirmations against the chain head. Sized for a 1280 px laptop: hashes are shortened
// (whole in their title, with a copy button) and long details wrap.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import { lotOf } from '../../shared/sse';
import type { LotWithTop, Marathon, MarathonDetail, SettlementAttempts, SettlementStep, SystemHealth } from '../../shared/api-types';
import { weiToGwei } from '../../shared/wei';
import { debounce, type Page } from '../app';
import { bidderTag, dayLabel, eth, hashCell, stateBadge } from '../view';
import { formatInstant, onZoneChange } from '../zone';

/** Confirmations grow with the chain, which sends no event per block. */
const REFRESH_MS = 10_000;

/** Whether the token reached its buyer: a confirmed settleLot. A confirmed settleNoSale moved nothing to anyone.
 * The confirmation step names its transaction, not the call: the call is on the step that sent it. */
export function nftMoved(steps: SettlementStep[]): 'yes' | 'no sale' | 'not yet' {
  const callOf = (hash: string | null) => steps.find((step) => step.tx_hash === hash && step.call !== null)?.call ?? null;
  const confirmed = steps.filter((step) => step.action === 'close' && step.kind === 'confirmed').map((step) => step.call ?? callOf(step.tx_hash));
  if (confirmed.includes('settleLot')) return 'yes';
  if (confirmed.includes('settleNoSale')) return 'no sale';
  return 'not yet';
}

export const settlementPage: Page = (outlet, app, [id]) => {
  const selected = id ? Number(id) : null;
  const lotsList = h('div', { class: 'card' });
  const lotSummary = h('div', { class: 'card settlement-summary', testid: 'settlement-summary', hidden: selected === null });
  const attemptsView = h('div', { class: 'card' });
  outlet.replaceChildren(h('h1', null, 'Settlement'), h('div', { class: 'split' }, lotsList, h('div', { class: 'stack' }, lotSummary, attemptsView)));
  const zones = new Map<number, string>();
  let lastAttempts: { steps: SettlementStep[]; head: number | null; lot: LotWithTop } | null = null;

  const loadLots = async () => {
    const marathons = await api<Marathon[]>('GET', '/api/marathons');
    const details = await Promise.all(marathons.map((m) => api<MarathonDetail>('GET', `/api/marathons/${m.id}`)));
    for (const { marathon } of details) zones.set(marathon.id, marathon.time_zone);
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
            h('a', { href: `#/settlement/${lot.id}` }, `lot #${lot.id}`),
            ' ',
            stateBadge(lot.state),
            h('span', { class: 'muted' }, ` ${dayLabel(lot.day_index)}, marathon #${lot.marathon_id}`),
          ),
        ),
      ),
    );
    draw(); // the times now know their marathon's zone
  };

  const draw = () => {
    if (!lastAttempts) return;
    const { steps, head, lot } = lastAttempts;
    const zone = zones.get(lot.marathon_id) ?? null;
    const moved = nftMoved(steps);
    fill(
      lotSummary,
      h('h2', null, `Lot #${lot.id} · ${dayLabel(lot.day_index)}`),
      h(
        'dl',
        { class: 'facts summary' },
        h('dt', null, 'State'),
        h('dd', null, stateBadge(lot.state, 'settlement-state')),
        h('dt', null, 'Winner'),
        h('dd', { testid: 'settlement-winner' }, lot.high_bid ? bidderTag(lot.high_bid.bidder, undefined, true) : h('span', { class: 'muted' }, 'no bid')),
        h('dt', null, 'Amount'),
        h('dd', null, eth(lot.high_bid?.amount.wei, 'settlement-amount')),
        h('dt', null, 'NFT moved'),
        h('dd', { testid: 'settlement-nft-moved', 'data-moved': moved }, h('strong', { class: moved === 'yes' ? 'ok' : moved === 'not yet' && lot.state === 'COMPLETED' ? 'bad' : 'muted' }, moved)),
      ),
    );
    fill(
      attemptsView,
      h('h2', null, `${steps.length} step${steps.length === 1 ? '' : 's'}`, head !== null ? h('span', { class: 'muted' }, ` · chain head ${head}`) : null),
      steps.length === 0
        ? h('p', { class: 'muted' }, 'Nothing sent for this lot yet.')
        : h(
            'table',
            { testid: 'settlement-attempts', class: 'settlement' },
            h('thead', null, h('tr', null, ['When', 'Step', 'Call', 'Nonce', 'Transaction', 'Max fee', 'Block', 'Conf.', 'Detail'].map((label) => h('th', null, label)))),
            h(
              'tbody',
              null,
              steps.map((step) =>
                h(
                  'tr',
                  { 'data-kind': step.kind, testid: `settlement-step-${step.id}` },
                  h('td', { class: 'nowrap' }, formatInstant(step.created_at, zone, 'datetime')),
                  h('td', null, `${step.action} `, h('span', { class: `badge kind-${step.kind}` }, step.kind.replace(/_/g, ' '))),
                  h('td', null, step.call ?? ''),
                  h('td', null, step.nonce ?? ''),
                  h('td', { class: 'nowrap' }, step.tx_hash ? hashCell(step.tx_hash, `settlement-tx-${step.id}`) : ''),
                  h('td', { class: 'nowrap' }, step.max_fee_per_gas ? `${weiToGwei(step.max_fee_per_gas)} gwei` : ''),
                  h('td', null, step.block_number ?? ''),
                  h('td', null, head !== null && step.block_number !== null ? Math.max(0, head - step.block_number + 1) : ''),
                  h('td', { class: 'detail' }, step.detail),
                ),
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
    const [{ attempts }, lot, health] = await Promise.all([
      api<SettlementAttempts>('GET', `/api/lots/${selected}/settlement`),
      api<LotWithTop>('GET', `/api/lots/${selected}`),
      api<SystemHealth>('GET', '/api/health/system').catch(() => null),
    ]);
    lastAttempts = { steps: attempts, head: health?.chain.head ?? null, lot };
    draw();
  };

  const reload = () => app.load(() => Promise.all([loadLots(), loadAttempts()]));
  const soon = debounce(() => void reload(), 300);
  const stop = app.live.listen({
    onEvent: (event) => {
      if (event.type.startsWith('lot.') || (event.type === 'settlement.attempt' && lotOf(event) === selected)) soon();
    },
    onSync: soon,
  });
  const stopZone = onZoneChange(draw);
  const timer = setInterval(() => void app.load(loadAttempts), REFRESH_MS);
  void reload();
  return () => {
    stop();
    stopZone();
    soon.cancel();
    clearInterval(timer);
  };
};
