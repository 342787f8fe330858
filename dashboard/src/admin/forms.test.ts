import { describe, expect, it } from 'vitest';
import { ApiError } from '../shared/api';
import { bannerWords, baseField, ethProblem, firstDayProblem, parseChannels, plainWords, textProblem, timeOfDayProblem, timeZoneProblem, uriProblem, wholeNumberProblem } from './forms';

describe('plainWords', () => {
  it('says what to type instead of which Rust type refused it', () => {
    expect(plainWords('invalid type: string "abc", expected u32')).toBe('Must be a whole number.');
    expect(plainWords('invalid value: integer `-1`, expected u32')).toBe('Must be a whole number, 0 or more.');
    expect(plainWords('invalid value: string "0x12", expected odd number of digits')).toBe('Must be a 0x address of 40 hex digits.');
    expect(plainWords('Odd number of digits')).toBe('Must be a 0x address of 40 hex digits.');
    expect(plainWords('premature end of input')).toMatch(/year-month-day/);
  });

  it('uses the form’s labels for field names and its zone for instants', () => {
    const labels = { starts_at: 'Starts', ends_at: 'Ends' };
    expect(plainWords('must be after starts_at', labels)).toBe('Must be after Starts.');
    expect(plainWords('must start after 2026-12-08T19:00:00Z', labels, 'Europe/Berlin')).toMatch(/^Must start after 8 Dec (2026 )?20:00:00 CET\.$/);
    expect(plainWords('missing field `token_uri`', { token_uri: 'Token URI' })).toBe('Token URI is required.');
  });

  it('speaks of ETH, not wei', () => {
    expect(plainWords('must be at least 1 wei: a bid of nothing cannot win')).toBe('Must be above 0 ETH: a bid of nothing cannot win.');
  });
});

describe('bannerWords', () => {
  it('drops status codes and names the field in words', () => {
    expect(bannerWords(new ApiError(409, 'conflict', 'day 2 of this marathon already has a lot'))).toBe('Day 2 of this marathon already has a lot.');
    expect(bannerWords(new ApiError(422, 'invalid_field', 'must be 1 to 500 characters', 'reason'))).toBe('Reason must be 1 to 500 characters.');
  });
});

describe('baseField', () => {
  it('reads serde paths as the form’s field names', () => {
    expect(baseField('chat_channels[2]')).toBe('chat_channels');
    expect(baseField('anti_snipe.window_secs')).toBe('anti_snipe_window_secs');
  });
});

describe('the browser’s own checks', () => {
  it('wants whole numbers in range', () => {
    expect(wholeNumberProblem('30', 1, 366)).toBeNull();
    expect(wholeNumberProblem('0', 1, 366)).toBe('Must be between 1 and 366');
    expect(wholeNumberProblem('2.5', 1, 366)).not.toBeNull();
    expect(wholeNumberProblem('', 0, 10)).not.toBeNull();
  });

  it('wants channels as platform:name', () => {
    expect(parseChannels('twitch:gavel, youtube:gavel_live')).toEqual({ channels: ['twitch:gavel', 'youtube:gavel_live'], problem: null });
    expect(parseChannels('gavel').problem).toBe("'gavel' has no platform: write it as platform:channel, e.g. twitch:gavel");
    expect(parseChannels('twitch:').problem).toMatch(/is not platform:channel/);
    expect(parseChannels('twitch:gavel,x').problem).toMatch(/'x' has no platform/);
    expect(parseChannels('').channels).toEqual([]);
  });

  it('refuses a first day before today in the marathon’s zone', () => {
    expect(firstDayProblem('2020-03-01', 'Europe/Berlin')).toMatch(/^Must be today \(\d{4}-\d\d-\d\d in Europe\/Berlin\) or later$/);
    expect(firstDayProblem('2999-01-01', 'Europe/Berlin')).toBeNull();
    expect(firstDayProblem('', 'UTC')).toBe('Enter the first day');
  });

  it('checks names, zones, times, amounts and URIs', () => {
    expect(textProblem('  ', 200, 'A name')).toBe('A name is required (1 to 200 characters)');
    expect(textProblem('x'.repeat(201), 200)).toBe('Must be 1 to 200 characters');
    expect(timeZoneProblem('Mars/Olympus')).toMatch(/Unknown time zone/);
    expect(timeZoneProblem('America/New_York')).toBeNull();
    expect(timeOfDayProblem('8pm')).not.toBeNull();
    expect(timeOfDayProblem('20:00')).toBeNull();
    expect(ethProblem('0')).toBe('Must be above 0 ETH');
    expect(ethProblem('1e3')).toMatch(/scientific notation/);
    expect(ethProblem('0.01')).toBeNull();
    expect(uriProblem('ftp://x')).toMatch(/^Must be an ipfs:\/\//);
    expect(uriProblem('ipfs://bafy/1.json')).toBeNull();
  });
});
