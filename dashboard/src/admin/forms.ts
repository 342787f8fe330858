// Errors where the operator is looking: under the field at fault, in the form's own words. Each
// form names its inputs by the API's field names (`starts_at`, `chat_channels`…) with the label
// it shows; an error the API places on a field goes under that input, with the API's jargon
// (`u32`, field names, ISO timestamps, hex decoding errors) rewritten in plain words. Only errors
// that belong to no field of the form reach the banner. The same words are used by the checks
// the browser makes before sending (required, ranges, dates in the past, channel names).

import { ApiError } from '../shared/api';
import { h } from '../shared/dom';
import { AmountError, parseEth } from '../shared/wei';
import { formatInstant, wallFields } from './zone';
import type { App } from './app';

/** An input (or a zoned date-and-time field's wrapper) as a form names it. */
export interface FieldSpec {
  input: HTMLElement;
  /** The label the form shows, used when a message names the field. */
  label: string;
  /** For time fields: the zone the field reads, so an instant in a message is shown in it. */
  zone?: string;
}

const STATUS_MS = 4_000;

/** The field a serde path points at: `chat_channels[2]` → `chat_channels`, `anti_snipe.window_secs` → `anti_snipe_window_secs`. */
export function baseField(field: string): string {
  return field.replace(/\[\d+\]/g, '').replace(/\./g, '_');
}

/** Sentence case, full stop at the end. */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const upper = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?)]$/.test(upper) ? upper : `${upper}.`;
}

const INTEGER_TYPES = /\b(?:u8|u16|u32|u64|usize|i8|i16|i32|i64|isize)\b/;
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})\b/g;

/**
 * The API's message in plain words: the form's labels for field names, instants in `zone`, and
 * the deserializer's type talk as what to type. `labels` maps API field names to the form's words.
 */
