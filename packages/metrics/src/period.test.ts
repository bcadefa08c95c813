import { defaultCalendar } from '@tthc/calendar';
import { monthsEndingAt, parsePeriod, periodContaining, PeriodKeyError } from './period';

const cal = defaultCalendar();

describe('reporting periods in the calendar zone', () => {
  test('when a month, quarter or year key is parsed, then its bounds are local midnights with the zone offset', () => {
    expect(parsePeriod('2026-02', cal)).toEqual({ key: '2026-02', kind: 'month', start: '2026-02-01T00:00:00+07:00', end: '2026-03-01T00:00:00+07:00', zone: 'Asia/Ho_Chi_Minh' });
    expect(parsePeriod('2026-Q4', cal)).toMatchObject({ kind: 'quarter', start: '2026-10-01T00:00:00+07:00', end: '2027-01-01T00:00:00+07:00' });
    expect(parsePeriod('2025', cal)).toMatchObject({ kind: 'year', start: '2025-01-01T00:00:00+07:00', end: '2026-01-01T00:00:00+07:00' });
  });

  test('when an instant is after local midnight but still the previous day in UTC, then it belongs to the local month', () => {
    // 2026-01-31T17:30Z is 00:30 on 1 February in Hà Nội.
    expect(periodContaining('2026-01-31T17:30:00Z', 'month', cal).key).toBe('2026-02');
    expect(periodContaining('2026-01-31T16:59:59Z', 'month', cal).key).toBe('2026-01');
    expect(periodContaining('2026-03-31T17:00:00Z', 'quarter', cal).key).toBe('2026-Q2');
  });

  test('when twelve months are asked up to January, then they run back across the year', () => {
    const keys = monthsEndingAt('2026-01-15T10:00:00+07:00', 3, cal).map((p) => p.key);
    expect(keys).toEqual(['2025-11', '2025-12', '2026-01']);
  });

  test('when a key is malformed, then a period key error names the accepted forms', () => {
    for (const bad of ['2026-13', '2026-Q5', '26-01', 'last-month']) expect(() => parsePeriod(bad, cal)).toThrow(PeriodKeyError);
  });
});
