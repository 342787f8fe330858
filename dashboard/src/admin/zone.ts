// The dashboard's one rule for time: every time is shown with its zone, 24-hour, in the
// marathon's time zone unless the operator chose this browser's (a choice kept in localStorage).
// A show is scheduled in the marathon's zone, so an operator abroad still reads the schedule as
// the audience hears it; the browser's zone is there for an operator who wants their own clock.
//
// Converting wall time to an instant needs no library: Intl tells the zone's offset at any
// instant, and the offset is checked at the candidate instant so that DST changes come out right.

import { h } from '../shared/dom';

type ZoneChoice = 'marathon' | 'browser';

const CHOICE_KEY = 'gavel.zone-choice';
const listeners = new Set<() => void>();

function storedChoice(): ZoneChoice {
  try {
    return globalThis.localStorage?.getItem(CHOICE_KEY) === 'browser' ? 'browser' : 'marathon';
  } catch {
    return 'marathon'; // storage refused (privacy settings): the default
  }
}

let choice: ZoneChoice = storedChoice();

/** This browser's IANA zone. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The zone to show times in: the marathon's (IANA name) unless the operator chose the browser's. */
export function displayZone(marathonZone: string | null | undefined): string {
  return choice === 'browser' || !marathonZone ? browserZone() : marathonZone;
}

/** Calls `listener` when the operator switches between the marathon's zone and the browser's; returns the unsubscribe function. */
export function onZoneChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function choose(next: ZoneChoice): void {
  if (next === choice) return;
  choice = next;
  try {
    globalThis.localStorage?.setItem(CHOICE_KEY, next);
  } catch {
    // Not remembered across visits; this visit still follows the choice.
  }
  listeners.forEach((listener) => listener());
}

/** The top bar's control (select "Times: marathon's zone / this browser's zone"), testid "zone-choice". */
export function zoneChoice(): HTMLElement {
  const select = h(
    'select',
    {
      testid: 'zone-choice',
      'aria-label': 'Show times in',
      title: 'Times are shown in the marathon’s time zone, or in this browser’s',
      onchange: () => choose(select.value === 'browser' ? 'browser' : 'marathon'),
    },
    h('option', { value: 'marathon', selected: choice === 'marathon' }, 'Times: marathon’s zone'),
    h('option', { value: 'browser', selected: choice === 'browser' }, `Times: this browser’s zone (${browserZone()})`),
  );
  return select;
}

// Intl formatters are costly to build and pages format hundreds of times: one per zone and kind.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${JSON.stringify(options)}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
    formatters.set(key, format);
  }
  return format;
}

function part(parts: Intl.DateTimeFormatPart[], type: Intl.DateTimeFormatPartTypes): string {
  return parts.find((p) => p.type === type)?.value ?? '';
}

/** A zone's wall clock at an instant, as numbers. */
export interface WallTime {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const WALL_OPTIONS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hourCycle: 'h23',
};

/** What a clock in `zone` reads at `ms` (Unix milliseconds). */
export function wallTimeAt(ms: number, zone: string): WallTime {
  const parts = formatter('en-US', zone, WALL_OPTIONS).formatToParts(new Date(ms));
  const number = (type: Intl.DateTimeFormatPartTypes) => Number(part(parts, type));
  return { year: number('year'), month: number('month'), day: number('day'), hour: number('hour') % 24, minute: number('minute'), second: number('second') };
}

function wallAsUtcMs(wall: WallTime): number {
  const date = new Date(0);
  // setUTCFullYear keeps years below 100 as written (Date.UTC would read 26 as 1926).
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, 0);
  return date.getTime();
}

/** The zone's offset from UTC at `ms`, in milliseconds (east positive). */
function offsetAt(ms: number, zone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallAsUtcMs(wallTimeAt(whole, zone)) - whole;
}

/**
 * The instant a clock in `zone` reads `wall`. A time that occurs twice (clocks set back) is the
 * first one; a time that never occurs (clocks set forward) is moved forward by the gap, as a
 * clock that was not yet changed would read it (02:30 on the spring change in Berlin is 03:30 CEST).
 */