export function plainWords(message: string, labels: Record<string, string> = {}, zone?: string): string {
  let text = message.trim();
  // Deserializer errors: say what the field takes instead of which Rust type refused it.
  if (/odd number of digits|invalid string length|invalid character .* at position|invalid hex|expected an? (?:0x-prefixed )?(?:hex|address)/i.test(text)) {
    return 'Must be a 0x address of 40 hex digits.';
  }
  if (/^invalid (?:type|value): .*expected/.test(text) && INTEGER_TYPES.test(text)) {
    return /integer `-/.test(text) ? 'Must be a whole number, 0 or more.' : 'Must be a whole number.';
  }
  if (/invalid digit found in string|cannot parse integer/i.test(text)) return 'Must be a whole number.';
  if (/number too large to fit in target type|out of range for/i.test(text)) return 'That number is too large.';
  if (/expected a boolean|invalid type: .*expected a boolean/.test(text)) return 'Must be on or off.';
  if (/premature end of input|input contains invalid characters|trailing input|input is out of range|input is not enough for unique/i.test(text)) {
    return 'Must be a date written year-month-day (e.g. 2026-12-08), or a time written 24-hour (e.g. 20:00).';
  }
  const missing = /^missing field `([^`]+)`/.exec(text);
  if (missing) return `${labels[missing[1]] ?? missing[1].replace(/_/g, ' ')} is required.`;
  // Money is typed in ETH on every form.
  text = text.replace(/\bat least 1 wei\b/g, 'above 0 ETH');
  text = text.replace(ISO_INSTANT, (iso) => formatInstant(iso, zone ?? 'UTC', 'datetime'));
  // Field names in backticks or bare, longest first so `anti_snipe_window_secs` wins over `anti_snipe`.
  for (const [field, label] of Object.entries(labels).sort(([a], [b]) => b.length - a.length)) {
    text = text.replace(new RegExp(`\`${field}\`|\\b${field}\\b`, 'g'), label);
  }
  return sentence(text);
}

/** A message for the banner: no status codes, no field names, the form's words when it has any. */
export function bannerWords(error: unknown): string {
  if (error instanceof ApiError) {
    const words = plainWords(error.message);
    if (!error.field) return words;
    const field = error.field.replace(/[._]/g, ' ');
    return `${field.charAt(0).toUpperCase()}${field.slice(1)} ${words.charAt(0).toLowerCase()}${words.slice(1)}`;
  }
  return sentence(error instanceof Error ? error.message : String(error));
}

let nextId = 0;

/**
 * One form's feedback: a message under each field at fault (`field-error-<input testid>`, tied
 * to the input by aria-describedby and aria-invalid, gone when the input changes), and a short
 * "Saved" beside the submit button (`form-status`, role=status).
 */
export class FormFeedback {
  readonly status = h('span', { class: 'form-status', role: 'status', 'aria-live': 'polite', testid: 'form-status' });
  private readonly messages = new Map<HTMLElement, HTMLElement>();
  private statusTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `conflict`: where this form says why the server refused the action as a whole (a 409, such
   * as an unlink while the bidder leads); without it such refusals go to the banner.
   */
  constructor(
    private readonly fields: Record<string, FieldSpec>,
    private readonly conflict?: HTMLElement,
  ) {}

  private labels(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.fields).map(([field, spec]) => [field, spec.label]));
  }

  /** Shows `message` under `input`, or clears what it shows when `message` is null. True when shown. */
  mark(input: HTMLElement, message: string | null): boolean {
    const controls = input instanceof HTMLInputElement || input instanceof HTMLSelectElement || input instanceof HTMLTextAreaElement ? [input] : [...input.querySelectorAll('input, select, textarea')];
    const shown = this.messages.get(input);
    if (message === null) {
      shown?.remove();
      this.messages.delete(input);
      for (const control of controls) {
        control.removeAttribute('aria-invalid');
        control.removeAttribute('aria-describedby');
      }
      return false;
    }
    const text = sentence(message);
    if (shown) {
      shown.textContent = text;
    } else {
      const element = h('span', { class: 'field-error', id: `field-error-${++nextId}`, testid: `field-error-${input.dataset.testid ?? 'field'}` }, text);
      input.after(element);
      this.messages.set(input, element);
      // The message goes with the value it judged: typing again clears it.
      const clear = () => {
        this.mark(input, null);
        input.removeEventListener('input', clear);
        input.removeEventListener('change', clear);
      };
      input.addEventListener('input', clear);
      input.addEventListener('change', clear);
    }
    const id = this.messages.get(input)!.id;
    for (const control of controls) {
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', id);
    }
    return true;
  }

  /**
   * The browser's own checks before sending: each input with its message (null when fine).
   * Shows every message, focuses the first field at fault; true when all pass.
   */
  check(results: [HTMLElement, string | null][]): boolean {
    let first: HTMLElement | null = null;
    for (const [input, message] of results) {
      if (this.mark(input, message)) first ??= input;
    }
    if (first) focusField(first);
    return first === null;
  }

  /** Puts a failed request's error under the input of its field; false when this form has no such field (the banner's, then). */
  place(error: unknown): boolean {
    if (error instanceof ApiError && error.status === 409 && this.conflict) {
      this.conflict.textContent = plainWords(error.message, this.labels());
      this.conflict.hidden = false;
      return true;
    }
    if (!(error instanceof ApiError) || !error.field) return false;
    const spec = this.fields[error.field] ?? this.fields[baseField(error.field)];
    if (!spec) return false;
    this.mark(spec.input, plainWords(error.message, this.labels(), spec.zone));
    focusField(spec.input);
    return true;
  }

  /** Clears every message and the status. */
  clear(): void {
    for (const input of [...this.messages.keys()]) this.mark(input, null);
    this.status.textContent = '';
    if (this.conflict) this.conflict.hidden = true;
  }

  /** After a success: no message left, and `text` beside the button for a few seconds. */
  done(text = 'Saved'): void {
    this.clear();
    clearTimeout(this.statusTimer);
    this.status.textContent = text;
    this.statusTimer = setTimeout(() => (this.status.textContent = ''), STATUS_MS);
  }
}

function focusField(input: HTMLElement): void {
  const control = input.matches('input, select, textarea') ? input : input.querySelector<HTMLElement>('input, select, textarea');
  control?.focus();
}

/**
 * Sends a form: `action` runs when the browser's checks passed; a success clears the banner and
 * says `done`; an error with a field of the form goes under it, any other to the banner.
 */
export async function submitForm(app: App, feedback: FormFeedback, action: () => Promise<unknown>, done = 'Saved'): Promise<boolean> {
  feedback.status.textContent = '';
  try {
    await action();
  } catch (error) {
    if (feedback.place(error)) app.clearError();
    else app.report(error);
    return false;
  }
  app.clearError();
  feedback.done(done);
  return true;
}

// --- the checks the browser makes itself, in the words the fields show ----------------------

/** Null when `value` is a whole number from `min` to `max`, else what to type. */
export function wholeNumberProblem(value: string, min: number, max: number): string | null {
  const text = value.trim();
  if (!/^\d+$/.test(text)) return `Must be a whole number between ${min} and ${max}`;
  return Number(text) < min || Number(text) > max ? `Must be between ${min} and ${max}` : null;
}

/** Null when `value` is 1 to `max` characters once trimmed; `what` names it when it is missing ("A reason"). */
export function textProblem(value: string, max: number, what = 'This'): string | null {
  const length = [...value.trim()].length;
  if (length === 0) return `${what} is required (1 to ${max} characters)`;
  return length > max ? `Must be 1 to ${max} characters` : null;
}

/** Null when `value` is an amount of ETH above 0, by the chat's rules. */
export function ethProblem(value: string): string | null {
  try {
    return parseEth(value) === 0n ? 'Must be above 0 ETH' : null;
  } catch (error) {
    return error instanceof AmountError ? sentence(error.message) : String(error);
  }
}

/** Null when `zone` is an IANA time zone this browser knows. */
export function timeZoneProblem(zone: string): string | null {
  if (!zone.trim()) return 'Enter a time zone, e.g. Europe/Berlin';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone.trim() });
    return null;
  } catch {
    return `Unknown time zone '${zone.trim()}': use an IANA name such as Europe/Paris`;
  }
}

