import { defaultCalendar } from '@tthc/calendar';
import { AgencyDirectory, SAMPLE_AGENCY_DIRECTORY_PATH, toSubjectRecord, type SubjectRecord } from '@tthc/metrics';
import { periodsDue, periodsToCompute, publishDelayCounts, type DelayCountsRow } from './delay-counts.use-case';

const calendar = defaultCalendar();
const directory = AgencyDirectory.fromFile(SAMPLE_AGENCY_DIRECTORY_PATH);

const subject = (fields: Record<string, unknown>): SubjectRecord => toSubjectRecord({ agencyCode: 'G01.001.000', procedureCode: 'P1', phase: 'open', ...fields })!;

/** In-memory store and publisher: this test is about what one run computes, not about I/O. */
function fakes(subjects: SubjectRecord[]) {
  const stored = new Map<string, DelayCountsRow>();
  const published: DelayCountsRow[] = [];
  const windows: Array<{ openSince: Date; end: Date }> = [];
  return {
    stored,
    published,
    windows,
    store: {
      async subjectsFor(w: { openSince: Date; end: Date }) {
        windows.push(w);
        return subjects;
      },
      async replacePeriods(keys: string[], rows: DelayCountsRow[]) {
        for (const [id, row] of stored) if (keys.includes(row.periodKey)) stored.delete(id);
        for (const row of rows) stored.set(row.id, row);
      },
      async lastComputedAt() {
        return null;
      },
    },
    publisher: {
      async publish(rows: DelayCountsRow[]) {
        published.push(...rows);
      },
    },
  };
}

describe('periods of a delay-count run', () => {
  test('when a scheduled run happens mid-February, then it computes February, Q1 and 2026', () => {
    expect(periodsToCompute(new Date('2026-02-11T12:00:00+07:00'), calendar, null).map((p) => p.key)).toEqual(['2026-02', '2026-Q1', '2026']);
  });

  test('when the close run follows 31 December, then December, Q4 and 2025 are added as closed periods', () => {
    const keys = periodsToCompute(new Date('2026-01-01T00:00:03+07:00'), calendar, '2025-12').map((p) => p.key);
    expect(keys).toEqual(['2026-01', '2026-Q1', '2026', '2025-12', '2025-Q4', '2025']);
  });

  test('when the close run follows 28 February, then only February is added (Q1 is still running)', () => {
    const keys = periodsToCompute(new Date('2026-03-01T00:00:03+07:00'), calendar, '2026-02').map((p) => p.key);
    expect(keys).toEqual(['2026-03', '2026-Q1', '2026', '2026-02']);
  });
});

describe('periods due in a scheduled run', () => {
  const now = new Date('2026-12-11T12:00:00+07:00');
  const HOUR = 3_600_000;
  const storeWith = (computed: Record<string, Date>) => ({ store: { lastComputedAt: async (key: string) => computed[key] ?? null } });
  const due = (computed: Record<string, Date>, closedMonthKey: string | null = null) => periodsDue({ now, closedMonthKey, longEveryMs: HOUR }, { calendar, ...storeWith(computed) }).then((ps) => ps.map((p) => p.key));
  const ago = (ms: number) => new Date(now.getTime() - ms);

  test('when the quarter and year were computed less than the interval ago, then only the month is (its read starts at the month)', async () => {
    expect(await due({ '2026-Q4': ago(HOUR - 1), '2026': ago(HOUR - 1) })).toEqual(['2026-12']);
  });

  test('when the year is as old as the interval, then the month, quarter and year are computed', async () => {
    expect(await due({ '2026-Q4': ago(60_000), '2026': ago(HOUR) })).toEqual(['2026-12', '2026-Q4', '2026']);
  });

  test('when a new quarter has no rows yet, then it is computed with the year', async () => {
    expect(await due({ '2026': ago(60_000) })).toEqual(['2026-12', '2026-Q4', '2026']);
  });

  test('when a month closes, then its close run computes every period it closes whatever the stored rows', async () => {
    const fresh = { '2027-Q1': ago(0), '2027': ago(0) };
    const keys = await periodsDue({ now: new Date('2027-01-01T00:00:03+07:00'), closedMonthKey: '2026-12', longEveryMs: HOUR }, { calendar, ...storeWith(fresh) });
    expect(keys.map((p) => p.key)).toEqual(['2027-01', '2027-Q1', '2027', '2026-12', '2026-Q4', '2026']);
  });

  test('when only the month is due, then the run reads the subjects not closed before the month began', async () => {
    const f = fakes([]);
    const periods = await periodsDue({ now, closedMonthKey: null, longEveryMs: HOUR }, { calendar, store: { lastComputedAt: async () => ago(1) } });
    await publishDelayCounts({ periods, now }, { ...f, calendar, directory });
    expect(f.windows).toEqual([{ openSince: new Date('2026-12-01T00:00:00+07:00'), end: new Date('2027-01-01T00:00:00+07:00') }]);
  });
});

describe('one delay-count run', () => {
  const subjects = [
    subject({ code: 'A', receivedAt: '2026-01-20T09:00:00+07:00', dueAt: '2026-02-05T17:00:00+07:00' }),
    subject({ code: 'C', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-12T17:00:00+07:00', phase: 'closed', endAt: '2026-02-11T10:00:00+07:00' }),
    subject({ code: 'M', receivedAt: '2026-02-09T09:00:00+07:00', dueAt: '2026-02-20T17:00:00+07:00' }),
  ];

  test('when it runs, then one row per period × agency × procedure is stored and published with its counts', async () => {
    const f = fakes(subjects);
    const now = new Date('2026-02-11T12:00:00+07:00');
    const result = await publishDelayCounts({ periods: periodsToCompute(now, calendar, null), now }, { ...f, calendar, directory });
    expect(result).toEqual({ periods: ['2026-02', '2026-Q1', '2026'], rows: 3, subjects: 3 });
    // The window reaches from the earliest period start to the latest end.
    expect(f.windows[0]).toEqual({ openSince: new Date('2026-01-01T00:00:00+07:00'), end: new Date('2027-01-01T00:00:00+07:00') });
    const feb = f.stored.get('2026-02|G01.001.000|P1')!;
    expect(feb).toMatchObject({ periodKind: 'month', asOf: '2026-02-11T12:00:00+07:00', final: false, agencyLevel: 'province' });
    expect(feb.counts).toMatchObject({ received: 2, toHandle: 3, resolvedEarly: 1, openOverdue: 1, openWithinDeadline: 1, atRisk: 1, lateRate: 0.3333 });
    // January is in Q1 and 2026 but not in February: A counts as received there.
    expect(f.stored.get('2026-Q1|G01.001.000|P1')!.counts).toMatchObject({ received: 3, toHandle: 3 });
    expect(f.published.map((r) => r.id).sort()).toEqual([...f.stored.keys()].sort());
  });

  test('when it runs twice, then the stored rows are the same', async () => {
    const f = fakes(subjects);
    const now = new Date('2026-02-11T12:00:00+07:00');
    await publishDelayCounts({ periods: periodsToCompute(now, calendar, null), now }, { ...f, calendar, directory });
    const first = JSON.stringify([...f.stored.entries()]);
    await publishDelayCounts({ periods: periodsToCompute(now, calendar, null), now }, { ...f, calendar, directory });
    expect(JSON.stringify([...f.stored.entries()])).toBe(first);
  });
});
