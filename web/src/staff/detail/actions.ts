// The actions column of a report's page: the forms the signed-in role may
// use on the report as it is now, in the order of the work (take in, change
// status, not competent, note, attachment, moderation), then the
// supervisor's.

import { h } from '../../common/dom';
import { t } from '../../common/i18n';
import { status as statusLabel } from '../../common/format';
import { moderationCard } from '../moderation';
import type { Role } from '../types';
import type { ActionCtx } from './card';
import type { SupervisorPanel } from './supervisor';
import { takeInForm } from './takeIn';
import { statusForm } from './status';
import { notCompetentForm } from './notCompetent';
import { noteForm } from './note';
import { uploadForm } from './upload';

export function actionsPanel(c: ActionCtx, role: Role, supervisor: SupervisorPanel): HTMLElement {
  const { report } = c;
  const staffOfOffice = role === 'office' || role === 'supervisor';
  const working = staffOfOffice && report.next_statuses.length > 0;
  const actions: Array<HTMLElement | null> = [];
  if (working && report.status === 'new') actions.push(takeInForm(c));
  if (working) actions.push(statusForm(c));
  if (working) actions.push(notCompetentForm(c));
  actions.push(noteForm(c));
  actions.push(uploadForm(c));
  if (staffOfOffice)
    actions.push(
      moderationCard({
        code: report.code,
        publication: report.publication,
        public: report.moderation,
        photos: report.photos ?? [],
        done: (text) => c.reload(text),
      }),
    );
  supervisor.draw(c);
  return h(
    'section',
    { class: 'staff-actions', 'aria-labelledby': 'actions-h' },
    h('h2', { id: 'actions-h', class: 'h4' }, t('staff.detail.actions')),
    !working && role !== 'urp' ? h('p', {}, t('staff.detail.noWorkflow', { status: statusLabel(report.status) })) : null,
    role === 'urp' ? h('p', {}, t('staff.detail.urpHint')) : null,
    ...actions,
    supervisor.box,
  );
}
