import { describe, expect, it } from 'vitest';
import { durationInWords, formatInstant, opensIn, parseWallTime, wallFields, zoneShortName } from './zone';

const iso = (ms: number) => new Date(ms).toISOString();

describe('formatInstant', () => {
  it('shows the time in the marathon’s zone with its short name, 24-hour', () => {
    expect(formatInstant('2026-12-08T23:00:05Z', 'UTC', 'time')).toBe('23:00:05 UTC');
    expect(formatInstant('2026-12-08T23:00:05Z', 'Europe/Berlin', 'time')).toBe('00:00:05 CET');
    expect(formatInstant('2026-07-08T13:00:00Z', 'Europe/Berlin', 'time')).toBe('15:00:00 CEST');
    expect(formatInstant('2026-07-08T13:00:00Z', 'America/New_York', 'time')).toBe('09:00:00 EDT');
    expect(formatInstant('2026-12-08T13:00:00Z', 'America/New_York', 'time')).toBe('08:00:00 EST');
  });

  it('writes the date with the weekday, and the year only when not this year', () => {
    expect(formatInstant('2026-12-08T23:00:05Z', 'UTC', 'date')).toBe('Tue 8 Dec 2026');
    const thisYear = new Date().getUTCFullYear();
    expect(formatInstant(`${thisYear}-03-04T05:06:07Z`, 'UTC', 'datetime')).toBe('4 Mar 05:06:07 UTC');
    expect(formatInstant('2020-03-04T05:06:07Z', 'UTC', 'datetime')).toBe('4 Mar 2020 05:06:07 UTC');
  });

  it('leaves empty and unreadable values alone', () => {
    expect(formatInstant(null, 'UTC')).toBe('');
    expect(formatInstant('soon', 'UTC')).toBe('soon');
  });
});

describe('zoneShortName', () => {
  it('prefers a known abbreviation to GMT±n', () => {
    expect(zoneShortName(Date.parse('2026-07-01T12:00:00Z'), 'Europe/London')).toBe('BST');
    expect(zoneShortName(Date.parse('2026-07-01T12:00:00Z'), 'Asia/Tokyo')).toBe('GMT+9');
  });
});

describe('parseWallTime', () => {
  it('reads wall time in UTC', () => {
    expect(iso(parseWallTime('2026-12-08', '23:00', 'UTC'))).toBe('2026-12-08T23:00:00.000Z');
    expect(iso(parseWallTime('2026-12-08', '23:00:05', 'UTC'))).toBe('2026-12-08T23:00:05.000Z');
  });

  it('follows Berlin across its DST changes', () => {
    // Clocks go forward on 29 March 2026 at 02:00 CET and back on 25 October at 03:00 CEST.
    expect(iso(parseWallTime('2026-03-28', '20:00', 'Europe/Berlin'))).toBe('2026-03-28T19:00:00.000Z');
    expect(iso(parseWallTime('2026-03-29', '20:00', 'Europe/Berlin'))).toBe('2026-03-29T18:00:00.000Z');
    expect(iso(parseWallTime('2026-03-29', '01:59:59', 'Europe/Berlin'))).toBe('2026-03-29T00:59:59.000Z');
    expect(iso(parseWallTime('2026-03-29', '03:00', 'Europe/Berlin'))).toBe('2026-03-29T01:00:00.000Z');
    // 02:30 does not exist that night: read as a clock not yet changed would, 03:30 CEST.
    expect(iso(parseWallTime('2026-03-29', '02:30', 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October: the first, still CEST.
    expect(iso(parseWallTime('2026-10-25', '02:30', 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(parseWallTime('2026-10-25', '20:00', 'Europe/Berlin'))).toBe('2026-10-25T19:00:00.000Z');
  });

  it('reads New York, west of UTC, across midnight', () => {
    expect(iso(parseWallTime('2026-12-08', '21:30', 'America/New_York'))).toBe('2026-12-09T02:30:00.000Z');
    expect(iso(parseWallTime('2026-07-08', '21:30', 'America/New_York'))).toBe('2026-07-09T01:30:00.000Z');
    expect(iso(parseWallTime('2026-03-08', '02:30', 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('says what is wrong in plain words', () => {
    expect(() => parseWallTime('2026-12-08', '9pm', 'UTC')).toThrow(/HH:MM/);
    expect(() => parseWallTime('2026-12-08', '24:00', 'UTC')).toThrow(/hours go to 23/);
    expect(() => parseWallTime('2026-02-30', '12:00', 'UTC')).toThrow(/does not exist/);
    expect(() => parseWallTime('8/12/2026', '12:00', 'UTC')).toThrow(/year-month-day/);
  });

  it('round-trips with wallFields', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) {
      for (const at of ['2026-01-15T10:20:30Z', '2026-03-29T01:30:00Z', '2026-10-25T01:30:00Z', '2026-11-01T06:30:00Z']) {
        const fields = wallFields(Date.parse(at), zone);
        const back = parseWallTime(fields.date, fields.time, zone);
        // In the hour that repeats, the second reading maps to the first: one hour earlier.
        expect([0, 3_600_000]).toContain(Date.parse(at) - back);
      }
    }
  });
});

describe('opensIn', () => {
  it('says how long until the opening and when it is', () => {
    const now = Date.parse('2026-12-08T20:55:00Z');
    expect(opensIn('2026-12-08T23:00:00Z', 'UTC', now)).toBe('opens in 2 h 5 min (Tue 8 Dec 23:00 UTC)');
    expect(opensIn('2026-12-08T23:00:00Z', 'Europe/Berlin', now)).toBe('opens in 2 h 5 min (Wed 9 Dec 00:00 CET)');
    expect(opensIn('2026-12-08T20:00:00Z', 'UTC', now)).toBe('opening now (Tue 8 Dec 20:00 UTC)');
  });

  it('words durations by their two largest units', () => {
    expect(durationInWords(45_000)).toBe('45 s');
    expect(durationInWords(60_000)).toBe('1 min');
    expect(durationInWords(3 * 86_400_000 + 4 * 3_600_000 + 60_000)).toBe('3 days 4 h');
    expect(durationInWords(86_400_000)).toBe('1 day');
  });
});
