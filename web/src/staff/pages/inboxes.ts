// The supervisor's two inboxes: escalations (not taken in charge in time)
// and triage (reports with no competent office, handed back, or filed as
// "altro / non so"), both worked from the report's detail page.

import { h, replace, announce } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import type { PageCtx } from '../main';
import { loading, messageBox, pageHeader, queueTable, showError } from '../ui';
import type { QueueItem, QueuePage } from '../types';

async function inbox(ctx: PageCtx, kind: 'escalations' | 'triage'): Promise<void> {
  const path = kind === 'escalations' ? 'staff/escalations' : 'staff/triage';
  let items: QueueItem[] = [];
  let next: string | null = null;
  const errors = messageBox();
  const results = h('div', { 'data-testid': `${kind}-results` });

  const load = async (more = false, quiet = false) => {
    if (!more && !quiet) replace(results, loading());
    try {
      const page = await api<QueuePage>(path, { query: { limit: 50, cursor: more ? next ?? undefined : undefined } });
      if (!ctx.alive()) return;
      items = more ? items.concat(page.items) : page.items;
      next = page.next_cursor ?? null;
      drawResults();
      if (!quiet) announce(t('staff.queue.count', { n: items.length }));
    } catch (e) {
      if (!ctx.alive()) return;
      replace(results);
      showError(errors, e);
    }
  };

  const drawResults = () =>
    replace(
      results,
      h('p', { class: 'staff-summary' }, t('staff.queue.count', { n: items.length })),
      items.length
        ? queueTable(items, {
            caption: t(`staff.${kind}.caption`),
            showOffice: true,
            showEscalation: kind === 'escalations',
            testid: `${kind}-table`,
          })
        : h('p', { class: 'staff-empty' }, t(`staff.${kind}.empty`)),
      next ? h('button', { type: 'button', class: 'btn btn-outline-primary', onclick: () => void load(true) }, t('staff.queue.more')) : null,
    );

  const draw = () => replace(ctx.main, ...pageHeader(t(`staff.${kind}.title`), t(`staff.${kind}.lead`)), errors, results);
  draw();
  ctx.onRedraw(() => {
    draw();
    drawResults();
  });
  ctx.ready(t(`staff.${kind}.title`));
  await load();
  const timer = window.setInterval(() => void load(false, true), 5 * 60_000);
  ctx.onDispose(() => window.clearInterval(timer));
}

export const escalationsPage = (ctx: PageCtx) => inbox(ctx, 'escalations');
export const triagePage = (ctx: PageCtx) => inbox(ctx, 'triage');
