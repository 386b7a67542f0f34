// The technical owner's page: the municipality's staff accounts (read-only
// here; changes go through the API or `segnala user`).

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import type { PageCtx } from '../main';
import { loading, messageBox, pageHeader, showError } from '../ui';
import type { StaffUser } from '../types';

export async function adminPage(ctx: PageCtx): Promise<void> {
  const errors = messageBox();
  const list = h('div', {}, loading());
  let users: StaffUser[] = [];
  const drawList = () =>
    replace(
      list,
      h(
        'div',
        { class: 'table-responsive staff-table-wrap' },
        h(
          'table',
          { class: 'table staff-table' },
          h('caption', {}, t('staff.admin.caption')),
          h(
            'thead',
            {},
            h('tr', {}, ['username', 'name', 'role', 'offices'].map((c) => h('th', { scope: 'col' }, t(`staff.admin.col.${c}`)))),
          ),
          h(
            'tbody',
            {},
            users.map((u) =>
              h('tr', {}, h('th', { scope: 'row' }, u.username), h('td', {}, u.display_name), h('td', {}, t(`staff.roles.${u.role}`)), h('td', {}, u.offices.join(', ') || '—')),
            ),
          ),
        ),
      ),
    );
  const draw = () =>
    replace(
      ctx.main,
      ...pageHeader(t('staff.admin.title'), t('staff.admin.lead')),
      h('p', {}, h('a', { href: '/api/docs/' }, t('staff.admin.apiDocs'))),
      errors,
      list,
    );
  draw();
  ctx.onRedraw(() => {
    draw();
    drawList();
  });
  ctx.ready(t('staff.admin.title'));
  try {
    users = await api<StaffUser[]>('admin/users');
    if (ctx.alive()) drawList();
  } catch (e) {
    if (ctx.alive()) {
      replace(list);
      showError(errors, e);
    }
  }
}
