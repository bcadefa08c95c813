import type { Calendar } from '@tthc/calendar';

/**
 * How long a recipient has to acknowledge before the next level is told. Working days (`wd`)
 * and working hours (`wh`) are counted on the recipient's calendar; plain seconds (`s`) exist
 * for tests and demonstrations.
 */
export type AckWindow = { amount: number; unit: 'working-day' | 'working-hour' | 'second' };

export const ACK_WINDOW_PATTERN = /^(\d+(?:\.\d+)?)(wd|wh|s)$/;

export function parseAckWindow(text: string): AckWindow | null {
  const m = ACK_WINDOW_PATTERN.exec(text.trim());
  if (!m) return null;
  const amount = Number(m[1]);
  if (!Number.isFinite(amount) || amount <= 0) return null;
  const unit = m[2] === 'wd' ? 'working-day' : m[2] === 'wh' ? 'working-hour' : 'second';
  return { amount, unit };
}

export function ackDeadline(from: Date, window: AckWindow, calendar: Calendar): Date {
  if (window.unit === 'second') return new Date(from.getTime() + window.amount * 1000);
  return calendar.due({ from, amount: window.amount, unit: window.unit }).due;
}