/** Null when `day` (YYYY-MM-DD) is today or later in `zone`. */
export function firstDayProblem(day: string, zone: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return 'Enter the first day';
  let today: string;
  try {
    today = wallFields(Date.now(), zone).date;
  } catch {
    today = new Date().toISOString().slice(0, 10);
  }
  return day < today ? `Must be today (${today} in ${zone}) or later` : null;
}

/** Null when `time` is a 24-hour time of day, HH:MM or HH:MM:SS. */
export function timeOfDayProblem(time: string): string | null {
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time.trim());
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59 || Number(match[3] ?? 0) > 59) return 'Enter a 24-hour time, e.g. 20:00';
  return null;
}

/** The chat channels typed as `platform:name, …`: the list, or the first problem. */
export function parseChannels(text: string): { channels: string[]; problem: string | null } {
  const channels = text
    .split(/[,\s]+/)
    .map((channel) => channel.trim())
    .filter(Boolean);
  for (const channel of channels) {
    const [platform, name] = channel.split(/:(.*)/s);
    const fits = channel.length <= 100 && /^[A-Za-z0-9_-]+$/.test(platform) && (name === undefined || /^[A-Za-z0-9_\-:#]+$/.test(name));
    if (name === undefined && fits) return { channels, problem: `'${channel}' has no platform: write it as platform:channel, e.g. twitch:${channel}` };
    if (!fits || !name) return { channels, problem: `'${channel}' is not platform:channel (letters, digits, '_', '-' and '#', at most 100 characters)` };
  }
  return { channels, problem: null };
}

/** Null when `address` is empty (optional) or a 0x address. */
export function addressProblem(address: string): string | null {
  const text = address.trim();
  return text === '' || /^0x[0-9a-fA-F]{40}$/.test(text) ? null : 'Must be a 0x address of 40 hex digits';
}

/** Null when `uri` is what the API takes for a token or an image. */
export function uriProblem(uri: string): string | null {
  const text = uri.trim();
  const fits = /^(ipfs|ar|https?):\/\//.test(text) && !/\s/.test(text) && new TextEncoder().encode(text).length <= 2048;
  return fits ? null : 'Must be an ipfs://, ar://, https:// or http:// URI of at most 2048 bytes, without spaces';
}
