// Step 2: the report's data, in three sections: where (the place), what (the
// category, the reports nearby, title, description, files) and who (the
// contact). Each part keeps the draft in the form's state up to date as the
// citizen writes; "Avanti" checks the whole step.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { field, showProblems, setError, type Problem } from '../ui';
import type { Dispose } from '../page';
import { bindText, type FormState } from './state';
import { buttons, nextButton, type Go } from './nav';
import { placePart } from './place';
import { categoryPart } from './category';
import { nearbyPart } from './nearby';
import { filePicker } from './files';
import { contactFields } from './contact';

/** The problems of step 2, in page order. */
export function validateData(s: FormState): Problem[] {
  const { draft } = s;
  const p: Problem[] = [];
  const req = (f: string) => p.push({ field: f, message: t(`citizen.required.${f.replace('.', '_')}`) });
  if (draft.lat === null || draft.lon === null) req('place');
  else if (s.placeProblem) p.push({ field: 'place', message: s.placeProblem });
  if (!draft.category) req('category');
  if (!draft.title.trim()) req('title');
  if (!draft.description.trim()) req('description');
  if (draft.contact === 'email') {
    if (!draft.email.trim()) req('reporter.email');
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(draft.email.trim()))
      p.push({ field: 'reporter.email', message: t('citizen.fieldErrors.reporter_email.invalid_email') });
  }
  if (draft.contact === 'phone') {
    if (!draft.phone.trim()) req('reporter.phone');
    else if (!/^\+?[\d\s./-]{6,20}$/.test(draft.phone.trim()))
      p.push({ field: 'reporter.phone', message: t('citizen.fieldErrors.reporter_phone.invalid_phone') });
  }
  return p;
}

export function stepData(s: FormState, body: HTMLElement, go: Go): Dispose {
  let disposed = false;
  const alive = () => !disposed;
  const nearby = nearbyPart(s, alive);
  const category = categoryPart(s, body, alive, nearby);
  const place = placePart(s, body, alive, () => void category.load(true));
  replace(
    body,
    h('p', {}, t('citizen.form.requiredNote')),
    section('sec-where', t('citizen.sections.where'), place.group),
    section(
      'sec-what',
      t('citizen.sections.what'),
      category.field,
      nearby.node,
      textFields(s),
      filePicker(s, body, 'image'),
      filePicker(s, body, 'document'),
    ),
    section('sec-who', t('citizen.sections.who'), contactFields(s)),
    buttons(
      () => go(1),
      nextButton(() => {
        const problems = validateData(s);
        if (problems.length) {
          showProblems(body, problems);
          return;
        }
        go(3);
      }),
    ),
  );
  place.showPoint();
  category.fill();
  void category.load(false);
  if (s.placeProblem) setError(body, 'place', s.placeProblem);
  arrive(s, body);

  return () => {
    disposed = true;
    place.dispose();
  };
}

function section(id: string, title: string, ...children: Array<HTMLElement | HTMLElement[]>): HTMLElement {
  return h('section', { class: 'form-section', 'aria-labelledby': id }, h('h3', { id, class: 'h4' }, title), children);
}

/** The report's title and its description. */
function textFields(s: FormState): HTMLElement[] {
  const title = h('input', { type: 'text', class: 'form-control', value: s.draft.title, maxlength: '120', autocomplete: 'off' });
  bindText(s, title, 'title');
  const desc = h('textarea', { class: 'form-control', rows: '6', maxlength: '4000' });
  desc.value = s.draft.description;
  bindText(s, desc, 'description');
  return [
    field('title', t('citizen.titleField.label'), title, { hint: t('citizen.titleField.hint') }),
    field('description', t('citizen.description.label'), desc, { hint: t('citizen.description.hint') }),
  ];
}

/** Where step 2 starts: at the server's problems after a refused "Invia", or
 * at the field a "Modifica" link of the summary named. */
function arrive(s: FormState, body: HTMLElement): void {
  if (s.pendingProblems) {
    const problems = s.pendingProblems;
    s.pendingProblems = null;
    // After the router's focus, so that focus lands on the first invalid field.
    queueMicrotask(() => showProblems(body, problems));
  } else if (s.focusField) {
    const target = body.querySelector<HTMLElement>(`[data-field="${CSS.escape(s.focusField)}"]`);
    s.focusField = null;
    target?.setAttribute('data-focus-on-arrival', '');
  }
}
