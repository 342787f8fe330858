// Following a marathon's current lot from the public side (the overlay and the viewer page): the
// live state (served from Redis) on load, on every (re)open or resync of the stream and whenever
// the lot may have changed; the lot's public event stream in between, applied at once. Events
// carry bidder ids only, so the state is read again shortly after a burst of them for display
// names and the top 3.
//
// The live state can lag the stream (Redis is rebuilt after the events, and the house-wide pause
// flag is cached for 2 s) or lead it (another gateway instance may have refreshed it before the
// one this page listens to relays the event). So what a pause, a resume or a cancellation event
// says is kept over a state read for a few seconds, and a bid is never listed twice in the ticker.

import type { LiveBid, LotLive, PublicLive } from './api-types';
import { lotOf, subscribe, type Stream } from './sse';
import { formatCountdown, ServerClock } from './time';
import type { BidAccepted, EventEnvelope, LotClosed, LotExtended, LotState } from './api-types';
import { weiToEth } from './wei';

/** How often the live state is read when nothing happens: often between lots, rarely during one. */
const POLL_IDLE_MS = 10_000;
const POLL_ACTIVE_MS = 60_000;
/** After an unknown marathon or an unreachable API: try again, without hammering. */
const POLL_UNAVAILABLE_MS = 10_000;
/** Less time left than this, and the countdown says so. */
const URGENT_MS = 30_000;
/** How long an event's word on a pause or a cancellation outranks a state read (the cache's 2 s, and margin). */
const EVENT_OUTRANKS_STATE_MS = 4_000;

export interface LotCountdown {
  label: 'Time left' | 'Opens in' | 'Paused';
  text: string;
  urgent: boolean;
}

/**
 * What a lot's countdown shows at `now` (ms on the server's clock): the time left while it is
 * open, the time to its opening while it waits; null once bidding is over (each page words that).
 * The time left stands still while the lot's clock is stopped (`paused_at`: an operator paused
 * it). A pause of all bidding (maintenance) does not stop the lot's clock, so its countdown runs
 * on: it shows what Gavel will do.
 */
