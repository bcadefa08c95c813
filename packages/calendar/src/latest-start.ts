import type { Calendar, DurationUnit } from './working-time';
import { toInstantMs, type InstantInput } from './instant';

const SECOND = 1000;
const DAY = 86_400_000;

/**
 * The last instant from which `amount` `unit`s still end no later than `due`: the latest moment
 * a step that needs that lead time (an apology one working day before the appointment) can be
 * taken. docs/calendar.md ("Deadline arithmetic") defines that arithmetic forward only; its
 * answer is monotone in the start, so the start is found by bisection on `Calendar.due`, to the
 * second, and every instant this returns satisfies `due({ from: result, amount, unit }).due <= due`.
 */
export function latestStart(calendar: Calendar, request: { due: InstantInput; amount: number; unit: DurationUnit }): Date {
  const due = toInstantMs(request.due, 'due');
  if (request.amount <= 0) return new Date(due);
  const inTime = (start: number) => calendar.due({ from: start, amount: request.amount, unit: request.unit }).due.getTime() <= due;
  // Tết and weekends never stretch a working day beyond a month; the bracket widens for a calendar that does.
  let span = 31 * DAY;
  while (!inTime(due - span) && span < 400 * DAY) span *= 2;
  let lo = due - span;
  let hi = due;
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (inTime(mid)) lo = mid;
    else hi = mid;
  }
  return new Date(Math.floor(lo / SECOND) * SECOND);
}
