// Calls to Gavel's API from the browser: same origin, the session cookie goes by itself, and
// every mutation carries the CSRF token the session handed out. Errors keep the server's code.

import { serverClock } from './time';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when the server no longer knows the session (expired, logged out elsewhere). */
export function handleUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const sentAt = Date.now();
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const date = response.headers.get('Date');
  if (date) serverClock.observe(Date.parse(date), sentAt, Date.now(), 1000);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy's HTML error page: reported below with the status alone.
  }
  if (!response.ok) {
    const error = (json ?? {}) as { error?: string; message?: string; field?: string };
    const failure = new ApiError(
      response.status,
      error.error ?? 'http_' + response.status,
      error.message ?? `${method} ${path} failed with ${response.status}`,
      error.field,
    );
    if (response.status === 401 && path !== '/api/session') onUnauthenticated();
    throw failure;
  }
  return json as T;
}

/** A query string from the defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
