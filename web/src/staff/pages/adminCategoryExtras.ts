// The parts of a category that are lists: the extra questions a report in
// it asks (Open311 attributes) and the public-message templates staff pick
// from. Each is edited as rows — add, change, remove — and sent whole.

import { h, id } from '../../common/dom';
import { t } from '../../common/i18n';
import { choice, field, textInput } from '../ui';
import type * as gen from '../../api.gen';

const DATATYPES = ['string', 'text', 'number', 'datetime', 'singlevaluelist', 'multivaluelist'];
const TEMPLATE_STATUSES: gen.Status[] = ['taken_in', 'in_progress', 'resolved', 'rejected', 'not_competent'];

/** A list of rows, each a fieldset with a remove button, and an "add" button. */
function rows<T>(
  legend: string,
  rowLegend: (n: number) => string,
  addLabel: string,
  removeLabel: (n: number) => string,
  initial: T[],
  row: (item: T | null) => { nodes: HTMLElement[]; value: () => T; first: HTMLElement },
  blank: () => T | null,
): { node: HTMLElement; value: () => T[] } {
  const list = h('div');
  const items: Array<{ box: HTMLElement; value: () => T }> = [];
  const renumber = () =>
    items.forEach((it, i) => {
      it.box.querySelector('legend')!.textContent = rowLegend(i + 1);
      it.box.querySelector<HTMLButtonElement>('button.staff-remove-row')!.textContent = removeLabel(i + 1);
    });
  const add = (item: T | null, focus: boolean) => {
    const r = row(item);
    const remove = h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger staff-remove-row' });
    const box = h('fieldset', { class: 'border rounded p-3 mb-3' }, h('legend', { class: 'fs-6 float-none w-auto px-1' }), ...r.nodes, remove);
    const entry = { box, value: r.value };
    remove.addEventListener('click', () => {
      items.splice(items.indexOf(entry), 1);
      box.remove();
      renumber();
      addButton.focus();
    });
    items.push(entry);
    list.append(box);
    renumber();
    if (focus) r.first.focus();
  };
  const addButton = h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary mb-3', onclick: () => add(blank(), true) }, addLabel);
  initial.forEach((item) => add(item, false));
  return {
    node: h('div', { class: 'mb-3' }, h('h4', { class: 'h6' }, legend), list, addButton),
    value: () => items.map((it) => it.value()),
  };
}

/** The extra questions: code, type, required, the question, its choices. */
export function questionsEditor(initial: gen.QuestionDef[]): { node: HTMLElement; value: () => gen.QuestionDef[] } {
  return rows<gen.QuestionDef>(
    t('staff.admin.extras.questions'),
    (n) => t('staff.admin.extras.question', { n }),
    t('staff.admin.extras.addQuestion'),
    (n) => t('staff.admin.extras.removeQuestion', { n }),
    initial,
    (q) => {
      const code = textInput(q?.code ?? '');
      const datatype = choice(
        DATATYPES.map((d) => [d, t(`staff.admin.extras.types.${d}`)]),
        q?.datatype ?? 'string',
      );
      const requiredId = id('req');
      const required = h('input', { type: 'checkbox', class: 'form-check-input', id: requiredId }) as HTMLInputElement;
      required.checked = q?.required ?? false;
      const text = textInput(q?.description ?? '');
      const choices = h('textarea', { class: 'form-control', rows: 3 }) as HTMLTextAreaElement;
      choices.value = (q?.values ?? []).map((v) => `${v.key}: ${v.name}`).join('\n');
      const choicesField = field(t('staff.admin.extras.choices'), choices, { hint: t('staff.admin.extras.choicesHint') });
      const sync = () => {
        choicesField.hidden = !datatype.value.endsWith('valuelist');
      };
      datatype.addEventListener('change', sync);
      sync();
      return {
        first: code,
        nodes: [
          field(t('staff.admin.extras.code'), code, { hint: t('staff.admin.extras.codeHint') }),
          field(t('staff.admin.extras.type'), datatype),
          field(t('staff.admin.extras.text'), text),
          h('div', { class: 'form-check mb-3' }, required, h('label', { class: 'form-check-label', for: requiredId }, t('staff.admin.extras.required'))),
          choicesField,
        ],
        value: () => ({
          code: code.value.trim(),
          datatype: datatype.value,
          required: required.checked,
          description: text.value.trim(),
          values: datatype.value.endsWith('valuelist')
            ? choices.value
                .split('\n')
                .map((l) => l.trim())
                .filter(Boolean)
                .map((l) => {
                  const at = l.indexOf(':');
                  return at < 0 ? { key: l, name: l } : { key: l.slice(0, at).trim(), name: l.slice(at + 1).trim() };
                })
            : [],
        }),
      };
    },
    () => null,
  );
}

/** The public-message templates: the status, a name, the text in both languages. */
export function templatesEditor(initial: gen.MessageTemplate[]): { node: HTMLElement; value: () => gen.MessageTemplate[] } {
  return rows<gen.MessageTemplate>(
    t('staff.admin.extras.templates'),
    (n) => t('staff.admin.extras.template', { n }),
    t('staff.admin.extras.addTemplate'),
    (n) => t('staff.admin.extras.removeTemplate', { n }),
    initial,
    (m) => {
      const status = choice(
        TEMPLATE_STATUSES.map((s) => [s, t(`common.status.${s}`)]),
        m?.status ?? 'resolved',
      );
      const label = textInput(m?.label ?? '');
      const it = h('textarea', { class: 'form-control', rows: 2 }) as HTMLTextAreaElement;
      it.value = m?.text_it ?? '';
      const en = h('textarea', { class: 'form-control', rows: 2 }) as HTMLTextAreaElement;
      en.value = m?.text_en ?? '';
      return {
        first: status,
        nodes: [
          field(t('staff.admin.extras.status'), status),
          field(t('staff.admin.extras.label'), label),
          field(t('staff.admin.extras.textIt'), it, { hint: t('staff.admin.extras.textHint') }),
          field(t('staff.admin.extras.textEn'), en),
        ],
        value: () => ({ status: status.value as gen.Status, label: label.value.trim(), text_it: it.value.trim(), text_en: en.value.trim() }),
      };
    },
    () => null,
  );
}

