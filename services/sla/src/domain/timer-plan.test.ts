import { defaultCalendar } from '@tthc/calendar';
import { parseDuration, parseDurationList } from './duration';
import { addDuration, latestStartBefore, planTimers, type TimerPolicy } from './timer-plan';

// Expected instants were checked by hand with `npx tthc-calendar due --calendar
// packages/calendar/data/vn-civil-service.json --from <warning> --amount 1 --unit working-day`.
const calendar = defaultCalendar();
const d = (iso: string) => new Date(iso);
const oneDay = parseDuration('1wd')!;

describe('warning instant, computed backwards with the real calendar', () => {
  test('when the due instant is a Monday morning, then the warning is the Friday before at the same time', () => {
    expect(latestStartBefore(calendar, d('2026-03-09T10:00:00+07:00'), oneDay)).toEqual(d('2026-03-06T10:00:00+07:00'));
  });

  test('when the due instant is the first working day after Tết, then the warning is on the last working day before Tết', () => {
    expect(latestStartBefore(calendar, d('2026-02-23T10:00:00+07:00'), oneDay)).toEqual(d('2026-02-13T10:00:00+07:00'));
  });

  test('when the day before is a make-up Saturday, then the warning falls on that Saturday', () => {
    expect(latestStartBefore(calendar, d('2026-01-12T09:00:00+07:00'), oneDay)).toEqual(d('2026-01-10T09:00:00+07:00'));
  });

  test('when the due instant opens a working day, then the warning is the opening of the previous working day (one more second would end after due)', () => {
    expect(latestStartBefore(calendar, d('2026-03-09T08:00:00+07:00'), oneDay)).toEqual(d('2026-03-06T08:00:00+07:00'));
  });

  test('when the lead is in working hours, then the hours are counted back across the lunch break', () => {
    // 4 working hours before 15:00 on a Monday: 10:00 (10–12 and 13–15).
    expect(latestStartBefore(calendar, d('2026-03-09T15:00:00+07:00'), parseDuration('4wh')!)).toEqual(d('2026-03-09T10:00:00+07:00'));
  });

  test('when the lead is in plain seconds, then it is plain elapsed time (tests and demos only)', () => {
    expect(latestStartBefore(calendar, d('2026-03-07T10:00:05Z'), parseDuration('5s')!)).toEqual(d('2026-03-07T10:00:00Z'));
  });

  test('when a warning instant is found, then the calendar counts exactly the lead from it to due', () => {
    for (const due of ['2026-03-09T10:00:00+07:00', '2026-02-23T10:00:00+07:00', '2026-01-12T09:00:00+07:00', '2026-04-30T16:30:00+07:00']) {
      const w = latestStartBefore(calendar, d(due), oneDay);
      expect(calendar.due({ from: w, amount: 1, unit: 'working-day' }).due.getTime()).toBeLessThanOrEqual(d(due).getTime());
      expect(calendar.due({ from: new Date(w.getTime() + 1000), amount: 1, unit: 'working-day' }).due.getTime()).toBeGreaterThan(d(due).getTime());
    }
  });
});

describe('timer plan', () => {
  const policy: TimerPolicy = { warningLead: oneDay, escalationSteps: parseDurationList('1wd,3wd,5wd')! };

  test('when an entry warns and escalates, then warning, due and three escalation levels are planned across Tết', () => {
    const plan = planTimers({ dueAt: d('2026-02-13T14:00:00+07:00'), warn: true, escalate: true, since: d('2026-02-02T08:00:00+07:00') }, calendar, policy);
    expect(plan.map((t) => [t.stage, t.level, calendar.formatInstant(t.fireAt)])).toEqual([
      ['warning', 0, '2026-02-12T14:00:00+07:00'],
      ['due', 0, '2026-02-13T14:00:00+07:00'],
      ['escalation', 1, '2026-02-23T14:00:00+07:00'],
      ['escalation', 2, '2026-02-25T14:00:00+07:00'],
      ['escalation', 3, '2026-02-27T14:00:00+07:00'],
    ]);
  });

  test('when an entry neither warns nor escalates, then only the due timer is planned', () => {
    const plan = planTimers({ dueAt: d('2026-03-09T10:00:00+07:00'), warn: false, escalate: false, since: d('2026-03-02T08:00:00+07:00') }, calendar, policy);
    expect(plan).toEqual([{ stage: 'due', level: 0, fireAt: d('2026-03-09T10:00:00+07:00') }]);
  });

  test('when the deadline was set after its warning instant, then the warning is left out', () => {
    const plan = planTimers({ dueAt: d('2026-03-09T10:00:00+07:00'), warn: true, escalate: false, since: d('2026-03-06T10:00:01+07:00') }, calendar, policy);
    expect(plan.map((t) => t.stage)).toEqual(['due']);
  });

  test('when a deadline is learned after it passed, then its timers wait the settle time; a future one is untouched', () => {
    const settled = { ...policy, lateArrivalSettleSeconds: 5 };
    // Back-dated: due on Monday 9/3 10:00, first heard of on Tuesday 10/3 09:00.
    const late = planTimers({ dueAt: d('2026-03-09T10:00:00+07:00'), warn: true, escalate: true, since: d('2026-03-10T09:00:00+07:00') }, calendar, settled);
    expect(late.map((t) => [t.stage, t.level, t.fireAt.toISOString()])).toEqual([
      ['due', 0, '2026-03-10T02:00:05.000Z'],
      // 1 working day after due is Tue 10/3 10:00, already later than the settle time.
      ['escalation', 1, '2026-03-10T03:00:00.000Z'],
      ['escalation', 2, '2026-03-12T03:00:00.000Z'],
      ['escalation', 3, '2026-03-16T03:00:00.000Z'],
    ]);
    const future = planTimers({ dueAt: d('2026-03-09T10:00:00+07:00'), warn: false, escalate: false, since: d('2026-03-09T09:59:58+07:00') }, calendar, settled);
    expect(future).toEqual([{ stage: 'due', level: 0, fireAt: d('2026-03-09T10:00:00+07:00') }]);
  });

  test('when an escalation step is in plain seconds, then it is added without the calendar', () => {
    expect(addDuration(calendar, d('2026-03-07T10:00:00Z'), parseDuration('4s')!)).toEqual(d('2026-03-07T10:00:04Z'));
  });
});

describe('duration syntax', () => {
  test('when durations are written as <n>wd, <n>wh or <n>s, then they parse; anything else is refused', () => {
    expect(parseDuration('1wd')).toEqual({ amount: 1, unit: 'working-day', text: '1wd' });
    expect(parseDuration('2.5wh')).toEqual({ amount: 2.5, unit: 'working-hour', text: '2.5wh' });
    expect(parseDuration('3s')).toEqual({ amount: 3, unit: 'second', text: '3s' });
    for (const bad of ['', '1d', 'wd', '-1wd', '0wd', '1 wd x']) expect(parseDuration(bad)).toBeNull();
    expect(parseDurationList('1wd, 3wd,5wd')?.map((x) => x.text)).toEqual(['1wd', '3wd', '5wd']);
    expect(parseDurationList('')).toEqual([]);
    expect(parseDurationList('1wd,oops')).toBeNull();
  });
});
