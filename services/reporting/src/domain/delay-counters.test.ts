import fc from 'fast-check';
import { defaultCalendar } from '@tthc/calendar';
import { AgencyDirectory, SAMPLE_AGENCY_DIRECTORY_PATH, countByAgencyAndProcedure, parsePeriod, type CountRow, type SubjectRecord } from '@tthc/metrics';
import { countSubjects, type DelayCounterStore, type StoredContribution } from './count-subjects.use-case';
import { counterDocIds, countsFromCounters, splitCounterKey, type CounterDocument } from './delay-counters';

const calendar = defaultCalendar();
const directory = AgencyDirectory.fromFile(SAMPLE_AGENCY_DIRECTORY_PATH);

/** The counters in memory: what the MongoDB store keeps, for checking the arithmetic alone. */
export function memoryCounterStore(): DelayCounterStore & { docs: Map<string, CounterDocument> } {
  const docs = new Map<string, CounterDocument>();
  const contributions = new Map<string, StoredContribution>();
  const agencies = new Set<string>();
  let version = 0;
  return {
    docs,
    async contributions(codes) {
      return new Map(codes.flatMap((c) => (contributions.has(c) ? [[c, contributions.get(c)!] as const] : [])));
    },
    async claim(claims) {
      const won = new Set<string>();
      for (const c of claims) {
        if ((contributions.get(c.code)?.revision ?? null) !== c.from) continue;
        contributions.set(c.code, { revision: c.revision, contribution: c.contribution, pending: true });
        won.add(c.code);
      }
      return won;
    },
    async apply(delta, codes) {
      for (const [k, n] of delta) {
        const { doc, path } = splitCounterKey(k);
        const parts = path.split('.');
        let node = (docs.get(doc) ?? docs.set(doc, {}).get(doc)!) as Record<string, unknown>;
        for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
        const leaf = parts[parts.length - 1]!;
        node[leaf] = ((node[leaf] as number | undefined) ?? 0) + n;
      }
      for (const a of codes) agencies.add(a);
      version += 1;
    },
    async settle(claims) {
      for (const c of claims) contributions.get(c.code)!.pending = false;
    },
    async read(ids) {
      return new Map(ids.flatMap((id) => (docs.has(id) ? [[id, docs.get(id)!] as const] : [])));
    },
    async agencies() {
      return [...agencies];
    },
    async version() {
      return version;
    },
  };
}

const DAY = 86_400_000;
const FROM = Date.parse('2025-04-01T00:00:00+07:00');
const SPAN_DAYS = 420;
/** Agencies of the sample directory, a pre-July-2025 district (counts under its successor) and none. */
const AGENCIES = ['G01.001.000', 'G01.002.000', 'G01.101.000', 'G01.901.000', 'G02.001.000', null];
const PROCEDURES = ['1.001', 'P$2', null];
const PERIODS = ['2025-05', '2025-06', '2025-07', '2025-Q2', '2025-Q3', '2025', '2025-12', '2026-01', '2026-Q1', '2026-02', '2026-03', '2026', '2026-05'];

const instant = (maxDays: number) => fc.integer({ min: 0, max: maxDays * 24 }).map((h) => FROM + h * 3_600_000);

