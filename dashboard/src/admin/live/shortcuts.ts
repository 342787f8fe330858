// The live lot's keyboard shortcuts: an operator on air acts in a keystroke, and reads the keys on
// the page. A key typed into a field is text, never a shortcut, nor is one pressed with Ctrl,
// Alt or Meta (the browser's own). Destructive shortcuts open the confirmation; they act on
// nothing by themselves.

import { h } from '../../shared/dom';

export type ShortcutAction = 'toggle-lot-pause' | 'extend-1' | 'extend-5' | 'void-high' | 'undo' | 'close';

export const SHORTCUTS: { keys: string[]; shown: string; action: ShortcutAction; does: string }[] = [
  { keys: ['p', 'P'], shown: 'P', action: 'toggle-lot-pause', does: 'pause or resume this lot' },
  { keys: ['1'], shown: '1', action: 'extend-1', does: 'end 1 min later' },
  { keys: ['5'], shown: '5', action: 'extend-5', does: 'end 5 min later' },
  { keys: ['v', 'V'], shown: 'V', action: 'void-high', does: 'void the high bid' },
  { keys: ['u', 'U'], shown: 'U', action: 'undo', does: 'undo the last action' },
  { keys: ['Escape'], shown: 'Esc', action: 'close', does: 'close a confirmation' },
];

const TYPING_FIELDS = 'input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]), textarea, select';

/** Whether the key goes into what the operator is typing. */
function isTyping(target: EventTarget | null): boolean {
  const element = target as Partial<HTMLElement> | null;
  if (!element || typeof element.matches !== 'function') return false;
  return element.isContentEditable === true || element.matches(TYPING_FIELDS);
}

/** The action a key press asks for, or null (a key typed into a field, a browser shortcut, any other key). */
export function shortcutOf(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey' | 'target' | 'repeat'>): ShortcutAction | null {
  if (event.ctrlKey || event.altKey || event.metaKey || event.repeat || isTyping(event.target)) return null;
  return SHORTCUTS.find((shortcut) => shortcut.keys.includes(event.key))?.action ?? null;
}

/** The keys, as the page shows them. */
export function shortcutLegend(): HTMLElement {
  return h(
    'dl',
    { class: 'shortcuts', testid: 'shortcuts' },
    SHORTCUTS.map((shortcut) => [h('dt', null, h('kbd', null, shortcut.shown)), h('dd', null, shortcut.does)]),
  );
}
