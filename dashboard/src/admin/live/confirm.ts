// The live lot's confirmation step for destructive actions (pause, void, ban, cancel): a panel in
// the page rather than window.confirm, so it names what will happen in full (the bidder by name,
// the amount), takes the reason where one is needed, works from the keyboard (Enter confirms,
// Esc keeps things as they are) and can be driven by the browser tests. One question at a time.

import { fill, h, type Child } from '../../shared/dom';
import type { App } from '../app';
import { FormFeedback, textProblem } from '../forms';

const REASON_MAX_CHARS = 500;

export interface ConfirmSpec {
  /** Names the panel (`data-action`) and its controls' test ids: `<action>-reason`, `<action>-submit`, `<action>-keep`. */
  action: string;
  question: Child;
  /** What follows, and whether it can be undone. */
  detail: string;
  reason?: { required: boolean; placeholder: string };
  /** A box to tick (a ban's "also void their standing bids"). */
  option?: { testid: string; label: string; checked: boolean };
  confirmLabel: string;
  keepLabel: string;
  /** Sends the action; a rejection (an ApiError) is shown in the panel, at the reason when it is the reason's fault. */
  run(values: { reason: string; option: boolean }): Promise<void>;
}

export class ConfirmPanel {
  readonly element = h('section', { class: 'confirm-panel', testid: 'confirm-panel', hidden: true, role: 'dialog', 'aria-modal': 'false' });
  private current: ConfirmSpec | null = null;
  /** Where the focus was before the question: it goes back there after. */
  private returnFocus: HTMLElement | null = null;

  constructor(private readonly app: App) {
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        this.close();
      }
    });
  }

  get isOpen(): boolean {
    return this.current !== null;
  }

  open(spec: ConfirmSpec): void {
    this.returnFocus ??= document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.current = spec;
    const reason = spec.reason
      ? h('input', { testid: `${spec.action}-reason`, placeholder: spec.reason.placeholder, maxlength: REASON_MAX_CHARS, 'aria-label': 'Reason', autocomplete: 'off' })
      : null;
    const option = spec.option ? h('input', { type: 'checkbox', testid: spec.option.testid, checked: spec.option.checked }) : null;
    const conflict = h('p', { class: 'field-error', role: 'alert', hidden: true, testid: `${spec.action}-error` });
    const feedback = new FormFeedback(reason ? { reason: { input: reason, label: 'Reason' } } : {}, conflict);
    const submit = h('button', { class: 'danger', testid: `${spec.action}-submit` }, spec.confirmLabel);
    const keep = h('button', { type: 'button', class: 'secondary', testid: `${spec.action}-keep`, onclick: () => this.close() }, spec.keepLabel);
    const form = h(
      'form',
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          void this.send(spec, feedback, submit, reason, option);
        },
      },
      h('p', { class: 'question' }, spec.question),
      h('p', { class: 'muted detail' }, spec.detail),
      reason ? h('label', { class: 'reason' }, spec.reason!.required ? 'Reason (kept in the audit trail) ' : 'Reason, if any (kept in the audit trail) ', reason) : null,
      option ? h('label', { class: 'check' }, option, ` ${spec.option!.label}`) : null,
      conflict,
      h('div', { class: 'actions' }, submit, keep, h('span', { class: 'muted key-hint' }, 'Enter confirms · Esc keeps it')),
    );
    this.element.dataset.action = spec.action;
    fill(this.element, form);
    this.element.hidden = false;
    (reason ?? submit).focus();
  }

  close(): void {
    this.current = null;
    this.element.hidden = true;
    this.element.replaceChildren();
    delete this.element.dataset.action;
    const back = this.returnFocus;
    this.returnFocus = null;
    if (back?.isConnected && !back.hidden) back.focus();
  }

  private async send(spec: ConfirmSpec, feedback: FormFeedback, submit: HTMLButtonElement, reason: HTMLInputElement | null, option: HTMLInputElement | null): Promise<void> {
    if (reason && !feedback.check([[reason, spec.reason!.required || reason.value.trim() ? textProblem(reason.value, REASON_MAX_CHARS, 'A reason') : null]])) return;
    submit.disabled = true;
    try {
      await spec.run({ reason: reason?.value.trim() ?? '', option: option?.checked ?? false });
    } catch (error) {
      submit.disabled = false;
      if (this.current !== spec) return;
      if (feedback.place(error)) this.app.clearError();
      else this.app.report(error);
      return;
    }
    this.app.clearError();
    if (this.current === spec) this.close();
  }
}
