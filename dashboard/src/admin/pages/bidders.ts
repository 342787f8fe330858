// Bidders with their escrow and bidding power, banned or not; operators ban and unban; admins
// unlink a bidder from its wallet (a lost wallet, a wrong binding), with a reason for the audit log.

import { api, query } from '../../shared/api';
import { fill, h, type Child } from '../../shared/dom';
import type { BidderList, BidderSummary } from '../../shared/api-types';
import { debounce, type Page } from '../app';
import { FormFeedback, submitForm, textProblem } from '../forms';
import { eth, hashCell } from '../view';

const PAGE_SIZE = 50;

export const biddersPage: Page = (outlet, app) => {
  let bidders: BidderSummary[] = [];
  let more = false;
  let banning: string | null = null;
  let unlinking: string | null = null;
  // The open form is made once and kept: the list redraws on every bidder event, and must not
  // wipe a reason being typed.
  let openForm: { key: string; element: HTMLElement } | null = null;
  const formFor = (key: string, make: () => HTMLElement) => {
    if (openForm?.key !== key) openForm = { key, element: make() };
    return openForm.element;
  };
  const table = h('div', { class: 'card' });
  outlet.replaceChildren(h('h1', null, 'Bidders'), table);

  const draw = () => {
    if (banning === null && unlinking === null) openForm = null;
    fill(
      table,
      h(
        'table',
        { testid: 'bidders-table' },
        h('thead', null, h('tr', null, ['Bidder', 'Name', 'Wallet', 'Escrow', 'Bidding power', 'Status', ''].map((label) => h('th', null, label)))),
        h(
          'tbody',
          null,
          bidders.map((bidder) => [
            h(
              'tr',
              { testid: `bidder-row-${bidder.id}`, class: bidder.banned ? 'banned' : null },
              h('td', null, bidder.id),
              h('td', null, bidder.display_name, bidder.login !== bidder.display_name ? h('span', { class: 'muted' }, ` (${bidder.login})`) : null),
              h('td', null, bidder.wallet ? hashCell(bidder.wallet, `bidder-wallet-${bidder.id}`) : h('span', { class: 'muted' }, 'not linked')),
              h('td', null, eth(bidder.escrow_wei)),
              h('td', null, eth(bidder.power_wei)),
              h('td', null, bidder.banned ? h('span', { class: 'badge state-cancelled', title: bidder.ban_reason ?? '' }, `banned: ${bidder.ban_reason ?? ''}`) : 'ok'),
              h(
                'td',
                null,
                !app.can('operator')
                  ? null
                  : bidder.banned
                    ? h('button', { class: 'small', testid: `unban-${bidder.id}`, onclick: () => void unban(bidder) }, 'Unban')
                    : h('button', { class: 'small danger', testid: `ban-${bidder.id}`, onclick: () => ((banning = banning === bidder.id ? null : bidder.id), (unlinking = null), draw()) }, 'Ban'),
                app.can('admin') && bidder.wallet
                  ? [
                      ' ',
                      h(
                        'button',
                        { class: 'small', testid: `unlink-${bidder.id}`, onclick: () => ((unlinking = unlinking === bidder.id ? null : bidder.id), (banning = null), draw()) },
                        'Unlink',
                      ),
                    ]
                  : null,
              ),
            ),
            banning === bidder.id ? h('tr', null, h('td', { colspan: 7 }, formFor(`ban:${bidder.id}`, () => banForm(bidder)))) : null,
            unlinking === bidder.id && bidder.wallet ? h('tr', null, h('td', { colspan: 7 }, formFor(`unlink:${bidder.id}`, () => unlinkForm(bidder, bidder.wallet!)))) : null,
          ]),
        ),
      ),
      bidders.length === 0 ? h('p', { class: 'muted' }, 'No bidder yet.') : null,
      more ? h('button', { class: 'link', testid: 'bidders-more', onclick: () => void app.load(() => load(true)) }, 'More') : null,
    );
  };

  /** An operator's action on a bidder: `POST /api/bidders/{id}/{action}`. */
  const act = (bidder: BidderSummary, action: 'ban' | 'unban' | 'unlink', body?: unknown) => api('POST', `/api/bidders/${encodeURIComponent(bidder.id)}/${action}`, body);

  /**
   * A form in the row under a bidder's: its reason is checked here first; an error with a field
   * goes under it, a refusal into `conflict` when the form has one. `ready` may hold the sending
   * back (to ask for a confirmation).
   */
  const reasonForm = (
    reason: HTMLInputElement,
    send: () => Promise<void>,
    options: { ready?: () => boolean; conflict?: HTMLElement },
    ...children: Child[]
  ) => {
    const feedback = new FormFeedback({ reason: { input: reason, label: 'Reason' } }, options.conflict);
    return h(
      'form',
      {
        class: 'inline',
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          if (!feedback.check([[reason, textProblem(reason.value, 500, 'A reason')]])) return;
          if (options.ready && !options.ready()) return;
          void submitForm(app, feedback, send);
        },
      },
      ...children,
      options.conflict,
      feedback.status,
    );
  };

  const banForm = (bidder: BidderSummary) => {
    const reason = h('input', { testid: 'ban-reason', placeholder: 'reason (kept in the audit log)', maxlength: 500 });
    const voidStanding = h('input', { type: 'checkbox', testid: 'ban-void-standing' });
    const submit = h('button', { class: 'danger', testid: 'ban-submit' }, 'Ban');
    // Voiding bids changes who leads on the show: the first press asks, the second does it.
    let confirming = false;
    const word = () => {
      submit.textContent = voidStanding.checked ? (confirming ? 'Yes, ban and void their bids' : 'Ban and void their bids…') : 'Ban';
    };
    voidStanding.addEventListener('change', () => ((confirming = false), word()));
    const ready = () => {
      if (!voidStanding.checked || confirming) return true;
      confirming = true;
      word();
      return false;
    };
    const ban = async () => {
      await act(bidder, 'ban', { reason: reason.value.trim(), void_standing_bids: voidStanding.checked });
      banning = null;
      await load(false);
    };
    return reasonForm(reason, ban, { ready }, `Ban ${bidder.display_name}: `, reason, h('label', { class: 'check' }, voidStanding, 'void their standing bids'), submit);
  };

  const unlinkForm = (bidder: BidderSummary, wallet: string) => {
    const reason = h('input', { testid: 'unlink-reason', placeholder: 'reason (kept in the audit log)', maxlength: 500 });
    // Refused while the bidder leads or has an unsettled win: said beside the form.
    const refusal = h('span', { class: 'form-error', testid: 'unlink-error', hidden: true });
    const unlink = async () => {
      await act(bidder, 'unlink', { reason: reason.value.trim() });
      unlinking = null;
      await load(false);
    };
    return reasonForm(reason, unlink, { conflict: refusal }, `Unlink ${bidder.display_name} from ${wallet}: `, reason, h('button', { class: 'danger', testid: 'unlink-submit' }, 'Unlink'));
  };

  const unban = (bidder: BidderSummary) =>
    app.attempt(async () => {
      await act(bidder, 'unban');
      await load(false);
    });

  /** The first page again, or (`next`) the page after the last row shown. */
  const load = async (next: boolean) => {
    const after = next ? bidders[bidders.length - 1]?.id : undefined;
    const limit = next ? PAGE_SIZE : Math.max(PAGE_SIZE, bidders.length);
    const page = await api<BidderList>('GET', `/api/bidders${query({ limit, after })}`);
    bidders = next ? [...bidders, ...page.bidders] : page.bidders;
    more = page.bidders.length === limit;
    draw();
  };

  const soon = debounce(() => void app.load(() => load(false)), 500);
  const stop = app.live.listen({
    onEvent: (event) => {
      if (event.type.startsWith('bidder.') || event.type === 'deposit.credited' || event.type === 'bid.accepted' || event.type.startsWith('lot.')) soon();
    },
    onSync: soon,
  });
  void app.load(() => load(false));
  return () => {
    stop();
    soon.cancel();
  };
};
