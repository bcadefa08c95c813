import type { DurationUnit } from '@tthc/calendar';

/**
 * A timer lead or escalation step from configuration. `second` is plain elapsed time that
 * ignores the calendar: it exists for tests and demos, never for legal deadlines.
 */
export interface SlaDuration {
  amount: number;
  unit: Extract<DurationUnit, 'working-day' | 'working-hour'> | 'second';
  /** As written in the configuration, for messages. */
  text: string;
}

const PATTERN = /^(\d+(?:\.\d+)?)(wd|wh|s)$/;
const UNITS = { wd: 'working-day', wh: 'working-hour', s: 'second' } as const;

/** `<n>wd` (working days), `<n>wh` (working hours), `<n>s` (plain seconds); null when malformed. */
export function parseDuration(text: string): SlaDuration | null {
  const m = PATTERN.exec(text.trim());
  if (!m) return null;
  const amount = Number(m[1]);
  const unit = UNITS[m[2] as keyof typeof UNITS];
  // A zero lead would make the warning coincide with the due alert.
  if (!Number.isFinite(amount) || amount <= 0) return null;
  return { amount, unit, text: text.trim() };
}

/** Comma-separated durations; an empty list is allowed (no escalation). Null when any is malformed. */
export function parseDurationList(text: string): SlaDuration[] | null {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  const out: SlaDuration[] = [];
  for (const p of parts) {
    const d = parseDuration(p);
    if (!d) return null;
    out.push(d);
  }
  return out;
}

/** Human wording, e.g. "1 working day(s)" / "1 ngày làm việc". */
export function describeDuration(d: SlaDuration): { en: string; vi: string } {
  if (d.unit === 'working-day') return { en: `${d.amount} working day(s)`, vi: `${d.amount} ngày làm việc` };
  if (d.unit === 'working-hour') return { en: `${d.amount} working hour(s)`, vi: `${d.amount} giờ làm việc` };
  return { en: `${d.amount} second(s)`, vi: `${d.amount} giây` };
}