/** One stored state of a subject; `now` decides which instants may already have happened. */
const state = (code: string, now: number) =>
  fc
    .record({
      subject: fc.constantFrom('dossier' as const, 'dossier' as const, 'petition' as const),
      agencyCode: fc.constantFrom(...AGENCIES),
      procedureCode: fc.constantFrom(...PROCEDURES),
      phase: fc.constantFrom('awaiting-reception' as const, 'open' as const, 'open' as const, 'closed' as const, 'closed' as const),
      receivedAt: instant(SPAN_DAYS),
      dueIn: fc.option(fc.integer({ min: 0, max: 90 * 24 }), { nil: null }),
      endIn: fc.integer({ min: 0, max: 120 * 24 }),
      timeliness: fc.constantFrom(null, null, 'early' as const, 'on-time' as const, 'late' as const),
      atRisk: fc.boolean(),
      paused: fc.boolean(),
      apologies: fc.array(instant(SPAN_DAYS), { maxLength: 2 }),
    })
    .map((s): SubjectRecord => {
      const receivedAt = Math.min(s.receivedAt, now - DAY);
      const dueAt = s.dueIn === null ? null : receivedAt + s.dueIn * 3_600_000;
      const endAt = s.phase === 'closed' ? Math.min(receivedAt + s.endIn * 3_600_000, now - 1) : null;
      const open = endAt === null;
      return {
        code,
        subject: s.subject,
        agencyCode: s.agencyCode,
        procedureCode: s.procedureCode,
        phase: s.phase,
        statusCode: null,
        receivedAt: s.phase === 'awaiting-reception' ? null : receivedAt,
        dueAt,
        endAt,
        timeliness: s.timeliness,
        // Workflow stores the overdue alert sla raises at the due instant.
        overdue: open && dueAt !== null && dueAt < now,
        atRisk: open && s.atRisk,
        paused: open && s.paused,
        apologies: s.apologies.filter((t) => t < now),
        steps: [],
        lateAgencies: [],
      };
    });

/** Subjects, each with up to four stored states (revisions), delivered shuffled with duplicates. */
const history = fc.integer({ min: FROM + 60 * DAY, max: FROM + (SPAN_DAYS + 30) * DAY }).chain((now) =>
  fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 25 })
    .chain((revisions) => fc.tuple(...revisions.map((n, i) => fc.array(state(`S${i}`, now), { minLength: n, maxLength: n }))))
    .chain((states) => {
      const deliveries = states.flatMap((revs) => revs.map((record, r) => ({ revision: r + 1, record })));
      return fc.tuple(fc.constant(states), fc.shuffledSubarray([...deliveries, ...deliveries], { minLength: deliveries.length * 2 }));
    })
    .map(([states, deliveries]) => ({ now, finals: states.map((revs) => revs[revs.length - 1]!), deliveries })),
);

const sorted = (rows: CountRow[]) => [...rows].sort((a, b) => `${a.agencyCode}|${a.procedureCode}`.localeCompare(`${b.agencyCode}|${b.procedureCode}`));

describe('delay counters kept as subjects change', () => {
  test('when revisions arrive late, out of order and twice, then every period counts exactly what a recount of the final states gives', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.integer({ min: 1, max: 6 }), async ({ now, finals, deliveries }, batch) => {
        const store = memoryCounterStore();
        // Some deliveries come one by one, others in lanes, as the consumer fetches them.
        for (let i = 0; i < deliveries.length; i += batch) await countSubjects(deliveries.slice(i, i + batch), store, calendar);
        const agencies = await store.agencies();
        const periods = PERIODS.map((k) => parsePeriod(k, calendar));
        const docs = await store.read(counterDocIds(agencies, periods, now, calendar));
        for (const period of periods) {
          const opts = { calendar, directory, now };
          expect(sorted(countsFromCounters(docs, agencies, period, opts))).toEqual(sorted(countByAgencyAndProcedure(finals, period, opts)));
        }
      }),
      { numRuns: 150 },
    );
  });

  test('when the same revision is counted again, then no counter moves and the version stays', async () => {
    const store = memoryCounterStore();
    const record: SubjectRecord = { code: 'X', subject: 'dossier', agencyCode: 'G01.001.000', procedureCode: 'P1', phase: 'open', statusCode: 4, receivedAt: Date.parse('2026-02-02T09:00:00+07:00'), dueAt: Date.parse('2026-03-20T17:00:00+07:00'), endAt: null, timeliness: null, overdue: false, atRisk: false, paused: false, apologies: [], steps: [], lateAgencies: [] };
    expect(await countSubjects([{ revision: 2, record }], store, calendar)).toMatchObject({ counted: 1, stale: 0 });
    const before = JSON.stringify([...store.docs]);
    const version = await store.version();
    expect(await countSubjects([{ revision: 2, record }, { revision: 1, record: { ...record, agencyCode: 'G01.002.000' } }], store, calendar)).toMatchObject({ counted: 0, stale: 1 });
    expect(JSON.stringify([...store.docs])).toBe(before);
    expect(await store.version()).toBe(version);
  });
});
