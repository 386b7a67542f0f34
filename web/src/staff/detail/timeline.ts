// The report's full history as staff see it: every event, public or
// internal, with who did it, when, and what it changed.

import { h } from '../../common/dom';
import { t, has } from '../../common/i18n';
import { dateTime, status as statusLabel } from '../../common/format';
import type { StaffEvent, StaffReport } from '../types';

export function timelineCard(report: StaffReport): HTMLElement {
  return h(
    'section',
    { class: 'staff-card', 'aria-labelledby': 'tl-h' },
    h('h2', { id: 'tl-h', class: 'h4' }, t('staff.detail.timeline.title')),
    h('ol', { class: 'staff-timeline', 'data-testid': 'timeline' }, report.events.map(eventItem)),
  );
}

function eventItem(e: StaffEvent): HTMLElement {
  return h(
    'li',
    { class: `event event-${e.kind} ${e.public ? 'event-public' : 'event-internal'}` },
    h(
      'p',
      { class: 'mb-1' },
      h('strong', {}, has(`staff.events.${e.kind}`) ? t(`staff.events.${e.kind}`) : e.kind),
      ' — ',
      h('time', { datetime: e.at }, dateTime(e.at)),
      ' · ',
      t(`staff.actors.${e.actor_kind}`),
      ' ',
      h('span', { class: e.public ? 'tag tag-public' : 'tag tag-internal' }, e.public ? t('staff.detail.timeline.public') : t('staff.detail.timeline.internal')),
    ),
    ...eventText(e),
  );
}

/** What an event changed: the status, its message, and the details in its data. */
function eventText(e: StaffEvent): Node[] {
  const out: Node[] = [];
  if (e.from_status && e.to_status && e.from_status !== e.to_status) {
    out.push(
      h('p', { class: 'mb-1' }, t('staff.detail.timeline.transition', { from: statusLabel(e.from_status), to: statusLabel(e.to_status) })),
    );
  } else if (e.to_status && e.kind !== 'created') {
    out.push(h('p', { class: 'mb-1' }, t('staff.detail.timeline.statusNow', { status: statusLabel(e.to_status) })));
  }
  if (e.message) out.push(h('p', { class: 'mb-1 event-message' }, e.message));
  const bits = eventDetails(e);
  if (bits.length) out.push(h('p', { class: 'mb-1 small' }, bits.join(' · ')));
  return out;
}

function eventDetails(e: StaffEvent): string[] {
  const d = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  const bits: string[] = [];
  if (typeof d.from_category === 'string' && typeof d.to_category === 'string')
    bits.push(t('staff.detail.timeline.categoryChange', { from: d.from_category, to: d.to_category }));
  else if (typeof d.from === 'string' && typeof d.to === 'string' && e.kind === 'category_changed')
    bits.push(t('staff.detail.timeline.categoryChange', { from: d.from, to: d.to }));
  if (typeof d.reason === 'string') bits.push(t('staff.detail.timeline.reason', { reason: has(`staff.detail.rejection.${d.reason}`) ? t(`staff.detail.rejection.${d.reason}`) : d.reason }));
  if (typeof d.level === 'number') bits.push(t('staff.detail.escalationLevel', { n: d.level }));
  if (typeof d.outcome === 'string') bits.push(t(`staff.callbacks.outcome.${d.outcome}`));
  if (typeof d.duplicate_of === 'string') bits.push(t('staff.detail.timeline.duplicateOf', { code: d.duplicate_of }));
  if (typeof d.take_in_due_at === 'string' && e.kind === 'routed') bits.push(t('staff.detail.timeline.due', { at: dateTime(d.take_in_due_at) }));
  return bits;
}
