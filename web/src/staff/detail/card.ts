// The shape every action on a report's page shares: a card with a heading,
// an optional lead, an error box, its fields and one submit button; on
// submit, the checks that need no server, then the request, then the page
// reloaded with what was done announced — or the errors placed next to
// their fields.

import { h } from '../../common/dom';
import { t } from '../../common/i18n';
import { ApiError } from '../../common/api';
import type { Child } from '../../common/dom';
import { clearFieldErrors, messageBox, setFieldError, showError, showFieldErrors } from '../ui';
import type { StaffReport } from '../types';

/** What an action needs of its page. */
export interface ActionCtx {
  report: StaffReport;
  /** Reloads the report and announces `done` (the page may be gone from view). */
  reload: (done: string) => Promise<void>;
  /** A public-message box with a template picker for a target status. */
  messageField: (target: () => string, name: string) => { area: HTMLTextAreaElement; refill: (overwrite: boolean) => void; nodes: HTMLElement[] };
}

/** A problem found before sending: the field, what to say, where the focus goes. */
export interface Problem {
  field: string;
  text: string;
  focus: HTMLElement;
}

export interface CardOptions {
  /** The heading's id (the form is labelled by it). */
  id: string;
  title: string;
  lead?: string;
  submit: { label: string; class?: string; testid?: string };
  /** The checks done before sending; the first problem, if any. */
  check?: () => Problem | null;
  /** Sends the action; resolves to what is announced once the page shows it. */
  send: () => Promise<string>;
  done: (text: string) => Promise<void>;
}

/** Shows an API error next to its fields, or in the box (focused). */
export function fail(form: HTMLElement, box: HTMLElement, e: unknown): void {
  if (e instanceof ApiError && e.fields.length) {
    showError(box, e, showFieldErrors(form, e));
  } else {
    showError(box, e);
    box.focus();
  }
}

export function actionCard(o: CardOptions, ...children: Child[]): HTMLFormElement {
  const box = messageBox();
  const btn = h(
    'button',
    { type: 'submit', class: `btn ${o.submit.class ?? 'btn-primary'}`, ...(o.submit.testid ? { 'data-testid': o.submit.testid } : {}) },
    o.submit.label,
  ) as HTMLButtonElement;
  const busy = (on: boolean) => {
    btn.disabled = on;
    btn.textContent = on ? t('staff.detail.sending') : o.submit.label;
  };
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'staff-card',
      'aria-labelledby': o.id,
      novalidate: true,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        clearFieldErrors(form);
        const problem = o.check?.();
        if (problem) {
          setFieldError(form, problem.field, problem.text);
          showError(box, new ApiError(422, 'validation_failed', ''));
          problem.focus.focus();
          return;
        }
        busy(true);
        try {
          await o.done(await o.send());
        } catch (e) {
          busy(false);
          fail(form, box, e);
        }
      },
    },
    h('h3', { id: o.id, class: 'h5' }, o.title),
    o.lead ? h('p', {}, o.lead) : null,
    box,
    ...children,
    btn,
  ) as HTMLFormElement;
  return form;
}

/** A required text field's problem when it is empty. */
export function required(control: HTMLTextAreaElement | HTMLInputElement, field: string, text: string): Problem | null {
  return control.value.trim() ? null : { field, text, focus: control };
}
