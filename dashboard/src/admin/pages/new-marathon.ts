// The page that creates a marathon: every field of the spec, checked in the browser first, each
// error at its field.

import { api } from '../../shared/api';
import { h } from '../../shared/dom';
import type { Marathon } from '../../shared/api-types';
import { ethToWei } from '../../shared/wei';
import type { Page } from '../app';
import {
  addressProblem,
  ethProblem,
  firstDayProblem,
  FormFeedback,
  parseChannels,
  submitForm,
  textProblem,
  timeOfDayProblem,
  timeZoneProblem,
  wholeNumberProblem,
  type FieldSpec,
} from '../forms';
import { MAX_DAYS, SECONDS_PER_DAY, label, timeZoneList } from '../marathons/schedule';
import { scheduleFields } from '../marathons/schedule';

export const newMarathonPage: Page = (outlet, app) => {
  if (!app.can('admin')) {
    outlet.replaceChildren(h('h1', null, 'New marathon'), h('p', null, 'Creating a marathon needs the admin role.'));
    return;
  }
  const input = (field: string, props: Record<string, string | number | boolean> = {}) => h('input', { name: field, testid: `marathon-${field}`, ...props });
  const name = input('name', { placeholder: 'Winter marathon', maxlength: 200 });
  const firstDay = input('first_day', { type: 'date' });
  const days = input('days', { type: 'number', min: 1, max: MAX_DAYS, value: '30', inputmode: 'numeric' });
  const timeZone = input('time_zone', { value: Intl.DateTimeFormat().resolvedOptions().timeZone, list: 'time-zones' });
  const openingTime = input('opening_time', { value: '20:00', placeholder: 'HH:MM', inputmode: 'numeric', size: 5 });
  const duration = input('lot_duration_secs', { type: 'number', min: 1, max: SECONDS_PER_DAY, value: '3600' });
  const reserve = input('reserve_eth', { value: '0.01', inputmode: 'decimal' });
  const incrementBps = input('increment_bps', { type: 'number', min: 0, max: 10000, value: '500' });
  const minIncrement = input('min_increment_eth', { value: '0.001', inputmode: 'decimal' });
  const snipeWindow = input('anti_snipe_window_secs', { type: 'number', min: 0, value: '30' });
  const extension = input('anti_snipe_extension_secs', { type: 'number', min: 0, value: '30' });
  const maxExtensions = input('anti_snipe_max_extensions', { type: 'number', min: 0, max: 1000, value: '10' });
  const selfOutbid = h('input', { type: 'checkbox', testid: 'marathon-allow_self_outbid' });
  const joinQr = h('input', { type: 'checkbox', testid: 'marathon-show_join_qr' });
  const noSale = h('select', { testid: 'marathon-no_sale' }, h('option', { value: 'burn' }, 'burn the token'), h('option', { value: 'keep_in_treasury' }, 'keep it in the treasury'));
  const channels = input('chat_channels', { placeholder: 'twitch:gavel, youtube:…' });
  const house = input('auction_house', { placeholder: '0x… (optional)' });

  const fields: Record<string, FieldSpec> = {
    name: { input: name, label: 'Name' },
    ...scheduleFields({ firstDay, days, timeZone, openingTime, duration }),
    reserve_wei: { input: reserve, label: 'Reserve' },
    increment_bps: { input: incrementBps, label: 'Increment' },
    min_increment_wei: { input: minIncrement, label: 'Minimum increment' },
    anti_snipe_window_secs: { input: snipeWindow, label: 'Anti-snipe window' },
    anti_snipe_extension_secs: { input: extension, label: 'Anti-snipe extension' },
    anti_snipe_max_extensions: { input: maxExtensions, label: 'Anti-snipe max extensions' },
    allow_self_outbid: { input: selfOutbid, label: 'Leaders may raise their own bid' },
    show_join_qr: { input: joinQr, label: 'Join QR code' },
    no_sale: { input: noSale, label: 'No sale' },
    chat_channels: { input: channels, label: 'Chat channels' },
    auction_house: { input: house, label: 'Auction house' },
  };
  const feedback = new FormFeedback(fields);

  const onsubmit = (event: Event) => {
    event.preventDefault();
    const zoneProblem = timeZoneProblem(timeZone.value);
    const parsedChannels = parseChannels(channels.value);
    const durationProblem = wholeNumberProblem(duration.value, 1, SECONDS_PER_DAY);
    const windowProblem = wholeNumberProblem(snipeWindow.value, 0, SECONDS_PER_DAY);
    const windowSecs = Number(snipeWindow.value);
    const ok = feedback.check([
      [name, textProblem(name.value, 200, 'A name')],
      [firstDay, zoneProblem ? (firstDay.value ? null : 'Enter the first day') : firstDayProblem(firstDay.value, timeZone.value.trim())],
      [days, wholeNumberProblem(days.value, 1, MAX_DAYS)],
      [timeZone, zoneProblem],
      [openingTime, timeOfDayProblem(openingTime.value)],
      [duration, durationProblem],
      [reserve, ethProblem(reserve.value)],
      [incrementBps, wholeNumberProblem(incrementBps.value, 0, 10_000)],
      [minIncrement, ethProblem(minIncrement.value)],
      [snipeWindow, windowProblem ?? (durationProblem === null && windowSecs > Number(duration.value) ? 'Must not be longer than the lot' : null)],
      [
        extension,
        wholeNumberProblem(extension.value, 0, SECONDS_PER_DAY) ??
          (windowProblem === null && windowSecs > 0 && Number(extension.value) === 0 ? 'Must be at least 1 second while the anti-snipe window is on (a window of 0 turns anti-snipe off)' : null),
      ],
      [maxExtensions, wholeNumberProblem(maxExtensions.value, 0, 1000)],
      [channels, parsedChannels.problem],
      [house, addressProblem(house.value)],
    ]);
    if (!ok) return;
    const spec = {
      name: name.value.trim(),
      first_day: firstDay.value,
      days: Number(days.value),
      time_zone: timeZone.value.trim(),
      opening_time: openingTime.value.trim().padStart(5, '0'),
      lot_duration_secs: Number(duration.value),
      reserve_wei: ethToWei(reserve.value),
      increment_bps: Number(incrementBps.value),
      min_increment_wei: ethToWei(minIncrement.value),
      anti_snipe_window_secs: windowSecs,
      anti_snipe_extension_secs: Number(extension.value),
      anti_snipe_max_extensions: Number(maxExtensions.value),
      allow_self_outbid: selfOutbid.checked,
      show_join_qr: joinQr.checked,
      no_sale: noSale.value,
      chat_channels: parsedChannels.channels,
      ...(house.value.trim() ? { auction_house: house.value.trim() } : {}),
    };
    void submitForm(
      app,
      feedback,
      async () => {
        const created = await api<Marathon>('POST', '/api/marathons', spec);
        location.hash = `#/marathons/${created.id}`;
      },
      'Created',
    );
  };

  outlet.replaceChildren(
    h('h1', null, 'New marathon'),
    h(
      'form',
      { class: 'card grid-form', onsubmit, novalidate: true, testid: 'marathon-form' },
      label('Name', name),
      label('First day', firstDay),
      label('Days', days),
      label('Time zone', timeZone),
      label('Lots open at (24-hour, in that zone)', openingTime),
      label('Lot duration (seconds)', duration),
      label('Reserve (ETH)', reserve),
      label('Increment (basis points: 500 = 5 %)', incrementBps),
      label('Minimum increment (ETH)', minIncrement),
      label('Anti-snipe window (seconds)', snipeWindow),
      label('Anti-snipe extension (seconds)', extension),
      label('Anti-snipe max extensions', maxExtensions),
      h('label', { class: 'check' }, selfOutbid, 'Leaders may raise their own bid'),
      h('label', { class: 'check' }, joinQr, "The overlay shows the viewer page's address and a QR code"),
      label('No sale', noSale),
      label('Chat channels (platform:name, comma-separated)', channels),
      label('Auction house', house),
      h('div', { class: 'actions' }, h('button', { testid: 'marathon-submit' }, 'Create marathon'), feedback.status),
      timeZoneList(),
    ),
  );
};
