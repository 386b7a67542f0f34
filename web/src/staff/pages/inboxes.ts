// The supervisor's two inboxes: escalations (not taken in charge in time)
// and triage (reports with no competent office, handed back, or filed as
// "altro / non so"), both worked from the report's detail page.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import type { PageCtx } from '../main';
import { messageBox, pageHeader, queueTable } from '../ui';
import { moreButton, pagedList } from '../paged';
import type { QueuePage } from '../types';

async function inbox(ctx: PageCtx, kind: 'escalations' | 'triage'): Promise<void> {
  const path = kind === 'escalations' ? 'staff/escalations' : 'staff/triage';
  const errors = messageBox();
  const results = h('div', { 'data-testid': `${kind}-results` });
  const list = pagedList({
    ctx,
    results,
    errors,
    draw: () => drawResults(),
    fetch: (cursor, limit) => api<QueuePage>(path, { query: { limit, cursor } }),
  });

  const drawResults = () =>
    replace(
      results,
      h('p', { class: 'staff-summary' }, t('staff.queue.count', { n: list.items.length })),
      list.items.length
        ? queueTable(list.items, {
            caption: t(`staff.${kind}.caption`),
            showOffice: true,
            showEscalation: kind === 'escalations',
            testid: `${kind}-table`,
          })
        : h('p', { class: 'staff-empty' }, t(`staff.${kind}.empty`)),
      moreButton(list),
    );

  const draw = () => replace(ctx.main, ...pageHeader(t(`staff.${kind}.title`), t(`staff.${kind}.lead`)), errors, list.notice, results);
  draw();
  ctx.onRedraw(() => {
    draw();
    drawResults();
  });
  ctx.ready(t(`staff.${kind}.title`));
  await list.load();
  const timer = window.setInterval(() => void list.refresh(), 5 * 60_000);
  ctx.onDispose(() => window.clearInterval(timer));
}

export const escalationsPage = (ctx: PageCtx) => inbox(ctx, 'escalations');
export const triagePage = (ctx: PageCtx) => inbox(ctx, 'triage');
