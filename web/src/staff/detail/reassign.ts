// "Riassegna": the supervisor sends the report to another category and/or
// office, saying why. The lists arrive after the page is drawn and fill the
// selects in place, so nothing the supervisor already typed is lost.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { categoryOptions, field } from '../ui';
import type { CategoriesResponse } from '../types';
import { actionCard, ActionCtx, required } from './card';

/** The choices, once loaded. */
export interface Lists {
  categories: CategoriesResponse | null;
  offices: Array<{ code: string; name: string }> | null;
}

export function reassignForm(c: ActionCtx, lists: Lists): { form: HTMLFormElement; fill: () => void } | null {
  if (!['new', 'taken_in', 'in_progress', 'not_competent'].includes(c.report.status)) return null;
  const cat = h('select', { class: 'form-select', 'data-testid': 'reassign-category' }) as HTMLSelectElement;
  const office = h('select', { class: 'form-select', 'data-testid': 'reassign-office' }) as HTMLSelectElement;
  const fill = () => {
    const chosenCategory = cat.value || c.report.category.code;
    replace(
      cat,
      lists.categories ? categoryOptions(lists.categories.categories, { selected: chosenCategory }) : h('option', { value: '' }, t('common.loading')),
    );
    const chosenOffice = office.value;
    replace(
      office,
      h('option', { value: '' }, t('staff.detail.reassign.officeAuto')),
      (lists.offices ?? []).map((o) => h('option', { value: o.code, selected: o.code === chosenOffice }, o.name)),
    );
  };
  fill();
  const reason = h('textarea', { class: 'form-control', rows: 2, 'data-testid': 'reassign-reason' }) as HTMLTextAreaElement;
  const form = actionCard(
    {
      id: 'reassign-h',
      title: t('staff.detail.reassign.title'),
      lead: t('staff.detail.reassign.lead'),
      submit: { label: t('staff.detail.reassign.submit'), testid: 'reassign-submit' },
      check: () => required(reason, 'reason', t('staff.detail.reassign.reasonRequired')),
      send: async () => {
        await api(`reports/${encodeURIComponent(c.report.code)}/reassign`, {
          json: {
            category: cat.value && cat.value !== c.report.category.code ? cat.value : null,
            office: office.value || null,
            reason: reason.value.trim(),
          },
        });
        return t('staff.detail.reassign.done');
      },
      done: c.reload,
    },
    field(t('staff.detail.reassign.category'), cat, { name: 'category' }),
    field(t('staff.detail.reassign.office'), office, { name: 'office', hint: t('staff.detail.reassign.officeHint') }),
    field(t('staff.detail.reassign.reason'), reason, { required: true, name: 'reason' }),
  );
  return { form, fill };
}
