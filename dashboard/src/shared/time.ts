// Countdowns are computed against the server's clock, not the viewer's: a browser whose clock
// is a minute off must still show the lot ending when Gavel ends it.

/** `m:ss` under an hour, `h:mm:ss` above; never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** The server's clock as seen from here: an offset learnt from server timestamps. */
export class ServerClock {
  private offsetMs = 0;
  private bestRttMs = Number.POSITIVE_INFINITY;

  /** A server time read from a response sent between `sentAt` and `receivedAt` (local ms). The
   * answer with the shortest round trip wins, as its midpoint is the most precise estimate. */
  observe(serverMs: number, sentAt: number, receivedAt: number, resolutionMs = 0): void {
    const rtt = receivedAt - sentAt + resolutionMs;
    if (!Number.isFinite(serverMs) || rtt > this.bestRttMs) return;
    this.bestRttMs = rtt;
    this.offsetMs = serverMs + resolutionMs / 2 - (sentAt + receivedAt) / 2;
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export const serverClock = new ServerClock();
