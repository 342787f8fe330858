// The lot forms of a marathon's page: adding a lot to a day (a cancelled day run again, "Start
// now" when its opening has passed) and editing a pending lot, with their Starts and Ends in the
// marathon's zone.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import type { Lot, Marathon } from '../../shared/api-types';
import { serverClock } from '../../shared/time';
import type { App } from '../app';
import { FormFeedback, submitForm, uriProblem, wholeNumberProblem } from '../forms';
import { dayLabel } from '../view';
import { durationInWords, formatInstant, zonedDateTimeField } from '../zone';
import { label, scheduledOpening } from './schedule';

/** "Start now" opens the lot this far ahead: time to read the form and send it. */
const START_NOW_LEAD_MS = 60_000;
/** The Starts and Ends fields of a lot form, in the marathon's zone, with the check between them. */
function lotTimes(prefix: string, zone: string, lot: Lot | null) {
  const starts = zonedDateTimeField(`${prefix}-starts-at`, zone, lot?.starts_at ?? null);
  const ends = zonedDateTimeField(`${prefix}-ends-at`, zone, lot?.ends_at ?? null);
  /** Reads both: their instants (null when empty or wrong) and a check for each, for the form's `check`. */
  const read = (): { starts_at: string | null; ends_at: string | null; checks: [HTMLElement, string | null][] } => {
    const valueOf = (field: ReturnType<typeof zonedDateTimeField>): { value: string | null; problem: string | null } => {
      try {
        return { value: field.value(), problem: null };
      } catch (error) {
        return { value: null, problem: (error as Error).message };
      }
    };
    const start = valueOf(starts);
    const end = valueOf(ends);
    if (start.value && Date.parse(start.value) <= serverClock.now()) start.problem = 'Must be in the future';
    if (start.value && end.value && Date.parse(end.value) <= Date.parse(start.value)) end.problem = 'Must be after Starts';
    return {
      starts_at: start.value,
      ends_at: end.value,
      checks: [
        [starts.element, start.problem],
        [ends.element, end.problem],
      ],
    };
  };
  return { starts, ends, read };
}

/** Edits a PENDING lot: its token, image and times. */
export function editLotForm(app: App, marathon: Marathon, lot: Lot, saved: () => Promise<void>): HTMLElement {
  const zone = marathon.time_zone;
  const tokenUri = h('input', { value: lot.token_uri, testid: 'edit-lot-token-uri' });
  const imageUrl = h('input', { value: lot.image_url, testid: 'edit-lot-image-url' });
  const times = lotTimes('edit-lot', zone, lot);
  const feedback = new FormFeedback({
    token_uri: { input: tokenUri, label: 'Token URI' },
    image_url: { input: imageUrl, label: 'Image URL' },
    starts_at: { input: times.starts.element, label: 'Starts', zone },
    ends_at: { input: times.ends.element, label: 'Ends', zone },
  });
  const onsubmit = (event: Event) => {
    event.preventDefault();
    const slot = times.read();
    const ok = feedback.check([[tokenUri, uriProblem(tokenUri.value)], [imageUrl, uriProblem(imageUrl.value)], ...slot.checks]);
    if (!ok) return;
    const edit: Record<string, string> = { token_uri: tokenUri.value.trim(), image_url: imageUrl.value.trim() };
    if (slot.starts_at && Date.parse(slot.starts_at) !== Date.parse(lot.starts_at)) edit.starts_at = slot.starts_at;
    if (slot.ends_at && Date.parse(slot.ends_at) !== Date.parse(lot.ends_at)) edit.ends_at = slot.ends_at;
    void submitForm(app, feedback, async () => {
      await api('PATCH', `/api/lots/${lot.id}`, edit);
      await saved();
    });
  };
  return h(
    'form',
    { class: 'grid-form', onsubmit, novalidate: true },
    label('Token URI', tokenUri),
    label('Image URL', imageUrl),
    label(`Starts (${zone})`, times.starts.element),
    label(`Ends (${zone})`, times.ends.element),
    h('div', { class: 'actions' }, h('button', { testid: 'edit-lot-submit' }, 'Save lot'), feedback.status),
  );
}

export interface AddLotForm {
  element: HTMLElement;
  /** The marathon or its lots changed: the day's schedule hint follows. */
  update(marathon: Marathon, lots: Lot[]): void;
  /** Prefills the form for `dayIndex` (a cancelled day run again) and brings it into view. */
  runDay(dayIndex: number): void;
}

