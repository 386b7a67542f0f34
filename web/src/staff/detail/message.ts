// The public message of a status change: a text box with a picker of the
// message templates for the target status (the category's, then the generic
// ones of the translation files), in Italian and English.

import { h, replace, announce } from '../../common/dom';
import { t, categoryName } from '../../common/i18n';
import itStaff from '../../i18n/it/staff.json';
import enStaff from '../../i18n/en/staff.json';
import { field } from '../ui';
import type { MessageTemplate, StaffReport } from '../types';

type TemplateTree = { templates?: Record<string, string> };

interface Template {
  label: string;
  text: string;
}

/** The templates for a change of `report` to status `target`, filled in. */
function templatesFor(report: StaffReport, target: string): Template[] {
  const fill = (s: string) =>
    s
      .replace(/\{code\}/g, report.code)
      .replace(/\{category\}/g, categoryName(report.category))
      .replace(/\{office\}/g, report.office?.name ?? '')
      // Never the citizen's own title: the message is mailed to an address
      // nobody confirmed, and must not carry the citizen's text (or links).
      .replace(/\{title\}/g, categoryName(report.category));
  const out: Template[] = [];
  for (const tpl of (report.templates ?? []).filter((x: MessageTemplate) => x.status === target)) {
    const name = tpl.label || t('staff.detail.tpl.category');
    out.push({ label: t('staff.detail.tpl.italian', { name }), text: fill(tpl.text_it) });
    if (tpl.text_en) out.push({ label: t('staff.detail.tpl.english', { name }), text: fill(tpl.text_en) });
  }
  const it = (itStaff as TemplateTree).templates?.[target];
  const en = (enStaff as TemplateTree).templates?.[target];
  if (it) out.push({ label: t('staff.detail.tpl.italian', { name: t('staff.detail.tpl.generic') }), text: fill(it) });
  if (en) out.push({ label: t('staff.detail.tpl.english', { name: t('staff.detail.tpl.generic') }), text: fill(en) });
  return out;
}

/** A public-message box with a template picker that fills it; `target` is
 * the status the form would move the report to. */
export function messageField(report: StaffReport, target: () => string, name: string) {
  const area = h('textarea', { class: 'form-control', rows: 4, 'data-testid': `${name}-message` });
  const picker = h('select', { class: 'form-select', 'data-testid': `${name}-template` });
  // The text last put in by a template: until the operator changes it, a
  // new target status may put in its own; after that, what they wrote stays.
  let inserted = '';
  const refill = (overwrite: boolean) => {
    const list = templatesFor(report, target());
    replace(picker, h('option', { value: '' }, t('staff.detail.tpl.choose')), list.map((x, i) => h('option', { value: String(i) }, x.label)));
    if (overwrite && (area.value.trim() === '' || area.value === inserted)) {
      inserted = list[0]?.text ?? '';
      area.value = inserted;
      picker.value = list.length ? '0' : '';
    }
  };
  picker.addEventListener('change', () => {
    const list = templatesFor(report, target());
    const pick = list[Number(picker.value)];
    if (picker.value !== '' && pick) {
      inserted = pick.text;
      area.value = pick.text;
      announce(t('staff.detail.tpl.applied'));
    }
  });
  refill(true);
  return {
    area,
    refill,
    nodes: [
      field(t('staff.detail.tpl.label'), picker, { hint: t('staff.detail.tpl.hint') }),
      field(t('staff.detail.publicMessage'), area, { hint: t('staff.detail.publicMessageHint'), name: 'public_message' }),
    ],
  };
}
