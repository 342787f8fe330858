// What every page of the dashboard shares: the session and its role, the one all-events stream,
// and the error banner (for errors that belong to no form field: those go under the field).

import { ApiError } from '../shared/api';
import { subscribe, type Stream } from '../shared/sse';
import type { EventEnvelope, Role, Session } from '../shared/api-types';
import { bannerWords } from './forms';

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

/** What put the banner up: an operator's action, or a read the page made by itself. */
type BannerSource = 'action' | 'read';

export class App {
  readonly live = new LiveHub();
  session: Session | null = null;
  showError: (message: string | null) => void = () => {};
  private banner: BannerSource | null = null;
  /** Bumped on every navigation: what a page left behind reports nothing on the next one. */
  private page = 0;

  get role(): Role | null {
    return this.session?.user.role ?? null;
  }

  /** Whether the signed-in user has at least `role` (the server checks again). */
  can(role: Role): boolean {
    return this.role !== null && RANK[this.role] >= RANK[role];
  }

  /** A new page is shown: the old page's banner goes, and its late answers are ignored. */
  navigated(): void {
    this.page += 1;
    this.clearError();
  }

  /** Shows a failure in the banner, in plain words (forms put theirs at the field first). */
  report(error: unknown, source: BannerSource = 'action'): void {
    if (error instanceof ApiError && error.status === 401) return; // handled by the redirect to the login page
    this.banner = source;
    this.showError(bannerWords(error));
  }

  clearError(): void {
    this.banner = null;
    this.showError(null);
  }

  /** Runs an operator's action, reporting a failure in the banner; resolves to whether it succeeded. */
  async attempt(action: () => Promise<unknown>): Promise<boolean> {
    const page = this.page;
    try {
      await action();
      if (page === this.page) this.clearError();
      return true;
    } catch (error) {
      if (page === this.page) this.report(error);
      return false;
    }
  }

  /**
   * Runs a read the page makes by itself (a reload after an event, a timer). A failure shows in
   * the banner; a success clears only a banner such a read put up, never an action's error,
   * which stays until the operator's next successful action or another page.
   */
  async load(read: () => Promise<unknown>): Promise<boolean> {
    const page = this.page;
    try {
      await read();
      if (page === this.page && this.banner === 'read') this.clearError();
      return true;
    } catch (error) {
      if (page === this.page) this.report(error, 'read');
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
