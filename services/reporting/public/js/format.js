// Numbers and dates in the reader's language (vi-VN or en-GB); instants in Vietnam time, where
// the one-stop units work, whatever the browser's zone.
import { locale } from './i18n.js';

const ZONE = 'Asia/Ho_Chi_Minh';

export function num(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '–';
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(Number(value));
}

/** Rates arrive as fractions (0.25 = 25 %). */
export function pct(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '–';
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(Number(value));
}

export function dateTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'short', timeZone: ZONE }).format(d);
}

export function date(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeZone: ZONE }).format(d);
}

/** '2026-03' → 'thg 3 2026' / 'Mar 2026'. */
export function month(period) {
  const m = /^(\d{4})-(\d{2})$/.exec(period ?? '');
  if (!m) return String(period ?? '');
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 15));
  return new Intl.DateTimeFormat(locale(), { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
}

/** '2026-03' → '3/26' / '03/26': twelve of them fit under a chart. */
export function shortMonth(period) {
  const m = /^(\d{4})-(\d{2})$/.exec(period ?? '');
  if (!m) return String(period ?? '');
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 15));
  return new Intl.DateTimeFormat(locale(), { month: 'numeric', year: '2-digit', timeZone: 'UTC' }).format(d);
}

/** The current month in Vietnam time, as the API's period key. */
export function currentPeriod(now = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', timeZone: ZONE }).formatToParts(now);
  const y = parts.find((p) => p.type === 'year')?.value;
  const m = parts.find((p) => p.type === 'month')?.value;
  return `${y}-${m}`;
}

export const PERIOD_PATTERN = /^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$/;
