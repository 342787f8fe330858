// What the marathon forms and pages share: the schedule's words and days, the field labels,
// the list of time zones, and the fields of a schedule with their labels for errors.

import { h, type Child } from '../../shared/dom';
import type { Lot, Marathon } from '../../shared/api-types';
import { serverClock } from '../../shared/time';
import type { FieldSpec } from '../forms';
import { durationInWords, parseWallTime, zoneShortName } from '../zone';

export const MAX_DAYS = 366;
export const SECONDS_PER_DAY = 86_400;
/** "20:00:00" → "20:00"; seconds only when they are not zero. */
export function timeOfDay(time: string): string {
  return time.replace(/^(\d{2}:\d{2}):00$/, '$1');
}

/** The day `dayIndex` days after `first` ("2026-12-08"), as YYYY-MM-DD. */
export function dayAfter(first: string, dayIndex: number): string {
  const date = new Date(`${first}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + dayIndex);
  return date.toISOString().slice(0, 10);
}

/** When a day's lot opens by the marathon's schedule (Unix ms), or null if the schedule cannot say. */
export function scheduledOpening(marathon: Marathon, dayIndex: number): number | null {
  try {
    return parseWallTime(dayAfter(marathon.first_day, dayIndex), marathon.opening_time, marathon.time_zone);
  } catch {
    return null;
  }
}

/** Whether any lot has opened (or may have: a cancelled lot whose start has passed): the schedule is then fixed. */
export function anyLotOpened(lots: Lot[]): boolean {
  return lots.some((lot) => !(lot.state === 'PENDING' || (lot.state === 'CANCELLED' && Date.parse(lot.starts_at) > serverClock.now())));
}

/** "Lots open at 20:00 Europe/Berlin (CET), 1 h each". */
export function scheduleWords(marathon: Marathon): string {
  const opening = scheduledOpening(marathon, 0);
  const short = opening === null ? '' : zoneShortName(opening, marathon.time_zone);
  const zone = short && short !== marathon.time_zone ? `${marathon.time_zone} (${short})` : marathon.time_zone;
  return `lots open at ${timeOfDay(marathon.opening_time)} ${zone}, ${durationInWords(marathon.lot_duration_secs * 1000)} each`;
}

export function fact(term: string, value: string, testid?: string): HTMLElement[] {
  return [h('dt', null, term), h('dd', { testid }, value)];
}

export function label(text: string, ...children: Child[]): HTMLElement {
  return h('label', null, text, ...children);
}

/** The IANA zones this browser knows, offered as suggestions to a time zone field. */
export function timeZoneList(): HTMLElement {
  const zones = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return h('datalist', { id: 'time-zones' }, ['UTC', ...zones].map((zone) => h('option', { value: zone })));
}

/** A schedule's inputs, as the create and edit forms both have them. */
export interface ScheduleInputs {
  firstDay: HTMLInputElement;
  days: HTMLInputElement;
  timeZone: HTMLInputElement;
  openingTime: HTMLInputElement;
  duration: HTMLInputElement;
}

/** The schedule's fields by their API names, with the labels its errors are told by. */
export function scheduleFields(inputs: ScheduleInputs): Record<string, FieldSpec> {
  return {
    first_day: { input: inputs.firstDay, label: 'First day' },
    days: { input: inputs.days, label: 'Days' },
    time_zone: { input: inputs.timeZone, label: 'Time zone' },
    opening_time: { input: inputs.openingTime, label: 'Lots open at' },
    lot_duration_secs: { input: inputs.duration, label: 'Lot duration' },
  };
}
