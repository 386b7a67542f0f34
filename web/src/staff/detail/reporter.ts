// The citizen's personal data on a report's page (name, phone, e-mail, how
// they want to be answered), under the reminder of what it may be used for.
// Staff only: it never leaves this card.

import { h } from '../../common/dom';
import { t } from '../../common/i18n';
import type { StaffReport } from '../types';

export function reporterCard(report: StaffReport): HTMLElement {
  const r = report.reporter;
  const rows: Array<[string, Node | string]> = [];
  if (r?.name) rows.push([t('staff.detail.reporter.name'), r.name]);
  if (r?.phone) rows.push([t('staff.detail.reporter.phone'), h('a', { href: `tel:${r.phone.replace(/\s+/g, '')}`, 'data-testid': 'reporter-phone' }, r.phone)]);
  if (r?.email) rows.push([t('staff.detail.reporter.email'), h('a', { href: `mailto:${encodeURIComponent(r.email)}` }, r.email)]);
  if (r) rows.push([t('staff.detail.reporter.contact'), t(`staff.detail.reporter.contactKind.${r.contact}`)]);
  return h(
    'section',
    { class: 'staff-card', 'aria-labelledby': 'reporter-h' },
    h('h2', { id: 'reporter-h', class: 'h4' }, t('staff.detail.reporter.title')),
    h('p', { class: 'small' }, t('staff.detail.reporter.privacy')),
    rows.length ? h('dl', { class: 'staff-dl' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : h('p', {}, t('staff.detail.reporter.none')),
  );
}
