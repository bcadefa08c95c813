import { loadDefaultCalendar } from './calendar-files';
import { latestStart } from './latest-start';

const calendar = loadDefaultCalendar();
const vn = (local: string) => `${local}+07:00`;

describe('latestStart', () => {
  test('when one working day must end by Thursday 17:00, then the latest start is Thursday 08:00 and starting a second later is too late', () => {
    const start = latestStart(calendar, { due: vn('2026-03-05T17:00:00'), amount: 1, unit: 'working-day' });
    expect(calendar.formatInstant(start)).toBe(vn('2026-03-05T08:00:00'));
    expect(calendar.due({ from: start, amount: 1, unit: 'working-day' }).due.getTime()).toBeLessThanOrEqual(Date.parse(vn('2026-03-05T17:00:00')));
    expect(calendar.due({ from: start.getTime() + 1000, amount: 1, unit: 'working-day' }).due.getTime()).toBeGreaterThan(Date.parse(vn('2026-03-05T17:00:00')));
  });

  test('when the lead time spans the Tết holidays, then the latest start lies before them', () => {
    // Monday 23 February 2026 12:00 is the first working morning after Tết Bính Ngọ (16–20 February) and the weekend.
    const start = latestStart(calendar, { due: vn('2026-02-23T12:00:00'), amount: 1, unit: 'working-day' });
    expect(calendar.formatInstant(start)).toBe(vn('2026-02-13T13:00:00'));
  });

  test('when no lead time is needed, then the latest start is the due instant itself', () => {
    expect(latestStart(calendar, { due: vn('2026-03-05T17:00:00'), amount: 0, unit: 'working-day' }).toISOString()).toBe('2026-03-05T10:00:00.000Z');
  });
});
