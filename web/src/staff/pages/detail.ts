// One report as staff see it: the citizen's contact, the place, photos and
// documents, the full timeline, and the actions the signed-in role may take.
// Each part is a module of ../detail/; this page loads the report, draws the
// parts and draws them again after each action.

import { h, replace } from '../../common/dom';
import { t } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import type { PageCtx } from '../main';
import * as session from '../session';
import { errorText, loading, messageBox, showError, showSuccess } from '../ui';
import type { ActionCtx } from '../detail/card';
import { messageField } from '../detail/message';
import { pageHeader, summaryCard } from '../detail/summary';
import { reporterCard } from '../detail/reporter';
import { placeCard, reportMap } from '../detail/place';
import { attachmentsCard, photoCache } from '../detail/attachments';
import { timelineCard } from '../detail/timeline';
import { actionsPanel } from '../detail/actions';
import { supervisorPanel } from '../detail/supervisor';
import type { StaffReport } from '../types';

export async function detailPage(ctx: PageCtx): Promise<void> {
  const code = ctx.params.code;
  const u = session.user()!;
  replace(ctx.main, h('h1', {}, t('staff.detail.loadingTitle', { code })), loading());
  ctx.ready(t('staff.detail.loadingTitle', { code }));
  const first = await loadReport(ctx, code);
  if (!first) return;
  let report = first;

  const photos = photoCache(ctx);
  const flash = messageBox();
  flash.setAttribute('data-testid', 'detail-flash');
  const supervisor = supervisorPanel(ctx, u);
  const map = reportMap(ctx);

  /** Reloads the report after an action and says what was done. */
  const reload = async (successText: string) => {
    try {
      const fresh = await fetchReport(code);
      if (!ctx.alive()) return;
      report = fresh;
      draw();
      showSuccess(flash, successText);
      flash.focus();
    } catch (e) {
      if (!ctx.alive()) return;
      // It may have left this office's view (not competent, reassigned).
      if (e instanceof ApiError && e.status === 404) return gone(ctx, code, successText);
      showError(flash, e);
    }
  };

  const draw = () => {
    const mapBox = map.box();
    /** What the actions (one module each, in ../detail/) need of the page. */
    const c: ActionCtx = { report, reload, messageField: (target, name) => messageField(report, target, name) };
    const actions = actionsPanel(c, u.role, supervisor);
    replace(
      ctx.main,
      pageHeader(report),
      flash,
      h(
        'div',
        { class: 'row g-4' },
        h(
          'div',
          { class: 'col-lg-7' },
          summaryCard(report),
          reporterCard(report),
          placeCard(report, mapBox),
          attachmentsCard(report, photos, flash),
          timelineCard(report),
        ),
        h('div', { class: 'col-lg-5' }, actions),
      ),
    );
    void map.draw(report);
  };

  draw();
  ctx.onRedraw(() => draw());
  ctx.ready(`${report.code}: ${report.title}`);
}

function fetchReport(code: string): Promise<StaffReport> {
  return api<StaffReport>(`staff/reports/${encodeURIComponent(code)}`);
}

/** The report, or null when the page is left meanwhile or it cannot be read
 * (then the page says why). */
async function loadReport(ctx: PageCtx, code: string): Promise<StaffReport | null> {
  try {
    const report = await fetchReport(code);
    return ctx.alive() ? report : null;
  } catch (e) {
    if (!ctx.alive()) return null;
    replace(
      ctx.main,
      h('h1', {}, t('staff.detail.notFoundTitle', { code })),
      h('div', { class: 'alert alert-danger', role: 'alert' }, errorText(e)),
      h('p', {}, h('a', { href: '/staff/coda' }, t('staff.detail.back'))),
    );
    ctx.ready(t('staff.detail.notFoundTitle', { code }));
    return null;
  }
}

/** After an action that took the report out of the user's view: what was
 * done, and the way back to the queue. */
function gone(ctx: PageCtx, code: string, successText: string): void {
  replace(
    ctx.main,
    h('h1', {}, t('staff.detail.goneTitle', { code })),
    h('div', { class: 'alert alert-success', role: 'status' }, successText),
    h('p', {}, t('staff.detail.goneText')),
    h('p', {}, h('a', { href: '/staff/coda' }, t('staff.detail.back'))),
  );
  ctx.ready(t('staff.detail.goneTitle', { code }));
}
