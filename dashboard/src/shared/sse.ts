// One Server-Sent Events subscription. The browser's EventSource reconnects by itself and sends
// Last-Event-ID, so the gateway replays what was missed; when the gateway answers `resync` (we
// fell too far behind) or the connection (re)opens, the page reloads its state instead. If the
// EventSource gives up (an HTTP error rather than a dropped stream), a new one is made after a
// growing delay.

import type { EventEnvelope } from './api-types';

/**
 * Every event type (docs/events.md): EventSource delivers named events only to named listeners,
 * so a type missing here is silently never received. Keyed by the generated union, so the build
 * fails when the Rust side adds a type and this list lacks it.
 */
const EVENT_TYPE_SET: Record<EventEnvelope['type'], true> = {
  'lot.opened': true,
  'lot.extended': true,
  'lot.processing': true,
  'lot.closed': true,
  'lot.completed': true,
  'lot.cancelled': true,
  'lot.paused': true,
  'lot.resumed': true,
  'bid.accepted': true,
  'bid.rejected': true,
  'bid.voided': true,
  'bid.reinstated': true,
  'bidder.banned': true,
  'bidder.unbanned': true,
  'bidding.paused': true,
  'bidding.resumed': true,
  'deposit.credited': true,
  'settlement.attempt': true,
};
export const EVENT_TYPES = Object.keys(EVENT_TYPE_SET) as EventEnvelope['type'][];

export interface StreamHandlers {
  onEvent(event: EventEnvelope): void;
  /** The stream (re)opened or asked for a resync: reload whatever is shown. */
  onSync(): void;
  onStatus?(status: 'open' | 'connecting' | 'closed'): void;
}

export interface Stream {
  close(): void;
}

const MAX_RETRY_MS = 30_000;

export function subscribe(url: string, handlers: StreamHandlers): Stream {
  let source: EventSource | null = null;
  let retryMs = 1_000;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  // The gateway sends each lot's events in seq order; a replay after a reconnect may repeat some.
  let lastSeq = 0;

  const deliver = (message: MessageEvent<string>) => {
    let envelope: EventEnvelope;
    try {
      envelope = JSON.parse(message.data) as EventEnvelope;
    } catch {
      return;
    }
    if (typeof envelope.seq === 'number') {
      if (envelope.seq <= lastSeq) return;
      lastSeq = envelope.seq;
    }
    handlers.onEvent(envelope);
  };

  const open = () => {
    handlers.onStatus?.('connecting');
    source = new EventSource(url, { withCredentials: true });
    source.onopen = () => {
      retryMs = 1_000;
      handlers.onStatus?.('open');
      handlers.onSync();
    };
    source.onerror = () => {
      if (closed || !source) return;
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        handlers.onStatus?.('closed');
        retryTimer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      } else {
        handlers.onStatus?.('connecting');
      }
    };
    for (const type of EVENT_TYPES) source.addEventListener(type, deliver as EventListener);
    source.addEventListener('message', deliver as EventListener);
    source.addEventListener('resync', () => handlers.onSync());
  };

  open();
  return {
    close() {
      closed = true;
      clearTimeout(retryTimer);
      source?.close();
      source = null;
    },
  };
}

/** The lot an event concerns, if any (every lot.* and bid.* payload names it). */
export function lotOf(event: EventEnvelope): number | null {
  return 'lot_id' in event.payload && typeof event.payload.lot_id === 'number' ? event.payload.lot_id : null;
}
