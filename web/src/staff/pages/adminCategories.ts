// Categories in the administration page: the comune's tree (groups and
// their subcategories, active and not), a new category, and the change of
// one — names, office, take-in SLA, resolution target, deadline mode,
// triage, publication, active. Before a change of office or SLA is saved the
// form says how many open reports the category has (they keep their office
// and deadline; new reports follow the change).

import { h, replace, Child } from '../../common/dom';
import { t, categoryName } from '../../common/i18n';
import { api } from '../../common/api';
import { actionForm, checkbox, choice, field, textInput, wholeNumber } from '../ui';
import { questionsEditor, templatesEditor } from './adminCategoryExtras';
import type * as gen from '../../api.gen';

export type AdminCategory = gen.AdminCategoryView;

export interface CategoriesDeps {
  categories: AdminCategory[];
  offices: { code: string; name: string; active: boolean }[];
  /** Reloads the page's data and redraws; then says `done` (with `more`). */
  reload: (done?: string, ...more: Child[]) => Promise<void>;
  /** For supervisors: the tree, no changes. */
  readOnly?: boolean;
}


const officeOptions = (d: CategoriesDeps, none: string): [string, string][] => [
  ['', none],
  ...d.offices.filter((o) => o.active).map((o): [string, string] => [o.code, o.name]),
];

const publicationOptions = (): [string, string][] =>
  ['', 'immediate', 'after_review', 'never'].map((p) => [p, t(`staff.admin.categories.publication.${p || 'comune'}`)]);