export function lotCountdown(lot: Pick<LotLive, 'state' | 'starts_at' | 'ends_at' | 'paused_at'>, now: number): LotCountdown | null {
  if (lot.state === 'ACTIVE') {
    if (lot.paused_at) return { label: 'Paused', text: formatCountdown(Date.parse(lot.ends_at) - Date.parse(lot.paused_at)), urgent: false };
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

/** "5 more seconds", "1 more minute", "2 min 30 s more": how much an extension added, in words. */
export function addedTimeInWords(previousEndsAt: string, endsAt: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(endsAt) - Date.parse(previousEndsAt)) / 1000));
  if (seconds < 60) return `${seconds} more second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (rest === 0) return `${minutes} more minute${minutes === 1 ? '' : 's'}`;
  return `${minutes} min ${rest} s more`;
}

export interface TickerEntry {
  /** Null for a standing read from the live state, which carries no bid ids. */
  bidId: number | null;
  bidder: string;
  amountWei: string;
  voided: boolean;
}

/**
 * The ticker with a newly accepted bid on top, at most `size` long. A bid already listed is not
 * listed again (a replayed event), and a standing read from the live state that this bid's event
 * repeats (same bidder, same amount: the state was ahead of the stream) gives way to it.
 */
export function withNewBid(ticker: TickerEntry[], entry: TickerEntry, size: number): TickerEntry[] {
  if (entry.bidId !== null && ticker.some((listed) => listed.bidId === entry.bidId)) return ticker;
  const rest = ticker.filter((listed) => !(listed.bidId === null && listed.bidder === entry.bidder && listed.amountWei === entry.amountWei));
  return [entry, ...rest].slice(0, size);
}

/** Why the live state could not be shown: an unknown marathon, or the API not answering as it should. */
export interface LiveProblem {
  status: number | null;
  message: string;
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
  /** The live state could not be read (null once it can again). */
  onProblem?(problem: LiveProblem | null): void;
}

export interface LiveOptions {
  tickerSize?: number;
  /** How long a closed lot stays before the state is read again (the next lot may replace it). */
  holdClosedMs?: number;
}

/** What an event said about the lot or the house, kept over state reads for a while. */
interface EventWord {
  until: number;
  apply(live: PublicLive): void;
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
  private readonly words = new Map<string, EventWord>();
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

  /** The lot's countdown now, frozen while its clock is stopped. */
  countdown(): LotCountdown | null {
    const lot = this.live?.lot;
    return lot ? lotCountdown(lot, this.clock.now()) : null;
  }

  /** Why bids are refused for a while: this lot's clock is stopped, or all bidding is paused. */
  pause(): 'lot' | 'bidding' | null {
    const lot = this.live?.lot;
    if (!lot || lot.state !== 'ACTIVE') return null;
    if (lot.paused_at) return 'lot';
    return this.live?.bidding_paused ? 'bidding' : null;
  }

  /** Reads the live state again now. */
  async load(): Promise<void> {
    const sentAt = Date.now();
    let state: PublicLive;
    try {
      const response = await fetch(`/api/public/marathons/${this.marathonId}/live`, { headers: { Accept: 'application/json' } });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { message?: string } | null;
        this.unavailable({ status: response.status, message: body?.message ?? `HTTP ${response.status}` });
        return;
      }
      state = (await response.json()) as PublicLive;
    } catch (error) {
      this.unavailable({ status: null, message: error instanceof Error ? error.message : String(error) });
      return;
    }
    this.clock.observe(Date.parse(state.server_time), sentAt, Date.now());
    this.handlers.onProblem?.(null);
    const previousLot = this.live?.lot?.id ?? null;
    for (const [key, word] of this.words) {
      if (word.until < Date.now()) this.words.delete(key);
      else word.apply(state);
    }
    this.live = state;
    for (const bid of [state.lot?.high, ...(state.lot?.top ?? [])]) if (bid) this.names.set(bid.bidder, bid.name);
    if (state.lot?.id !== previousLot) {
      this.ticker = (state.lot?.top ?? []).map((bid: LiveBid) => ({ bidId: null, bidder: bid.bidder, amountWei: bid.amount_wei, voided: false }));
    }
    this.follow(state.lot?.id ?? null);
    this.handlers.onChange(state);
    this.schedulePoll(state.lot?.state === 'ACTIVE' ? POLL_ACTIVE_MS : POLL_IDLE_MS);
  }

  private unavailable(problem: LiveProblem): void {
    console.warn('could not read the live state', problem);
    this.handlers.onProblem?.(problem);
    this.schedulePoll(POLL_UNAVAILABLE_MS);
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

  /** Keeps what an event said (applied now and to the state reads of the next few seconds). */
  private remember(key: string, apply: (live: PublicLive) => void): void {
    this.words.set(key, { until: Date.now() + EVENT_OUTRANKS_STATE_MS, apply });
    if (this.live) apply(this.live);
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
    if (!live || !lot) return;
    // All bidding pauses for every lot: these events name none.
    if (event.type === 'bidding.paused' || event.type === 'bidding.resumed') {
      const paused = event.type === 'bidding.paused';
      this.remember('bidding', (state) => (state.bidding_paused = paused));
      this.handlers.onChange(live);
      return;
    }
    if (lotOf(event) !== lot.id) return;
    const lead = (bidder: string | null, wei: string | null) =>
      bidder && wei ? { bidder, name: lot.high?.bidder === bidder ? lot.high.name : this.nameOf(bidder), amount_wei: wei, amount_eth: weiToEth(wei) } : null;
    switch (event.type) {
      case 'bid.accepted': {
        const p = event.payload;
        lot.high = lead(p.high_bidder, p.high_amount);
        lot.ends_at = p.ends_at;
        if (p.amount !== null) this.ticker = withNewBid(this.ticker, { bidId: p.bid_id, bidder: p.bidder, amountWei: p.amount, voided: false }, this.tickerSize);
        this.handlers.onBid?.(p);
        this.refetchSoon();
        break;
      }
      case 'bid.voided':
      case 'bid.reinstated': {
        const p = event.payload;
        const voided = event.type === 'bid.voided';
        lot.high = lead(p.high_bidder, p.high_amount);
        // Bidders are counted by their standing bids: with none left, nobody is counted.
        if (lot.high === null) lot.participants = 0;
        for (const entry of this.ticker) if (entry.bidId === p.bid_id) entry.voided = voided;
        this.refetchSoon();
        break;
      }
      case 'lot.extended': {
        const p = event.payload;
        applyExtension(lot, p);
        this.handlers.onExtended?.(p);
        break;
      }
      case 'lot.paused':
      case 'lot.resumed': {
        const p = event.payload;
        const pausedAt = event.type === 'lot.paused' ? event.payload.paused_at : null;
        this.remember(`lot:${p.lot_id}:clock`, (state) => {
          if (state.lot?.id !== p.lot_id) return;
          state.lot.paused_at = pausedAt;
          state.lot.ends_at = p.ends_at;
        });
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
      case 'lot.cancelled': {
        const cancelled = event.payload.lot_id;
        this.remember(`lot:${cancelled}:cancelled`, (state) => {
          if (state.lot?.id === cancelled) state.lot.state = 'CANCELLED';
        });
        // Viewers are told it was cancelled before the state may move to the next lot.
        this.schedulePoll(this.holdClosedMs);
        break;
      }
      // The opening comes from the state read again: a PENDING lot is re-read only every 10 s.
      case 'lot.opened':
      case 'lot.completed':
        this.refetchSoon();
        break;
    }
    this.handlers.onChange(live);
  }
}
