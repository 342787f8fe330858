// Lots already decided: who won, for how much, the settlement transaction on the explorer, and
// a check anyone can run: the bid log Gavel publishes, hashed link by link in this browser,
// against the head the house recorded on chain at settlement.

import type { Hex } from 'viem';
import { api } from '../shared/api';
import { fill, h } from '../shared/dom';
import type { BidLog, PublicLot } from '../shared/api-types';
import { bidLogHead } from './bid-log';
import type { ViewerState } from './state';
import { eth, localTime, resolveUri, shortAddress, stateBadge, txLink } from './view';

const PAST = new Set(['COMPLETED', 'CANCELLED']);

const entries = (count: number) => `${count} ${count === 1 ? 'entry' : 'entries'}`;

/** How a log entry that is not an accepted amount names what it does (kinds 2 and 3). */
const ENTRY_WORDS: Record<number, string> = { 2: 'void of ', 3: 'reinstatement of ' };

export function pastSection(state: ViewerState): HTMLElement {
  const list = h('div', { class: 'past' });
  /** Verify views stay open across redraws. */
  const verifications = new Map<number, HTMLElement>();

  const draw = () => {
    const lots = (state.marathon?.lots ?? []).filter((lot) => PAST.has(lot.state)).reverse();
    fill(list, lots.length === 0 ? h('p', { class: 'muted' }, 'No lot has closed yet.') : lots.map(row));
  };

  const row = (lot: PublicLot) => {
    const sold = lot.state === 'COMPLETED' && lot.high !== null;
    let result = verifications.get(lot.id);
    if (!result) {
      result = h('div', { class: 'verify-result', testid: `verify-result-${lot.id}`, hidden: true });
      verifications.set(lot.id, result);
    }
    const target = result;
    return h(
      'article',
      { class: 'past-lot', testid: `past-lot-${lot.id}`, 'data-state': lot.state },
      h('img', { src: resolveUri(lot.image_url, state.chain?.ipfs_gateway), alt: '', loading: 'lazy' }),
      h(
        'div',
        { class: 'past-facts' },
        h('div', null, h('strong', null, `Day ${lot.day_index + 1}`), ' ', stateBadge(lot.state, lot.state === 'COMPLETED' && lot.high === null), h('span', { class: 'muted' }, ` closed ${localTime(lot.ends_at)}`)),
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, 'Winner'),
          h('dd', { testid: `past-winner-${lot.id}` }, sold ? lot.high!.name : lot.state === 'CANCELLED' ? 'Cancelled' : 'No sale', lot.buyer ? h('span', { class: 'muted mono' }, ` ${shortAddress(lot.buyer)}`) : null),
          h('dt', null, 'Amount'),
          h('dd', null, sold ? eth(lot.high!.amount_wei, `past-amount-${lot.id}`) : h('span', { testid: `past-amount-${lot.id}` }, '—')),
          h('dt', null, 'Settlement'),
          h('dd', null, lot.settle_tx ? txLink(lot.settle_tx, state.house?.txUrl(lot.settle_tx) ?? null, `past-tx-${lot.id}`) : h('span', { class: 'muted', testid: `past-tx-${lot.id}` }, 'none')),
        ),
        h(
          'button',
          { type: 'button', class: 'secondary', testid: `verify-button-${lot.id}`, disabled: !state.house, onclick: () => void verify(lot, target) },
          'Verify the bid log',
        ),
        result,
      ),
    );
  };

  const verify = async (lot: PublicLot, result: HTMLElement) => {
    const house = state.house;
    if (!house) return;
    result.hidden = false;
    delete result.dataset.result;
    fill(result, 'Reading the bid log and the chain…');
    try {
      const [log, onChain] = await Promise.all([
        api<BidLog>('GET', `/api/public/lots/${lot.id}/bid-log`),
        house.read<Hex>(state.wallet, 'bidLogHash', [BigInt(lot.id)]),
      ]);
      let computed: string;
      try {
        computed = bidLogHead(lot.id, log.entries);
      } catch (error) {
        // An entry that cannot even be encoded (a wallet that is not an address, say).
        computed = `cannot be computed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      }
      const match = computed.toLowerCase() === onChain.toLowerCase();
      result.dataset.result = match ? 'match' : 'mismatch';
      fill(
        result,
        h(
          'p',
          { class: match ? 'ok' : 'bad' },
          match
            ? `Match: the bid log's ${entries(log.entries.length)} hash to the head the auction house recorded on chain.`
            : /^0x0+$/.test(onChain)
              ? 'Mismatch: the chain holds no bid-log hash for this lot.'
              : `Mismatch: the published bid log does not hash to the head recorded on chain.`,
        ),
        h('dl', { class: 'facts hashes' }, h('dt', null, 'Computed here'), h('dd', { class: 'mono' }, computed), h('dt', null, 'On chain'), h('dd', { class: 'mono' }, onChain)),
        log.entries.length > 0
          ? h(
              'details',
              null,
              h('summary', null, `The ${entries(log.entries.length)}`),
              h(
                'ol',
                { class: 'log' },
                log.entries.map((entry) =>
                  h(
                    'li',
                    { class: entry.voided ? 'voided' : null },
                    h('span', null, ENTRY_WORDS[entry.kind] ?? (entry.by_proxy ? 'proxy ' : ''), entry.bidder),
                    eth(entry.amount_wei),
                    h('span', { class: 'muted' }, new Date(entry.received_at_ms).toISOString()),
                  ),
                ),
              ),
            )
          : null,
      );
    } catch (error) {
      result.dataset.result = 'error';
      fill(result, h('p', { class: 'bad' }, `Could not verify: ${state.words(error)}`));
    }
  };

  let drawn: unknown[] = [];
  state.subscribe(() => {
    if (drawn[0] === state.marathon && drawn[1] === state.house) return;
    drawn = [state.marathon, state.house];
    draw();
  });
  draw();
  return h('section', { id: 'past', class: 'card' }, h('h2', null, 'Past lots'), list);
}
