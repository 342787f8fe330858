// Following a marathon's current lot from the public side (the overlay and the viewer page): the
// live state (served from Redis) on load, on every (re)open or resync of the stream and whenever
// the lot may have changed; the lot's public event stream in between, applied at once. Events
// carry bidder ids only, so the state is read again shortly after a burst of them for display
// names and the top 3.

import type { LiveBid, LotLive, PublicLive } from './api-types';
import { lotOf, subscribe, type Stream } from './sse';
import { formatCountdown, ServerClock } from './time';
import type { BidAccepted, EventEnvelope, LotClosed, LotExtended, LotState } from './api-types';
import { weiToEth } from './wei';

/** How often the live state is read when nothing happens: often between lots, rarely during one. */
const POLL_IDLE_MS = 10_000;
const POLL_ACTIVE_MS = 60_000;
/** Less time left than this, and the countdown says so. */
const URGENT_MS = 30_000;

export interface LotCountdown {
  label: 'Time left' | 'Opens in';
  text: string;
  urgent: boolean;
}

/**
 * What a lot's countdown shows at `now` (ms on the server's clock): the time left while it is
 * open, the time to its opening while it waits; null once bidding is over (each page words that).
 */
export function lotCountdown(lot: Pick<LotLive, 'state' | 'starts_at' | 'ends_at'>, now: number): LotCountdown | null {
  if (lot.state === 'ACTIVE') {
    const left = Date.parse(lot.ends_at) - now;
    return { label: 'Time left', text: formatCountdown(left), urgent: left < URGENT_MS };
  }
  if (lot.state === 'PENDING') return { label: 'Opens in', text: formatCountdown(Date.parse(lot.starts_at) - now), urgent: false };
  return null;
}

/** Moves a lot's end as `lot.extended` says (a late bid's anti-snipe, or an operator reopening it). */
export function applyExtension(lot: { ends_at: string; extensions_used: number; state: LotState }, extension: LotExtended): void {
  lot.ends_at = extension.ends_at;
  lot.extensions_used = extension.extensions_used;
  if (extension.reopened) lot.state = 'ACTIVE';
}

export interface TickerEntry {
  bidId: number;
  bidder: string;
  amountWei: string;
  voided: boolean;
}

export interface LiveHandlers {
  /** The state changed: read again, or an event applied to it. */
  onChange(live: PublicLive): void;
  /** A bid moved the high bid. */
  onBid?(accepted: BidAccepted): void;
  /** The end moved later (anti-snipe or an operator), as it happens. */
  onExtended?(extension: LotExtended): void;
  /** The winner is final. */
  onClosed?(closed: LotClosed, lot: LotLive): void;
}

export interface LiveOptions {
  tickerSize?: number;
  /** How long a closed lot stays before the state is read again (the next lot may replace it). */
  holdClosedMs?: number;
}

export class LiveLotFollower {
  live: PublicLive | null = null;
  /** The newest bids first. */
  ticker: TickerEntry[] = [];
  /** The lot whose winner is final (`lot.closed`), while it is still the one shown. */
  closedLot: number | null = null;
  readonly clock = new ServerClock();
  private stream: Stream | null = null;
  private streamLot: number | null = null;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private refetchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Display names learnt from the live state; events carry only bidder ids. */
  private readonly names = new Map<string, string>();
  private readonly tickerSize: number;
  private readonly holdClosedMs: number;

  constructor(
    private readonly marathonId: number,
    private readonly handlers: LiveHandlers,
    options: LiveOptions = {},
  ) {
    this.tickerSize = options.tickerSize ?? 6;
    this.holdClosedMs = options.holdClosedMs ?? 20_000;
  }

  start(): void {
    void this.load();
  }

  nameOf(bidder: string): string {
    return this.names.get(bidder) ?? 'a new bidder';
  }

  /** Reads the live state again now. */
  async load(): Promise<void> {
    const sentAt = Date.now();
    try {
      const response = await fetch(`/api/public/marathons/${this.marathonId}/live`, { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(`live state: HTTP ${response.status}`);
      const state = (await response.json()) as PublicLive;
      this.clock.observe(Date.parse(state.server_time), sentAt, Date.now());
      const previousLot = this.live?.lot?.id ?? null;
      this.live = state;
      for (const bid of [state.lot?.high, ...(state.lot?.top ?? [])]) if (bid) this.names.set(bid.bidder, bid.name);
      if (state.lot?.id !== previousLot) {
        this.ticker = (state.lot?.top ?? []).map((bid: LiveBid, index) => ({ bidId: -index - 1, bidder: bid.bidder, amountWei: bid.amount_wei, voided: false }));
      }
      this.follow(state.lot?.id ?? null);
      this.handlers.onChange(state);
      this.schedulePoll(state.lot?.state === 'ACTIVE' ? POLL_ACTIVE_MS : POLL_IDLE_MS);
    } catch (error) {
      console.warn('could not read the live state', error);
      this.schedulePoll(3_000);
    }
  }

  private schedulePoll(delayMs: number): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.load(), delayMs);
  }

  /** Reads again soon after a burst of events, for what events do not carry (names, top 3). */
  private refetchSoon(): void {
    clearTimeout(this.refetchTimer);
    this.refetchTimer = setTimeout(() => void this.load(), 300);
  }

  /** Subscribes to the public stream of the lot shown, and only that one. */
  private follow(lotId: number | null): void {
    if (lotId === this.streamLot) return;
    this.stream?.close();
    this.stream = null;
    this.streamLot = lotId;
    if (lotId !== null) this.stream = subscribe(`/api/public/lots/${lotId}/events`, { onEvent: (event) => this.apply(event), onSync: () => void this.load() });
  }

  private apply(event: EventEnvelope): void {
    const live = this.live;
    const lot = live?.lot;
    if (!live || !lot || lotOf(event) !== lot.id) return;
    switch (event.type) {
      case 'bid.accepted': {
        const p = event.payload;
        const sameLeader = lot.high?.bidder === p.high_bidder;
        lot.high = { bidder: p.high_bidder, name: sameLeader ? lot.high!.name : this.nameOf(p.high_bidder), amount_wei: p.high_amount, amount_eth: weiToEth(p.high_amount) };
        lot.ends_at = p.ends_at;
        if (p.amount !== null) this.ticker = [{ bidId: p.bid_id, bidder: p.bidder, amountWei: p.amount, voided: false }, ...this.ticker].slice(0, this.tickerSize);
        this.handlers.onBid?.(p);
        this.refetchSoon();
        break;
      }
      case 'bid.voided': {
        const p = event.payload;
        lot.high =
          p.high_bidder && p.high_amount ? { bidder: p.high_bidder, name: this.nameOf(p.high_bidder), amount_wei: p.high_amount, amount_eth: weiToEth(p.high_amount) } : null;
        for (const entry of this.ticker) if (entry.bidId === p.bid_id) entry.voided = true;
        this.refetchSoon();
        break;
      }
      case 'lot.extended': {
        const p = event.payload;
        applyExtension(lot, p);
        this.handlers.onExtended?.(p);
        break;
      }
      case 'lot.processing':
        lot.state = 'PROCESSING';
        break;
      case 'lot.closed': {
        lot.state = 'PROCESSING';
        this.closedLot = lot.id;
        this.handlers.onClosed?.(event.payload, lot);
        this.schedulePoll(this.holdClosedMs);
        break;
      }
      // The opening comes from the state read again: a PENDING lot is re-read only every 10 s.
      case 'lot.opened':
      case 'lot.completed':
      case 'lot.cancelled':
        this.refetchSoon();
        break;
    }
    this.handlers.onChange(live);
  }
}