export function instantOfWallTime(wall: WallTime, zone: string): number {
  const asUtc = wallAsUtcMs(wall);
  const DAY = 86_400_000;
  const before = offsetAt(asUtc - DAY, zone);
  const after = offsetAt(asUtc + DAY, zone);
  const candidates = [...new Set([before, after])].map((offset) => asUtc - offset).filter((ms) => offsetAt(ms, zone) === asUtc - ms);
  if (candidates.length > 0) return Math.min(...candidates);
  return asUtc - before;
}

const ZONE_NAME_OPTIONS: Intl.DateTimeFormatOptions = { timeZoneName: 'short' };

/** The zone's short name at `ms`: "CET", "EDT", "BST", "UTC", else "GMT+9". */
export function zoneShortName(ms: number, zone: string): string {
  // en-US knows the American abbreviations, en-GB the European ones; each gives "GMT+n" for the rest.
  let fallback = '';
  for (const locale of ['en-US', 'en-GB']) {
    const name = part(formatter(locale, zone, ZONE_NAME_OPTIONS).formatToParts(new Date(ms)), 'timeZoneName');
    if (name && !/^GMT[+\-−]/.test(name)) return name;
    fallback ||= name;
  }
  return fallback || zone;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function two(value: number): string {
  return String(value).padStart(2, '0');
}

function weekday(wall: WallTime): string {
  return WEEKDAYS[new Date(wallAsUtcMs({ ...wall, hour: 12, minute: 0, second: 0 })).getUTCDay()];
}

/** `style`: 'time' → "23:00:05 UTC"; 'datetime' → "8 Dec 23:00:05 UTC" (add the year when not this year); 'date' → "Tue 8 Dec 2026". Always 24-hour, always with the zone's short name (e.g. "CET", "UTC", "GMT+2"). */
export function formatInstant(
  iso: string | null | undefined,
  marathonZone: string | null | undefined,
  style: 'time' | 'datetime' | 'date' = 'datetime',
): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const zone = displayZone(marathonZone);
  const wall = wallTimeAt(ms, zone);
  const month = MONTHS[wall.month - 1];
  if (style === 'date') return `${weekday(wall)} ${wall.day} ${month} ${wall.year}`;
  const time = `${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)} ${zoneShortName(ms, zone)}`;
  if (style === 'time') return time;
  const thisYear = wallTimeAt(Date.now(), zone).year;
  return `${wall.day} ${month}${wall.year === thisYear ? '' : ` ${wall.year}`} ${time}`;
}

/** A calendar day as written in the API ("2026-12-08") in words: "Tue 8 Dec 2026" (no zone: it is a date). */
export function formatCalendarDay(day: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return day;
  const wall: WallTime = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]), hour: 12, minute: 0, second: 0 };
  return `${weekday(wall)} ${wall.day} ${MONTHS[wall.month - 1]} ${wall.year}`;
}

