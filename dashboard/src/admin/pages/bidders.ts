// Bidders with their escrow and bidding power, banned or not; operators ban and unban; admins
// unlink a bidder from its wallet (a lost wallet, a wrong binding), with a reason for the audit log.

import { api, ApiError, query } from '../../shared/api';
import { fill, h, type Child } from '../../shared/dom';
import type { BidderList, BidderSummary } from '../../shared/api-types';
import { debounce, type Page } from '../app';
import { eth } from '../view';

const PAGE_SIZE = 50;

export const biddersPage: Page = (outlet, app) => {
  let bidders: BidderSummary[] = [];
  let more = false;
  let banning: string | null = null;
  let unlinking: string | null = null;
  /** Why the server refused the last unlink (it does while the bidder leads or has an unsettled win). */
  let unlinkRefusal: string | null = null;
  let unlinkReason = '';
  const table = h('div', { class: 'card' });
  outlet.replaceChildren(h('h1', null, 'Bidders'), table);

  const draw = () => {
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
              h('td', { class: 'mono' }, bidder.wallet ?? h('span', { class: 'muted' }, 'not linked')),
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
                    : h('button', { class: 'small danger', testid: `ban-${bidder.id}`, onclick: () => ((banning = banning === bidder.id ? null : bidder.id), draw()) }, 'Ban'),
                app.can('admin') && bidder.wallet
                  ? [
                      ' ',
                      h(
                        'button',
                        { class: 'small', testid: `unlink-${bidder.id}`, onclick: () => ((unlinking = unlinking === bidder.id ? null : bidder.id), (unlinkRefusal = null), draw()) },
                        'Unlink',
                      ),
                    ]
                  : null,
              ),
            ),
            banning === bidder.id ? h('tr', null, h('td', { colspan: 7 }, banForm(bidder))) : null,
            unlinking === bidder.id && bidder.wallet ? h('tr', null, h('td', { colspan: 7 }, unlinkForm(bidder, bidder.wallet))) : null,
          ]),
        ),
      ),
      bidders.length === 0 ? h('p', { class: 'muted' }, 'No bidder yet.') : null,
      more ? h('button', { class: 'link', testid: 'bidders-more', onclick: () => void app.attempt(() => load(true)) }, 'More') : null,
    );
  };

  /** An operator's action on a bidder: `POST /api/bidders/{id}/{action}`. */
  const act = (bidder: BidderSummary, action: 'ban' | 'unban' | 'unlink', body?: unknown) => api('POST', `/api/bidders/${encodeURIComponent(bidder.id)}/${action}`, body);

  /** A form in the row under a bidder's; `submit` runs through app.attempt (errors in the banner). */
  const inlineForm = (submit: () => Promise<void>, ...children: Child[]) =>
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (event) => {
          event.preventDefault();
          void app.attempt(submit);
        },
      },
      ...children,
    );

  const banForm = (bidder: BidderSummary) => {
    const reason = h('input', { testid: 'ban-reason', placeholder: 'reason', required: true, maxlength: 500 });
    const voidStanding = h('input', { type: 'checkbox', testid: 'ban-void-standing' });
    const ban = async () => {
      await act(bidder, 'ban', { reason: reason.value, void_standing_bids: voidStanding.checked });
      banning = null;
      await load(false);
    };
    return inlineForm(
      ban,
      `Ban ${bidder.display_name}: `,
      reason,
      h('label', { class: 'check' }, voidStanding, 'void their standing bids'),
      h('button', { class: 'danger', testid: 'ban-submit' }, 'Ban'),
    );
  };

  const unlinkForm = (bidder: BidderSummary, wallet: string) => {
    // The reason outlives a redraw (the list reloads on every bidder event).
    const reason = h('input', { testid: 'unlink-reason', placeholder: 'reason (kept in the audit log)', required: true, maxlength: 500, value: unlinkReason });
    reason.addEventListener('input', () => (unlinkReason = reason.value));
    const unlink = async () => {
      try {
        await act(bidder, 'unlink', { reason: reason.value });
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409)) throw error;
        unlinkRefusal = error.message;
        return draw();
      }
      unlinking = null;
      unlinkRefusal = null;
      unlinkReason = '';
      await load(false);
    };
    return inlineForm(
      unlink,
      `Unlink ${bidder.display_name} from ${wallet}: `,
      reason,
      h('button', { class: 'danger', testid: 'unlink-submit' }, 'Unlink'),
      unlinkRefusal ? h('span', { class: 'form-error', testid: 'unlink-error' }, unlinkRefusal) : null,
    );
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

  const soon = debounce(() => void app.attempt(() => load(false)), 500);
  const stop = app.live.listen({
    onEvent: (event) => {
      if (event.type.startsWith('bidder.') || event.type === 'deposit.credited' || event.type === 'bid.accepted' || event.type.startsWith('lot.')) soon();
    },
    onSync: soon,
  });
  void app.attempt(() => load(false));
  return () => {
    stop();
    soon.cancel();
  };
};
