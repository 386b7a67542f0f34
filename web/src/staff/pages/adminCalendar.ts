// The calendar in the administration page — working days and office hours
// (on which every take-in deadline is counted), the URP's contacts shown to
// citizens, the publication policy, the comune's holidays and closures — and
// the notifications that could not be delivered, which can be sent again.

import { h, Child } from '../../common/dom';
import { t } from '../../common/i18n';
import { api } from '../../common/api';
import { date, dateTime } from '../../common/format';
import { actionForm, checkbox, choice, field, showError, textInput, wholeNumber } from '../ui';
import type * as gen from '../../api.gen';

export type Holiday = gen.HolidayView;

export type CalendarSettings = gen.CalendarView;

export type DeadNotification = gen.DeadNotification;

export interface CalendarDeps {
  calendar: CalendarSettings;
  dead: DeadNotification[];
  flash: HTMLElement;
  /** Reloads the page's data and redraws; then says `done` (with `more`). */
  reload: (done?: string, ...more: Child[]) => Promise<void>;
}

function settingsForm(d: CalendarDeps): HTMLFormElement {
  const c = d.calendar;
  const days = [1, 2, 3, 4, 5, 6, 7].map((n) =>
    checkbox(t(`staff.admin.calendar.days.${n}`), c.working_weekdays.includes(n), { value: String(n), inline: true }),
  );
  const weekdays = h(
    'fieldset',
    { class: 'mb-3', 'data-field': 'working_weekdays' },
    h('legend', { class: 'form-label fs-6' }, t('staff.admin.calendar.weekdays')),
    days.map(([wrap]) => wrap),
  );
  const hours = textInput(c.office_hours);
  const mode = choice(
    ['working_days', 'business_hours', 'calendar'].map((m) => [m, t(`staff.admin.categories.modes.${m}`)]),
    c.deadline_mode,
  );
  const reopen = textInput(String(c.reopen_days), { type: 'number', min: '0', max: '365', inputmode: 'numeric' });
  const phone = textInput(c.urp_phone ?? '', { type: 'tel' });
  const email = textInput(c.urp_email ?? '', { type: 'email' });
  const address = textInput(c.urp_address ?? '');
  const publication = choice(
    ['immediate', 'after_review', 'never'].map((p) => [p, t(`staff.admin.categories.publication.${p}`)]),
    c.publication_policy,
  );
  return actionForm(
    'admin-calendar-settings',
    h('h3', { class: 'h5 mt-4', id: 'admin-calendar-settings' }, t('staff.admin.calendar.settings')),
    async () => {
      await api('admin/calendar', {
        method: 'PUT',
        json: {
          working_weekdays: days.filter(([, b]) => b.checked).map(([, b]) => Number(b.value)),
          office_hours: hours.value.trim(),
          deadline_mode: mode.value,
          reopen_days: wholeNumber(reopen),
          urp_phone: phone.value.trim(),
          urp_email: email.value.trim(),
          urp_address: address.value.trim(),
          publication_policy: publication.value,
        },
      });
      await d.reload(t('staff.admin.calendar.saved'));
    },
    weekdays,
    field(t('staff.admin.calendar.hours'), hours, { name: 'office_hours', hint: t('staff.admin.calendar.hoursHint') }),
    field(t('staff.admin.calendar.mode'), mode, { name: 'deadline_mode', hint: t('staff.admin.calendar.modeHint') }),
    field(t('staff.admin.calendar.reopen'), reopen, { name: 'reopen_days' }),
    field(t('staff.admin.calendar.urpPhone'), phone, { name: 'urp_phone' }),
    field(t('staff.admin.calendar.urpEmail'), email, { name: 'urp_email' }),
    field(t('staff.admin.calendar.urpAddress'), address, { name: 'urp_address' }),
    field(t('staff.admin.calendar.publication'), publication, { name: 'publication_policy' }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.calendar.save')),
  );
}

function holidaysTable(d: CalendarDeps): HTMLElement {
  const remove = async (day: Holiday) => {
    const query = day.kind === 'annual' ? { every_year: 'true' } : undefined;
    await api(`admin/holidays/${day.date}`, { method: 'DELETE', query });
    await d.reload(t('staff.admin.calendar.removed', { name: day.name }));
  };
  return h(
    'div',
    { class: 'table-responsive staff-table-wrap' },
    h(
      'table',
      { class: 'table staff-table' },
      h('caption', {}, t('staff.admin.calendar.caption')),
      h('thead', {}, h('tr', {}, ['date', 'name', 'kind', 'actions'].map((c) => h('th', { scope: 'col' }, t(`staff.admin.calendar.col.${c}`))))),
      h(
        'tbody',
        {},
        d.calendar.holidays.map((day) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, date(day.date)),
            h('td', {}, day.name),
            h('td', {}, t(`staff.admin.calendar.kinds.${day.kind}`)),
            h(
              'td',
              {},
              day.kind === 'national'
                ? '—'
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-sm btn-outline-danger',
                      onclick: () => remove(day).catch((e) => showError(d.flash, e)),
                    },
                    t('staff.admin.calendar.remove', { name: day.name, date: date(day.date) }),
                  ),
            ),
          ),
        ),
      ),
    ),
  );
}

