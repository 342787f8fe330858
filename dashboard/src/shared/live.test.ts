import { describe, expect, it } from 'vitest';
import { applyExtension, lotCountdown } from './live';
import type { LotExtended, LotState } from './api-types';

const at = (iso: string) => Date.parse(iso);
const lot = { starts_at: '2030-01-01T20:00:00Z', ends_at: '2030-01-01T21:00:00Z' };

describe('lotCountdown', () => {
  it('counts to the end while the lot is open, urgent in its last 30 s', () => {
    expect(lotCountdown({ ...lot, state: 'ACTIVE' }, at('2030-01-01T20:59:00Z'))).toEqual({ label: 'Time left', text: '1:00', urgent: false });
    expect(lotCountdown({ ...lot, state: 'ACTIVE' }, at('2030-01-01T20:59:31Z'))).toEqual({ label: 'Time left', text: '0:29', urgent: true });
  });

  it('counts to the opening while the lot waits', () => {
    expect(lotCountdown({ ...lot, state: 'PENDING' }, at('2030-01-01T18:59:59Z'))).toEqual({ label: 'Opens in', text: '1:00:01', urgent: false });
  });

  it('shows nothing once bidding is over', () => {
    for (const state of ['PROCESSING', 'COMPLETED', 'CANCELLED'] as const) expect(lotCountdown({ ...lot, state }, at('2030-01-01T20:30:00Z'))).toBeNull();
  });
});

describe('applyExtension', () => {
  const extension: LotExtended = { lot_id: 1, marathon_id: 1, previous_ends_at: lot.ends_at, ends_at: '2030-01-01T21:00:30Z', extensions_used: 1, cause: 'anti_snipe', reopened: false };

  it('moves the end and counts the extension', () => {
    const live = { ...lot, state: 'ACTIVE' as LotState, extensions_used: 0 };
    applyExtension(live, extension);
    expect(live).toMatchObject({ ends_at: '2030-01-01T21:00:30Z', extensions_used: 1, state: 'ACTIVE' });
  });

  it('reopens a closing lot when the extension says so', () => {
    const closing = { ...lot, state: 'PROCESSING' as LotState, extensions_used: 0 };
    applyExtension(closing, { ...extension, reopened: true });
    expect(closing.state).toBe('ACTIVE');
  });
});
