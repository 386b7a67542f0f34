// A paged list of reports (the queue, the supervisor's inboxes): first page,
// "show more", and the quiet refresh every few minutes, which keeps the pages
// already loaded, the focus, and (when it fails) the table already shown.

import { h, replace, announce } from '../common/dom';
import { t } from '../common/i18n';
import type { PageCtx } from './main';
import { errorText, loading, showError } from './ui';
import type { QueueItem } from './types';

const PAGE = 50;

/** A page of anything listed by report code. */
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface PagedList<T extends { code: string } = QueueItem> {
  items: T[];
  next: string | null;
  /** Shown above the results when a quiet refresh fails. */
  notice: HTMLElement;
  /** The first page, after a filter change (earlier answers are ignored). */
  load(): Promise<void>;
  /** The next page, appended; focus goes to the first new row. */
  more(): Promise<void>;
  /** The same number of items again, quietly. */
  refresh(): Promise<void>;
}

export function pagedList<T extends { code: string } = QueueItem>(opts: {
  ctx: PageCtx;
  fetch: (cursor: string | undefined, limit: number) => Promise<Page<T>>;
  results: HTMLElement;
  errors: HTMLElement;
  draw: () => void;
}): PagedList<T> {
  const { ctx, results, errors } = opts;
  // Each request takes a number; an answer that is not the latest one
  // (the filters changed meanwhile) is dropped.
  let generation = 0;
  let inFlight = 0;
  const notice = h('p', { class: 'staff-notice small', role: 'status', 'data-testid': 'refresh-notice' });
  notice.hidden = true;

  const run = async <T>(work: () => Promise<T>): Promise<{ value: T; gen: number } | { error: unknown; gen: number } | null> => {
    const gen = ++generation;
    inFlight += 1;
    try {
      const value = await work();
      return ctx.alive() && gen === generation ? { value, gen } : null;
    } catch (error) {
      return ctx.alive() && gen === generation ? { error, gen } : null;
    } finally {
      inFlight -= 1;
    }
  };

  const list: PagedList<T> = {
    items: [],
    next: null,
    notice,
    async load() {
      replace(results, loading());
      const r = await run(() => opts.fetch(undefined, PAGE));
      if (!r) return;
      if ('error' in r) {
        replace(results);
        showError(errors, r.error);
        return;
      }
      list.items = r.value.items;
      list.next = r.value.next_cursor ?? null;
      notice.hidden = true;
      showError(errors, null);
      opts.draw();
      announce(t('staff.queue.count', { n: list.items.length }));
    },
    async more() {
      if (!list.next) return;
      const cursor = list.next;
      const r = await run(() => opts.fetch(cursor, PAGE));
      if (!r) return;
      if ('error' in r) {
        showError(errors, r.error);
        errors.focus();
        return;
      }
      const first = r.value.items[0]?.code;
      list.items = list.items.concat(r.value.items);
      list.next = r.value.next_cursor ?? null;
      opts.draw();
      announce(t('staff.queue.moreLoaded', { n: r.value.items.length, total: list.items.length }));
      if (first) results.querySelector<HTMLElement>(`tr[data-code="${CSS.escape(first)}"] a.report-link`)?.focus();
    },
    async refresh() {
      // Someone is loading already (a filter, "show more"): that answer is newer.
      if (inFlight > 0) return;
      const want = Math.max(list.items.length, 1);
      const r = await run(async () => {
        let items: T[] = [];
        let cursor: string | undefined;
        let next: string | null = null;
        do {
          const page = await opts.fetch(cursor, PAGE);
          items = items.concat(page.items);
          next = page.next_cursor ?? null;
          cursor = next ?? undefined;
        } while (next && items.length < want);
        return { items, next };
      });
      if (!r) return;
      if ('error' in r) {
        // Keep what is shown; say that it may be old.
        notice.hidden = false;
        notice.textContent = t('staff.queue.refreshFailed', { reason: errorText(r.error) });
        return;
      }
      notice.hidden = true;
      // Put the focus back where it was: on the same report, or "show more".
      const active = document.activeElement;
      const focusedCode = results.contains(active) ? active?.closest('tr')?.getAttribute('data-code') : null;
      const focusedMore = results.contains(active) && active?.classList.contains('staff-more');
      list.items = r.value.items;
      list.next = r.value.next;
      opts.draw();
      if (focusedCode) results.querySelector<HTMLElement>(`tr[data-code="${CSS.escape(focusedCode)}"] a.report-link`)?.focus();
      else if (focusedMore) results.querySelector<HTMLElement>('.staff-more')?.focus();
    },
  };
  return list;
}

/** The "show more" button under a paged table. */
export function moreButton<T extends { code: string }>(list: PagedList<T>): HTMLElement | null {
  if (!list.next) return null;
  const btn: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-outline-primary staff-more',
      onclick: async () => {
        btn.disabled = true;
        btn.textContent = t('common.loading');
        await list.more();
        if (btn.isConnected) {
          btn.disabled = false;
          btn.textContent = t('staff.queue.more');
        }
      },
    },
    t('staff.queue.more'),
  );
  return btn;
}