function holidayForm(d: CalendarDeps): HTMLFormElement {
  const day = textInput('', { type: 'date' });
  const name = textInput();
  const kind = choice(
    ['closure', 'annual', 'reopened'].map((k) => [k, t(`staff.admin.calendar.newKinds.${k}`)]),
    'closure',
  );
  return actionForm(
    'admin-new-holiday',
    h('h3', { class: 'h5 mt-4', id: 'admin-new-holiday' }, t('staff.admin.calendar.new')),
    async (form) => {
      await api('admin/holidays', {
        method: 'POST',
        json: { date: day.value, name: name.value.trim(), every_year: kind.value === 'annual', reopened: kind.value === 'reopened' },
      });
      const done = t('staff.admin.calendar.added', { name: name.value.trim() });
      form.reset();
      await d.reload(done);
    },
    field(t('staff.admin.calendar.date'), day, { name: 'date', required: true }),
    field(t('staff.admin.calendar.name'), name, { name: 'name', required: true, hint: t('staff.admin.calendar.nameHint') }),
    field(t('staff.admin.calendar.kind'), kind, { name: 'every_year' }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.admin.calendar.add')),
  );
}

function deadLetters(d: CalendarDeps): HTMLElement[] {
  const retry = async (n: DeadNotification) => {
    await api(`admin/outbox/${encodeURIComponent(n.id)}/retry`, { method: 'POST' });
    await d.reload(t('staff.admin.dead.retried'));
  };
  return [
    h('h3', { class: 'h5 mt-4', id: 'admin-dead' }, t('staff.admin.dead.title')),
    d.dead.length
      ? h(
          'div',
          { class: 'table-responsive staff-table-wrap' },
          h(
            'table',
            { class: 'table staff-table' },
            h('caption', {}, t('staff.admin.dead.caption')),
            h('thead', {}, h('tr', {}, ['at', 'kind', 'attempts', 'error', 'actions'].map((c) => h('th', { scope: 'col' }, t(`staff.admin.dead.col.${c}`))))),
            h(
              'tbody',
              {},
              d.dead.map((n) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, dateTime(n.created_at)),
                  h('td', {}, t(`staff.admin.dead.kinds.${n.kind}`)),
                  h('td', {}, String(n.attempts)),
                  h('td', {}, n.last_error ?? '—'),
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      { type: 'button', class: 'btn btn-sm btn-outline-primary', onclick: () => retry(n).catch((e) => showError(d.flash, e)) },
                      t('staff.admin.dead.retry', { at: dateTime(n.created_at) }),
                    ),
                  ),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'staff-empty' }, t('staff.admin.dead.empty')),
  ];
}

/** The calendar section: settings, holidays, and the undelivered notifications. */
export function calendarSection(d: CalendarDeps): HTMLElement[] {
  return [
    h('h2', { class: 'h4', id: 'admin-calendar' }, t('staff.admin.calendar.title')),
    settingsForm(d),
    holidaysTable(d),
    holidayForm(d),
    ...deadLetters(d),
  ];
}