/** Adds a lot to a day; its times follow the schedule unless given, and a day whose opening has passed can start now. */
export function addLotForm(app: App, initial: Marathon, saved: () => Promise<void>): AddLotForm {
  let marathon = initial;
  let lots: Lot[] = [];
  const zone = marathon.time_zone;
  const day = h('input', { type: 'number', min: 1, max: marathon.days, testid: 'add-lot-day', inputmode: 'numeric' });
  const tokenUri = h('input', { placeholder: 'ipfs://…', testid: 'add-lot-token-uri' });
  const imageUrl = h('input', { placeholder: 'https://…/image.png', testid: 'add-lot-image-url' });
  const times = lotTimes('add-lot', zone, null);
  const hint = h('p', { class: 'muted hint', testid: 'add-lot-schedule' });
  const title = h('h2', null, 'Add a lot');
  const feedback = new FormFeedback({
    day_index: { input: day, label: 'Day' },
    token_uri: { input: tokenUri, label: 'Token URI' },
    image_url: { input: imageUrl, label: 'Image URL' },
    starts_at: { input: times.starts.element, label: 'Starts', zone },
    ends_at: { input: times.ends.element, label: 'Ends', zone },
  });

  const dayIndex = (): number | null => (wholeNumberProblem(day.value, 1, marathon.days) === null ? Number(day.value) - 1 : null);
  const openingPassed = (index: number): boolean => {
    const opening = scheduledOpening(marathon, index);
    return opening !== null && opening <= serverClock.now();
  };

  const startNow = () => {
    const starts = Math.ceil((serverClock.now() + START_NOW_LEAD_MS) / 1000) * 1000;
    times.starts.set(new Date(starts).toISOString());
    times.ends.set(new Date(starts + marathon.lot_duration_secs * 1000).toISOString());
    feedback.mark(times.starts.element, null);
    feedback.mark(times.ends.element, null);
  };
  const startNowButton = h('button', { type: 'button', class: 'secondary small', testid: 'add-lot-start-now', onclick: startNow }, 'Start now');

  const drawHint = () => {
    const index = dayIndex();
    if (index === null) {
      fill(hint, `Days go from 1 to ${marathon.days}.`);
      return;
    }
    const opening = scheduledOpening(marathon, index);
    const when = opening === null ? 'unknown' : formatInstant(new Date(opening).toISOString(), zone);
    const taken = lots.find((lot) => lot.day_index === index && lot.state !== 'CANCELLED');
    const cancelled = lots.some((lot) => lot.day_index === index && lot.state === 'CANCELLED');
    if (taken) {
      fill(hint, `${dayLabel(index)} already has lot #${taken.id} (${taken.state.toLowerCase()}).`);
    } else if (openingPassed(index)) {
      fill(
        hint,
        `${dayLabel(index)}'s scheduled opening (${when}) has passed: give the times, or `,
        startNowButton,
        ` (opens in a minute for ${durationInWords(marathon.lot_duration_secs * 1000)}).`,
      );
    } else {
      fill(hint, `${cancelled ? `${dayLabel(index)} runs again` : `${dayLabel(index)} opens`} by the schedule at ${when}; leave Starts and Ends empty to keep it.`);
    }
  };
  day.addEventListener('input', drawHint);

  /** The first day without a lot that is not cancelled, 1-based. */
  const nextFreeDay = () => {
    const taken = new Set(lots.filter((lot) => lot.state !== 'CANCELLED').map((lot) => lot.day_index));
    let index = 0;
    while (taken.has(index) && index < marathon.days - 1) index += 1;
    return index + 1;
  };

  const onsubmit = (event: Event) => {
    event.preventDefault();
    const index = dayIndex();
    const slot = times.read();
    const [startsCheck, endsCheck] = slot.checks;
    // Without a start, the lot would open at the schedule's time: not when that has passed.
    if (index !== null && startsCheck[1] === null && !slot.starts_at && openingPassed(index)) {
      startsCheck[1] = `${dayLabel(index)}'s scheduled opening has passed: give a start time, or press Start now`;
    }
    const ok = feedback.check([
      [day, wholeNumberProblem(day.value, 1, marathon.days)],
      [tokenUri, uriProblem(tokenUri.value)],
      [imageUrl, uriProblem(imageUrl.value)],
      startsCheck,
      endsCheck,
    ]);
    if (!ok || index === null) return;
    const spec: Record<string, string | number> = { day_index: index, token_uri: tokenUri.value.trim(), image_url: imageUrl.value.trim() };
    if (slot.starts_at) spec.starts_at = slot.starts_at;
    if (slot.ends_at) spec.ends_at = slot.ends_at;
    void submitForm(
      app,
      feedback,
      async () => {
        await api('POST', `/api/marathons/${marathon.id}/lots`, spec);
        tokenUri.value = '';
        imageUrl.value = '';
        times.starts.set(null);
        times.ends.set(null);
        day.value = '';
        title.textContent = 'Add a lot';
        await saved();
      },
      `Lot added to ${dayLabel(index)}`,
    );
  };

  const element = h(
    'section',
    { class: 'card', testid: 'add-lot' },
    title,
    h(
      'form',
      { class: 'grid-form', onsubmit, novalidate: true },
      label('Day', day),
      label('Token URI', tokenUri),
      label('Image URL', imageUrl),
      label(`Starts (${zone}; empty: the schedule)`, times.starts.element),
      label(`Ends (${zone}; empty: Starts + ${durationInWords(marathon.lot_duration_secs * 1000)})`, times.ends.element),
      h('div', { class: 'actions' }, h('button', { testid: 'add-lot-submit' }, 'Add lot'), feedback.status),
    ),
    hint,
  );

  return {
    element,
    update(next, nextLots) {
      marathon = next;
      lots = nextLots;
      day.max = String(marathon.days);
      if (!day.value) day.value = String(nextFreeDay());
      drawHint();
    },
    runDay(index) {
      day.value = String(index + 1);
      title.textContent = `Run ${dayLabel(index)} again`;
      drawHint();
      element.scrollIntoView({ behavior: 'smooth', block: 'center' });
      (tokenUri.value ? (openingPassed(index) ? startNowButton : times.starts.element.querySelector('input')!) : tokenUri).focus();
    },
  };
}