/** A duration in words, rounded down to the two largest units: "2 h 5 min", "3 days 4 h", "45 s". */
export function durationInWords(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} day${days === 1 ? '' : 's'}${hours ? ` ${hours} h` : ''}`;
  if (hours > 0) return `${hours} h${minutes ? ` ${minutes} min` : ''}`;
  if (minutes > 0) return `${minutes} min`;
  return `${seconds} s`;
}

/** A pending lot's opening: "opens in 2 h 5 min (Tue 8 Dec 23:00 UTC)"; "opening now (…)" once due. */
export function opensIn(iso: string, marathonZone: string | null | undefined, nowMs: number): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const zone = displayZone(marathonZone);
  const wall = wallTimeAt(ms, zone);
  const when = `${weekday(wall)} ${wall.day} ${MONTHS[wall.month - 1]} ${two(wall.hour)}:${two(wall.minute)} ${zoneShortName(ms, zone)}`;
  return ms > nowMs ? `opens in ${durationInWords(ms - nowMs)} (${when})` : `opening now (${when})`;
}

/** Reads a date ("2026-12-08") and a time ("23:00", "23:00:05") typed for `zone`; throws in plain words. */
export function parseWallTime(date: string, time: string, zone: string): number {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!day) throw new Error('Enter the date as year-month-day, e.g. 2026-12-08.');
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time.trim());
  if (!clock) throw new Error('Enter the time as HH:MM or HH:MM:SS, 24-hour, e.g. 21:30.');
  const wall: WallTime = {
    year: Number(day[1]),
    month: Number(day[2]),
    day: Number(day[3]),
    hour: Number(clock[1]),
    minute: Number(clock[2]),
    second: Number(clock[3] ?? 0),
  };
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 59) throw new Error('That is not a time of day: hours go to 23, minutes and seconds to 59.');
  const check = new Date(wallAsUtcMs(wall));
  if (wall.month < 1 || wall.month > 12 || check.getUTCDate() !== wall.day) throw new Error('That date does not exist.');
  return instantOfWallTime(wall, zone);
}

/** An instant as what a field for `zone` shows: date "YYYY-MM-DD" and time "HH:MM:SS". */
export function wallFields(ms: number, zone: string): { date: string; time: string } {
  const wall = wallTimeAt(ms, zone);
  return {
    date: `${String(wall.year).padStart(4, '0')}-${two(wall.month)}-${two(wall.day)}`,
    time: `${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)}`,
  };
}

/** A date-and-time field that reads and writes wall time in `zone` (24-hour: an <input type=date> and an <input> for HH:MM:SS, not datetime-local, whose 12/24-hour display follows the browser's locale), labelled with the zone. `.value()` is the RFC 3339 instant (UTC "Z") or null when empty, throwing an Error with a message in plain words when malformed; `.set(iso)` writes it; `.element` is the HTMLElement. testid goes on the wrapper; the parts get `${testid}-date` and `${testid}-time`. */
export function zonedDateTimeField(
  testid: string,
  zone: string,
  initialIso?: string | null,
): { element: HTMLElement; value(): string | null; set(iso: string | null): void; focus(): void } {
  const date = h('input', { type: 'date', testid: `${testid}-date`, 'aria-label': `date (${zone})` });
  const time = h('input', {
    type: 'text',
    testid: `${testid}-time`,
    inputmode: 'numeric',
    placeholder: 'HH:MM:SS',
    size: 8,
    maxlength: 8,
    autocomplete: 'off',
    'aria-label': `time, 24-hour (${zone})`,
  });
  const zoneLabel = h('span', { class: 'zone-label' });
  const element = h('span', { class: 'zoned-datetime', testid, 'data-zone': zone }, date, ' ', time, ' ', zoneLabel);

  // The short name changes with DST, so it follows the date typed (CET in winter, CEST in summer).
  const relabel = () => {
    let ms = Date.now();
    try {
      if (date.value) ms = parseWallTime(date.value, time.value || '12:00', zone);
    } catch {
      // A half-typed value: keep today's name.
    }
    const short = zoneShortName(ms, zone);
    zoneLabel.textContent = short === zone ? zone : `${zone} (${short})`;
  };
  date.addEventListener('input', relabel);
  time.addEventListener('change', relabel);

  const set = (iso: string | null) => {
    const ms = iso ? Date.parse(iso) : NaN;
    if (Number.isNaN(ms)) {
      date.value = '';
      time.value = '';
    } else {
      const fields = wallFields(ms, zone);
      date.value = fields.date;
      time.value = fields.time;
    }
    relabel();
  };
  set(initialIso ?? null);

  return {
    element,
    value() {
      if (!date.value && !time.value.trim()) return null;
      if (!date.value) throw new Error('Enter the date too.');
      if (!time.value.trim()) throw new Error('Enter the time too (24-hour, e.g. 21:30).');
      return new Date(parseWallTime(date.value, time.value, zone)).toISOString().replace('.000Z', 'Z');
    },
    set,
    focus() {
      (date.value ? time : date).focus();
    },
  };
}
