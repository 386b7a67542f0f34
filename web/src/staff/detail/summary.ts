// The top of a report's page: the way back to the queue, the code and title,
// and the summary card (status, category, office, channel, the dates that
// matter, escalation, the report this one duplicates).

import { h } from '../../common/dom';
import { t, categoryName } from '../../common/i18n';
import { dateTime } from '../../common/format';
import { channelLabel, deadlineCell, statusBadge } from '../ui';
import type { StaffReport } from '../types';

export function pageHeader(report: StaffReport): HTMLElement[] {
  return [
    h('p', { class: 'staff-back' }, h('a', { href: '/staff/coda' }, t('staff.detail.back'))),
    h('h1', {}, h('span', { class: 'report-code', 'data-testid': 'report-code' }, report.code), ': ', report.title),
  ];
}

export function summaryCard(report: StaffReport): HTMLElement {
  return h(
    'section',
    { class: 'staff-card', 'aria-labelledby': 'sum-h' },
    h('h2', { id: 'sum-h', class: 'h4' }, t('staff.detail.summary')),
    infoList(report),
  );
}

function infoList(report: StaffReport): HTMLElement {
  const rows: Array<[string, Node | string]> = [
    [t('staff.detail.field.status'), statusBadge(report.status)],
    [t('staff.detail.field.category'), categoryName(report.category)],
    [t('staff.detail.field.office'), report.office?.name ?? t('staff.queue.noOffice')],
    [t('staff.detail.field.channel'), channelLabel(report.channel)],
    [t('staff.detail.field.received'), dateTime(report.received_at)],
  ];
  if (report.status === 'new' && report.take_in_due_at) rows.push([t('staff.detail.field.deadline'), deadlineCell(report)]);
  if (report.taken_in_at) rows.push([t('staff.detail.field.takenIn'), dateTime(report.taken_in_at)]);
  if (report.expected_resolution_at) rows.push([t('staff.detail.field.expected'), dateTime(report.expected_resolution_at)]);
  if (report.resolved_at) rows.push([t('staff.detail.field.resolved'), dateTime(report.resolved_at)]);
  if (report.escalation_level > 0)
    rows.push([t('staff.detail.field.escalation'), h('strong', { class: 'late-flag' }, t('staff.detail.escalationLevel', { n: report.escalation_level }))]);
  if (report.duplicate_of)
    rows.push([t('staff.detail.field.duplicateOf'), h('a', { href: `/staff/segnalazioni/${encodeURIComponent(report.duplicate_of)}` }, report.duplicate_of)]);
  return h('dl', { class: 'staff-dl' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}
