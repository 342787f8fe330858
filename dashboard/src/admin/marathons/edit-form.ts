// The form that edits a marathon: its name always; its schedule, and its deletion, only while
// none of its lots has opened.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import type { Lot, Marathon } from '../../shared/api-types';
import type { App } from '../app';
import { firstDayProblem, FormFeedback, submitForm, textProblem, timeOfDayProblem, timeZoneProblem, wholeNumberProblem } from '../forms';
import { MAX_DAYS, SECONDS_PER_DAY, anyLotOpened, label, timeOfDay, timeZoneList } from './schedule';
import { scheduleFields } from './schedule';

export interface MarathonEditForm {
  element: HTMLElement;
  update(marathon: Marathon, lots: Lot[]): void;
}

/** Edits a marathon: its name always; its schedule and deletion only while no lot has opened. */
export function marathonEditForm(app: App, initial: Marathon, saved: () => Promise<void>): MarathonEditForm {
  let marathon = initial;
  const name = h('input', { value: marathon.name, testid: 'marathon-edit-name', maxlength: 200 });
  const firstDay = h('input', { type: 'date', value: marathon.first_day, testid: 'marathon-edit-first_day' });
  const days = h('input', { type: 'number', min: 1, max: MAX_DAYS, value: String(marathon.days), testid: 'marathon-edit-days', inputmode: 'numeric' });
  const timeZone = h('input', { value: marathon.time_zone, testid: 'marathon-edit-time_zone', list: 'time-zones' });
  const openingTime = h('input', { value: timeOfDay(marathon.opening_time), testid: 'marathon-edit-opening_time', placeholder: 'HH:MM', inputmode: 'numeric', size: 5 });
  const duration = h('input', { type: 'number', min: 1, max: SECONDS_PER_DAY, value: String(marathon.lot_duration_secs), testid: 'marathon-edit-lot_duration_secs' });
  const schedule = h(
    'div',
    { class: 'grid-form nested' },
    label('First day', firstDay),
    label('Days', days),
    label('Time zone', timeZone),
    label('Lots open at (24-hour, in that zone)', openingTime),
    label('Lot duration (seconds)', duration),
  );
  const scheduleNote = h('p', { class: 'muted', testid: 'marathon-schedule-fixed' }, 'The schedule is fixed: a lot has opened.');
  const feedback = new FormFeedback({
    name: { input: name, label: 'Name' },
    ...scheduleFields({ firstDay, days, timeZone, openingTime, duration }),
  });
  let scheduleEditable = false;

  const onsubmit = (event: Event) => {
    event.preventDefault();
    const checks: [HTMLElement, string | null][] = [[name, textProblem(name.value, 200, 'A name')]];
    if (scheduleEditable) {
      const zoneProblem = timeZoneProblem(timeZone.value);
      checks.push(
        [timeZone, zoneProblem],
        [firstDay, zoneProblem ? null : firstDayProblem(firstDay.value, timeZone.value.trim())],
        [days, wholeNumberProblem(days.value, 1, MAX_DAYS)],
        [openingTime, timeOfDayProblem(openingTime.value)],
        [duration, wholeNumberProblem(duration.value, 1, SECONDS_PER_DAY)],
      );
    }
    if (!feedback.check(checks)) return;
    // Only what changed is sent: the rest stays as the lots were announced.
    const edit: Record<string, string | number> = {};
    if (name.value.trim() !== marathon.name) edit.name = name.value.trim();
    if (scheduleEditable) {
      if (firstDay.value !== marathon.first_day) edit.first_day = firstDay.value;
      if (Number(days.value) !== marathon.days) edit.days = Number(days.value);
      if (timeZone.value.trim() !== marathon.time_zone) edit.time_zone = timeZone.value.trim();
      if (timeOfDay(openingTime.value.trim().padStart(5, '0')) !== timeOfDay(marathon.opening_time)) edit.opening_time = openingTime.value.trim().padStart(5, '0');
      if (Number(duration.value) !== marathon.lot_duration_secs) edit.lot_duration_secs = Number(duration.value);
    }
    if (Object.keys(edit).length === 0) {
      feedback.done('Nothing to change');
      return;
    }
    void submitForm(app, feedback, async () => {
      await api('PATCH', `/api/marathons/${marathon.id}`, edit);
      await saved();
    });
  };

  const deleteArea = h('div', { class: 'danger-zone' });
  let lotCount = 0;
  const drawDelete = (confirming: boolean) =>
    fill(
      deleteArea,
      confirming
        ? [
            h('span', null, `Delete “${marathon.name}”${lotCount ? ` and its ${lotCount} lot${lotCount === 1 ? '' : 's'}` : ''}? This cannot be undone. `),
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                testid: 'marathon-delete-confirm',
                onclick: () =>
                  void app.attempt(async () => {
                    await api('DELETE', `/api/marathons/${marathon.id}`);
                    location.hash = '#/marathons';
                  }),
              },
              'Yes, delete it',
            ),
            ' ',
            h('button', { type: 'button', class: 'secondary', testid: 'marathon-delete-cancel', onclick: () => drawDelete(false) }, 'Keep it'),
          ]
        : h('button', { type: 'button', class: 'danger', testid: 'marathon-delete', onclick: () => drawDelete(true) }, 'Delete marathon'),
    );

  const element = h(
    'section',
    { class: 'card', testid: 'marathon-edit' },
    h('h2', null, 'Edit the marathon'),
    h(
      'form',
      { onsubmit, novalidate: true },
      h('div', { class: 'grid-form' }, label('Name', name)),
      schedule,
      scheduleNote,
      h('div', { class: 'actions' }, h('button', { testid: 'marathon-edit-submit' }, 'Save'), feedback.status),
    ),
    deleteArea,
    timeZoneList(),
  );

  return {
    element,
    update(next, lots) {
      marathon = next;
      const editable = !anyLotOpened(lots);
      lotCount = lots.length;
      if (editable !== scheduleEditable || deleteArea.childElementCount === 0) drawDelete(false);
      scheduleEditable = editable;
      schedule.hidden = !editable;
      scheduleNote.hidden = editable;
      deleteArea.hidden = !editable;
    },
  };
}
