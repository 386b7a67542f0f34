// The supervisor's own actions on a report, under their heading: re-routing
// (its category and office lists are loaded once per page, and fill the
// form in place when they arrive) and marking a duplicate.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import type { PageCtx } from '../main';
import type { CategoriesResponse, StaffUser } from '../types';
import type { ActionCtx } from './card';
import { reassignForm, type Lists } from './reassign';
import { duplicateForm } from './duplicate';

export interface SupervisorPanel {
  /** Where the actions go (empty for other roles). */
  box: HTMLElement;
  /** Draws the actions for the report as it is now. */
  draw(c: ActionCtx): void;
}

export function supervisorPanel(ctx: PageCtx, u: StaffUser): SupervisorPanel {
  // The supervisor's choices for re-routing, filled once loaded.
  const lists: Lists = { categories: null, offices: null };
  let fillReassignLists = () => {};
  const isSupervisor = u.role === 'supervisor';
  if (isSupervisor) {
    Promise.all([
      api<CategoriesResponse>('categories', { query: { municipality: u.municipality } }).then((c) => (lists.categories = c)),
      api<Array<{ code: string; name: string }>>('offices')
        .then((list) => (lists.offices = list))
        .catch(() => (lists.offices = [])),
    ])
      .then(() => {
        if (ctx.alive()) fillReassignLists();
      })
      .catch(() => {
        /* the forms say the lists are missing */
      });
  }
  const box = h('div', { class: 'staff-supervisor' });
  const draw = (c: ActionCtx) => {
    if (!isSupervisor) return;
    const r = reassignForm(c, lists);
    fillReassignLists = r ? r.fill : () => {};
    const d = duplicateForm(c);
    replace(box, r || d ? h('h2', { class: 'h4 mt-4' }, t('staff.detail.supervisorTitle')) : null, r?.form ?? null, d);
  };
  return { box, draw };
}
