import { describe, expect, it } from 'vitest';
import { ServerClock, formatCountdown } from './time';

describe('formatCountdown', () => {
  it('shows m:ss under an hour and h:mm:ss above', () => {
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(59_001)).toBe('1:00');
    expect(formatCountdown(61_000)).toBe('1:01');
    expect(formatCountdown(3_600_000)).toBe('1:00:00');
    expect(formatCountdown(3_661_000)).toBe('1:01:01');
  });

  it('never goes negative', () => {
    expect(formatCountdown(-5_000)).toBe('0:00');
  });
});

describe('ServerClock', () => {
  it('keeps the estimate from the fastest round trip', () => {
    const clock = new ServerClock();
    clock.observe(10_000, 0, 1_000); // slow: offset 9 500
    clock.observe(20_000, 10_000, 10_100); // fast: offset 9 950
    clock.observe(0, 0, 5_000); // slower again: ignored
    const offset = clock.now() - Date.now();
    expect(Math.abs(offset - 9_950)).toBeLessThan(50);
  });
});