function categoriesTable(d: CategoriesDeps, edit: (c: AdminCategory, button: HTMLElement) => void): HTMLElement {
  const officeName = (code?: string | null) => (code ? (d.offices.find((o) => o.code === code)?.name ?? code) : '—');
  return h(
    'div',
    { class: 'table-responsive staff-table-wrap' },
    h(
      'table',
      { class: 'table staff-table' },
      h('caption', {}, t('staff.admin.categories.caption')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['name', 'code', 'office', 'sla', 'open', 'state', d.readOnly ? null : 'actions']
            .filter((c) => c !== null)
            .map((c) => h('th', { scope: 'col' }, t(`staff.admin.categories.col.${c}`))),
        ),
      ),
      h(
        'tbody',
        {},
        d.categories.map((c) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row', class: c.parent ? 'ps-4' : '' }, c.parent ? `› ${categoryName(c)}` : categoryName(c)),
            h('td', {}, c.code),
            h('td', {}, officeName(c.office)),
            h('td', {}, t('staff.admin.categories.hours', { n: c.take_in_sla_hours })),
            h('td', {}, String(c.open_reports)),
            h('td', {}, t(c.active ? 'staff.admin.offices.active' : 'staff.admin.offices.inactive')),
            d.readOnly
              ? null
              : h(
              'td',
              {},
              h(
                'button',
                { type: 'button', class: 'btn btn-sm btn-outline-primary', onclick: (ev: Event) => edit(c, ev.currentTarget as HTMLElement) },
                t('staff.admin.categories.edit', { name: categoryName(c) }),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function newCategoryForm(d: CategoriesDeps): HTMLElement {
  const code = textInput('', { pattern: '[a-z0-9_\\-]{1,64}' });
  const nameIt = textInput();
  const nameEn = textInput();
  const groups: [string, string][] = [['', t('staff.admin.categories.topLevel')], ...d.categories.filter((c) => !c.parent && c.active).map((c): [string, string] => [c.code, categoryName(c)])];
  const parent = choice(groups);
  const office = choice(officeOptions(d, t('staff.admin.categories.noOffice')));
  const sla = textInput('24', { type: 'number', min: '1', max: '720', inputmode: 'numeric' });
  const target = textInput('30', { type: 'number', min: '1', max: '3650', inputmode: 'numeric' });
  const publication = choice(publicationOptions());
  const [triageBox, triage] = checkbox(t('staff.admin.categories.triage'), false, { name: 'triage' });
  return actionForm(
    'admin-new-category',
    h('h3', { class: 'h5 mt-4', id: 'admin-new-category' }, t('staff.admin.categories.new')),
    async (form) => {
      const created = await api<{ code: string; name_it: string; name_en: string }>('admin/categories', {
        method: 'POST',
        json: {
          code: code.value.trim(),
          name_it: nameIt.value.trim(),
          name_en: nameEn.value.trim(),
          parent: parent.value || null,
          office: office.value || null,
          take_in_sla_hours: wholeNumber(sla),
          resolution_target_days: wholeNumber(target),
          triage: triage.checked,
          publication: publication.value || null,
        },
      });
      form.reset();
      await d.reload(t('staff.admin.categories.created', { name: categoryName(created) }));
    },
    field(t('staff.admin.categories.code'), code, { name: 'code', required: true, hint: t('staff.admin.categories.codeHint') }),
    field(t('staff.admin.categories.nameIt'), nameIt, { name: 'name_it', required: true }),
    field(t('staff.admin.categories.nameEn'), nameEn, { name: 'name_en', required: true }),
    field(t('staff.admin.categories.parent'), parent, { name: 'parent' }),
    field(t('staff.admin.categories.office'), office, { name: 'office', hint: t('staff.admin.categories.officeHint') }),
    field(t('staff.admin.categories.sla'), sla, { name: 'take_in_sla_hours', hint: t('staff.admin.categories.slaHint') }),
    field(t('staff.admin.categories.target'), target, { name: 'resolution_target_days' }),
    field(t('staff.admin.categories.publicationLabel'), publication, { name: 'publication' }),
    triageBox,
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.categories.create')),
  );
}

function editForm(d: CategoriesDeps, c: AdminCategory, close: () => void): HTMLFormElement {
  const nameIt = textInput(c.name_it);
  const nameEn = textInput(c.name_en);
  // An office can be changed, not taken away (its reports would have nowhere to go).
  const offices = officeOptions(d, t('staff.admin.categories.noOffice')).filter(([code]) => code !== '' || !c.office);
  const office = choice(offices, c.office ?? '');
  const sla = textInput(String(c.take_in_sla_hours), { type: 'number', min: '1', max: '720', inputmode: 'numeric' });
  const target = textInput(String(c.resolution_target_days), { type: 'number', min: '1', max: '3650', inputmode: 'numeric' });
  const modes: [string, string][] = ['', 'working_days', 'business_hours', 'calendar'].map((m) => [m, t(`staff.admin.categories.modes.${m || 'comune'}`)]);
  const mode = choice(modes, c.deadline_mode ?? '');
  const publication = choice(publicationOptions(), c.publication ?? '');
  const [triageBox, triage] = checkbox(t('staff.admin.categories.triage'), c.triage, { name: 'triage' });
  const [activeBox, active] = checkbox(t('staff.admin.categories.active'), c.active, { name: 'active' });
  const questions = questionsEditor(c.questions);
  const templates = templatesEditor(c.message_templates);
  // What a change means for the reports already filed, said before saving.
  const impact = h('p', { class: 'form-text', 'aria-live': 'polite' });
  const sayImpact = () => {
    const changed = office.value !== (c.office ?? '') || sla.value !== String(c.take_in_sla_hours) || !active.checked;
    impact.textContent = changed && c.open_reports > 0 ? t('staff.admin.categories.impact', { n: c.open_reports }) : '';
  };
  for (const control of [office, sla, active]) control.addEventListener('change', sayImpact);
  const headingId = `admin-edit-category-${c.code}`;
  const heading = h('h3', { class: 'h5 mt-4', id: headingId, tabindex: '-1' }, t('staff.admin.categories.editTitle', { name: categoryName(c) }));
  return actionForm(
    headingId,
    heading,
    async () => {
      await api(`admin/categories/${encodeURIComponent(c.code)}`, {
        method: 'PATCH',
        json: {
          name_it: nameIt.value.trim(),
          name_en: nameEn.value.trim(),
          take_in_sla_hours: wholeNumber(sla),
          resolution_target_days: wholeNumber(target),
          deadline_mode: mode.value || null,
          publication: publication.value || null,
          triage: triage.checked,
          active: active.checked,
          questions: questions.value(),
          message_templates: templates.value(),
          ...(office.value && office.value !== c.office ? { office: office.value } : {}),
        },
      });
      await d.reload(t('staff.admin.categories.updated', { name: nameIt.value.trim() }));
    },
    field(t('staff.admin.categories.nameIt'), nameIt, { name: 'name_it', required: true }),
    field(t('staff.admin.categories.nameEn'), nameEn, { name: 'name_en', required: true }),
    field(t('staff.admin.categories.office'), office, { name: 'office' }),
    field(t('staff.admin.categories.sla'), sla, { name: 'take_in_sla_hours', hint: t('staff.admin.categories.slaHint') }),
    field(t('staff.admin.categories.target'), target, { name: 'resolution_target_days' }),
    field(t('staff.admin.categories.mode'), mode, { name: 'deadline_mode' }),
    field(t('staff.admin.categories.publicationLabel'), publication, { name: 'publication' }),
    triageBox,
    activeBox,
    questions.node,
    templates.node,
    impact,
    h('button', { type: 'submit', class: 'btn btn-primary me-2' }, t('staff.admin.categories.save')),
    h('button', { type: 'button', class: 'btn btn-outline-secondary', onclick: close }, t('staff.admin.categories.cancel')),
  );
}

/** The categories section: the tree, a change of one, a new category. */
export function categoriesSection(d: CategoriesDeps): (HTMLElement | null)[] {
  const editor = h('div');
  const edit = (c: AdminCategory, button: HTMLElement) => {
    const form = editForm(d, c, () => {
      replace(editor);
      button.focus();
    });
    replace(editor, form);
    form.querySelector<HTMLElement>('h3')?.focus();
  };
  return [
    h('h2', { class: 'h4', id: 'admin-categories' }, t('staff.admin.categories.title')),
    d.categories.length ? categoriesTable(d, edit) : h('p', { class: 'staff-empty' }, t('staff.admin.categories.empty')),
    editor,
    d.readOnly ? null : newCategoryForm(d),
  ];
}
