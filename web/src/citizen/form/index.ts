// "Segnala un disservizio": the three-step form of the national model
// (privacy notice, the report's data, summary), then the confirmation page.
// The step is in the URL (?passo=2) so that the browser's Back button goes
// back one step; what the citizen typed is in the form's state (state.ts),
// kept as a draft (draft.ts). Each step is a module of its own.

import { h, replace, announce } from '../../common/dom';
import { t } from '../../common/i18n';
import { title as setTitle } from '../../common/layout';
import type { PageContext, Dispose } from '../page';
import { hasContent } from '../draft';
import { renderSent, loadSent } from '../sent';
import { formState, forget, type FormState } from './state';
import { STEPS, stepsIndicator } from './nav';
import { stepPrivacy } from './privacy';
import { stepData, validateData } from './data';
import { stepSummary } from './summary';

export function render(root: HTMLElement, ctx: PageContext): Dispose | void {
  const s = formState;
  if (ctx.query.has('inviata')) {
    const sent = loadSent();
    if (sent) return renderSent(root, sent, stepsIndicator(3));
  }
  let step = Number(ctx.query.get('passo') ?? '1');
  if (![1, 2, 3].includes(step)) step = 1;
  if (step > 1 && !s.draft.privacy) step = 1;
  if (step === 3 && validateData(s).length > 0) step = 2;
  const wanted = `/segnala${step > 1 ? `?passo=${step}` : ''}`;
  if (location.pathname + location.search !== wanted && ctx.query.has('passo')) history.replaceState(null, '', wanted);

  const stepTitle = t(`citizen.form.steps.${STEPS[step - 1]}`);
  setTitle(`${t('citizen.form.stepOf', { n: step, total: 3 })}: ${stepTitle}`);
  const body = h('div', { class: 'form-step' });
  const heading = h('h2', { class: 'h3 mb-3', 'data-focus-on-arrival': s.focusField ? undefined : '' }, h('span', { class: 'visually-hidden' }, `${t('citizen.form.stepOf', { n: step, total: 3 })}: `), stepTitle);
  replace(
    root,
    h('h1', {}, t('citizen.form.title')),
    stepsIndicator(step - 1),
    heading,
    body,
    draftNote(s, ctx),
  );
  const go = (n: number) => ctx.navigate(n === 1 ? '/segnala' : `/segnala?passo=${n}`);
  if (step === 1) return stepPrivacy(s, body, go);
  if (step === 2) return stepData(s, body, go);
  return stepSummary(s, body, go, ctx);
}

/** What the draft keeps and for how long, with a button to throw it away
 * once there is something in it. */
function draftNote(s: FormState, ctx: PageContext): HTMLElement {
  const note = h('div', { class: 'draft-note' }, h('p', {}, t('citizen.form.draft.saved')));
  if (hasContent(s.draft) || s.images.length || s.documents.length) {
    note.append(
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-link px-0',
          onclick: () => {
            if (!window.confirm(t('citizen.form.draft.confirmDiscard'))) return;
            forget(s);
            announce(t('citizen.form.draft.discarded'));
            ctx.navigate('/segnala');
          },
        },
        t('citizen.form.draft.discard'),
      ),
    );
  }
  return note;
}
