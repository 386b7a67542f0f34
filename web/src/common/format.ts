// Dates and numbers in the user's language, always in Italy's time.

import { lang, t } from './i18n';

const TZ = 'Europe/Rome';

function locale(): string {
  return lang() === 'en' ? 'en-GB' : 'it-IT';
}

/** "27 novembre 2026, 10:30". */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeStyle: 'short', timeZone: TZ }).format(new Date(iso));
}

/** "27 novembre 2026". */
export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: TZ }).format(new Date(iso));
}

export function number(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

/** "tra 3 h 20 min" / "scaduto da 2 h" for a deadline, relative to `now`. */
export function countdown(iso: string, now: Date = new Date()): { text: string; overdue: boolean } {
  const ms = new Date(iso).getTime() - now.getTime();
  const overdue = ms < 0;
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = [];
  if (days) parts.push(t('common.time.days', { n: days }));
  if (hours) parts.push(t('common.time.hours', { n: hours }));
  if (!days) parts.push(t('common.time.minutes', { n: mins }));
  const span = parts.join(' ');
  return { text: overdue ? t('common.time.overdueBy', { span }) : t('common.time.dueIn', { span }), overdue };
}

/** Status code → label (common.status.<code>). */
export function status(code: string): string {
  return t(`common.status.${code}`);
}

/** "79 byte", "850 kB", "1,6 MB": file sizes, with the units as the language
 * writes them. */
export function fileSize(bytes: number): string {
  const [value, unit, digits] =
    bytes < 1024 ? [bytes, 'byte', 0] : bytes < 1024 * 1024 ? [bytes / 1024, 'kilobyte', 0] : [bytes / 1024 / 1024, 'megabyte', 1];
  return new Intl.NumberFormat(locale(), {
    style: 'unit',
    unit: unit as string,
    unitDisplay: 'short',
    maximumFractionDigits: digits as number,
  }).format(value as number);
}
