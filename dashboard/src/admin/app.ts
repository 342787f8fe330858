// What every page of the dashboard shares: the session and its role, the one all-events stream,
// and the error banner.

import { ApiError } from '../shared/api';
import { subscribe, type Stream } from '../shared/sse';
import type { EventEnvelope, Role, Session } from '../shared/api-types';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface LiveListener {
  onEvent?(event: EventEnvelope): void;
  /** The stream (re)opened or the gateway asked for a resync: reload what the page shows. */
  onSync?(): void;
}

/** The authenticated all-events stream, shared by the pages that are open. */
export class LiveHub {
  private stream: Stream | null = null;
  private readonly listeners = new Set<LiveListener>();
  status: 'open' | 'connecting' | 'closed' = 'closed';
  onStatus: (status: LiveHub['status']) => void = () => {};

  start(): void {
    if (this.stream) return;
    this.stream = subscribe('/api/events/stream', {
      onEvent: (event) => this.listeners.forEach((listener) => listener.onEvent?.(event)),
      onSync: () => this.listeners.forEach((listener) => listener.onSync?.()),
      onStatus: (status) => {
        this.status = status;
        this.onStatus(status);
      },
    });
  }

  stop(): void {
    this.stream?.close();
    this.stream = null;
    this.status = 'closed';
    this.onStatus('closed');
  }

  /** Returns the function that stops listening. */
  listen(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export class App {
  readonly live = new LiveHub();
  session: Session | null = null;
  showError: (message: string | null) => void = () => {};

  get role(): Role | null {
    return this.session?.user.role ?? null;
  }

  /** Whether the signed-in user has at least `role` (the server checks again). */
  can(role: Role): boolean {
    return this.role !== null && RANK[this.role] >= RANK[role];
  }

  report(error: unknown): void {
    if (error instanceof ApiError) {
      if (error.status === 401) return; // handled by the redirect to the login page
      const field = error.field ? ` (${error.field})` : '';
      this.showError(`${error.message}${field} [${error.status} ${error.code}]`);
    } else {
      this.showError(error instanceof Error ? error.message : String(error));
    }
  }

  clearError(): void {
    this.showError(null);
  }

  /** Runs an action, reporting a failure in the banner; resolves to whether it succeeded. */
  async attempt(action: () => Promise<unknown>): Promise<boolean> {
    try {
      await action();
      this.clearError();
      return true;
    } catch (error) {
      this.report(error);
      return false;
    }
  }
}

/** A page draws itself into `outlet` and returns what to undo when the route changes. */
export type Page = (outlet: HTMLElement, app: App, params: string[]) => (() => void) | void;

/** Calls `run` at most once per `delayMs`, after the last request (for refetch bursts). */
export function debounce(run: () => void, delayMs: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    clearTimeout(timer);
    timer = setTimeout(run, delayMs);
  };
  call.cancel = () => clearTimeout(timer);
  return call;
}
