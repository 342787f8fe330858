import { describe, expect, it } from 'vitest';
import { shortcutOf } from './shortcuts';

const press = (key: string, extra: Partial<{ ctrlKey: boolean; altKey: boolean; metaKey: boolean; repeat: boolean; target: EventTarget | null }> = {}) =>
  shortcutOf({ key, ctrlKey: false, altKey: false, metaKey: false, repeat: false, target: null, ...extra });

/** A stand-in for an element (vitest runs without a DOM): `matches` answers for a bare tag, or for an input by its type. */
const element = (tag: string, type = 'text') =>
  ({ isContentEditable: false, matches: (selector: string) => (tag === 'input' ? !selector.includes(`[type=${type}]`) : selector.split(',').map((part) => part.trim()).includes(tag)) }) as unknown as EventTarget;

describe('shortcutOf', () => {
  it('maps the keys shown on the page', () => {
    expect(press('p')).toBe('toggle-lot-pause');
    expect(press('P')).toBe('toggle-lot-pause');
    expect(press('1')).toBe('extend-1');
    expect(press('5')).toBe('extend-5');
    expect(press('v')).toBe('void-high');
    expect(press('u')).toBe('undo');
    expect(press('Escape')).toBe('close');
    expect(press('x')).toBeNull();
  });

  it('leaves keys typed into a field to the field', () => {
    expect(press('p', { target: element('input') })).toBeNull();
    expect(press('5', { target: element('textarea') })).toBeNull();
  });

  it('still acts from a button or a checkbox', () => {
    expect(press('u', { target: element('button') })).toBe('undo');
    expect(press('u', { target: element('input', 'checkbox') })).toBe('undo');
  });

  it('leaves the browser’s own shortcuts and held keys alone', () => {
    expect(press('p', { ctrlKey: true })).toBeNull();
    expect(press('5', { metaKey: true })).toBeNull();
    expect(press('1', { repeat: true })).toBeNull();
  });
});
