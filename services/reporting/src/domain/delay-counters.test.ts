import fc from 'fast-check';
import { defaultCalendar } from '@tthc/calendar';
import { AgencyDirectory, SAMPLE_AGENCY_DIRECTORY_PATH, countByAgencyAndProcedure, parsePeriod, type CountRow, type SubjectRecord } from '@tthc/metrics';
import { AGENCIES, atRiskOf, memoryCounterStore, perAgency, perProcedure, PERIODS, subjectHistory } from '../../test/subject-history';
import { countSubjects, recoverPending, type DelayCounterStore } from './count-subjects.use-case';
import { agencyCountsFromRollUp, atRiskFromRollUp, counterDocIds, countsFromCounters, procedureCountsFromCounters, procedureDocIds, procedurePlan, rollUpDocIds, splitCounterKey } from './delay-counters';

const calendar = defaultCalendar();
const directory = AgencyDirectory.fromFile(SAMPLE_AGENCY_DIRECTORY_PATH);

const sorted = (rows: CountRow[]) => [...rows].sort((a, b) => `${a.agencyCode}|${a.procedureCode}`.localeCompare(`${b.agencyCode}|${b.procedureCode}`));

describe('delay counters kept as subjects change', () => {
  test('when revisions arrive late, out of order and twice, then every period counts exactly what a recount of the final states gives', async () => {
    await fc.assert(
      fc.asyncProperty(subjectHistory(25), fc.integer({ min: 1, max: 6 }), async ({ now, finals, deliveries }, batch) => {
        const store = memoryCounterStore();
        // Some deliveries come one by one, others in lanes, as the consumer fetches them.
        for (let i = 0; i < deliveries.length; i += batch) await countSubjects(deliveries.slice(i, i + batch), store, calendar);
        const agencies = await store.agencies();
        const periods = PERIODS.map((k) => parsePeriod(k, calendar));
        const docs = await store.read(counterDocIds(agencies, periods, now, calendar));
        const rolled = await store.read(rollUpDocIds(agencies, periods, now, calendar, { atRisk: true }));
        for (const period of periods) {
          const opts = { calendar, directory, now };
          const recount = countByAgencyAndProcedure(finals, period, opts);
          expect(sorted(countsFromCounters(docs, agencies, period, opts))).toEqual(sorted(recount));
          // The province roll-up is the same counts summed per agency, and its at-risk
          // breakdown the recount's per agency × procedure.
          expect(perAgency(agencyCountsFromRollUp(rolled, agencies, period, opts))).toEqual(perAgency(recount));
          expect(atRiskOf(atRiskFromRollUp(rolled, agencies, period, opts))).toEqual(atRiskOf(recount));
          // A read for one procedure takes only its counters of each document, and counts the same.
          for (const procedure of ['1.001', 'P$2']) {
            const only = await store.read(counterDocIds(agencies, [period], now, calendar), { procedure });
            expect(sorted(countsFromCounters(only, agencies, period, opts))).toEqual(sorted(recount.filter((r) => r.procedureCode === procedure)));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  test('when a key reads all, most, half or none of a province, then the counts per procedure read from the province documents (less the agencies it does not read) are the recount of the agencies it reads', async () => {
    const known = AGENCIES.map((a) => a ?? '');
    let whole = 0;
    let subtracted = 0;
    await fc.assert(
      fc.asyncProperty(subjectHistory(25), fc.subarray(known), fc.boolean(), async ({ now, finals, deliveries }, readable, filtered) => {
        const store = memoryCounterStore();
        await countSubjects(deliveries, store, calendar);
        const all = await store.agencies();
        const counted = all.filter((a) => readable.includes(a));
        // A key's filter works on the effective agency: some raw agencies it counts stay out.
        const agencyFilter = filtered ? (code: string) => code !== 'G01.002.000' : undefined;
        for (const key of PERIODS) {
          const period = parsePeriod(key, calendar);
          const opts = { calendar, directory, now, ...(agencyFilter ? { agencyFilter } : {}) };
          const plan = procedurePlan(all, counted, period, opts);
          whole += plan.whole.length;
          subtracted += plan.whole.reduce((n, w) => n + w.minus.length, 0);
          const rows = procedureCountsFromCounters(await store.read(procedureDocIds(plan, period, now, calendar)), plan, period, opts);
          const recount = countByAgencyAndProcedure(finals.filter((r) => counted.includes(r.agencyCode ?? '')), period, opts);
          expect({ key, rows: perProcedure(rows) }).toEqual({ key, rows: perProcedure(recount) });
        }
      }),
      { numRuns: 150 },
    );
    // Both ways of reading a province were taken.
    expect(whole).toBeGreaterThan(0);
    expect(subtracted).toBeGreaterThan(0);
  });

  test('when a batch dies between its claims and its counters (half its documents written) and later revisions are counted over it, then the recovery brings every period back to the recount', async () => {
    await fc.assert(
      fc.asyncProperty(subjectHistory(25), fc.integer({ min: 1, max: 6 }), fc.nat(), async ({ now, finals, deliveries }, batch, crashAt) => {
        const store = memoryCounterStore();
        const crashBatch = crashAt % Math.ceil(deliveries.length / batch);
        let batches = 0;
        const crashing: DelayCounterStore = {
          ...store,
          async apply(delta, agencies, token) {
            if (batches++ !== crashBatch) return store.apply(delta, agencies, token);
            const docs = [...new Set([...delta.keys()].map((k) => splitCounterKey(k).doc))];
            const half = new Set(docs.slice(0, Math.ceil(docs.length / 2)));
            await store.apply(new Map([...delta].filter(([k]) => half.has(splitCounterKey(k).doc))), agencies, token);
            throw new Error('the process died');
          },
        };
        for (let i = 0; i < deliveries.length; i += batch) await countSubjects(deliveries.slice(i, i + batch), crashing, calendar).catch(() => undefined);
        // The crashed batch's subjects are counted again by their redelivery.
        for (let i = 0; i < deliveries.length; i += batch) await countSubjects(deliveries.slice(i, i + batch), store, calendar);
        await recoverPending(store, new Date(Date.now() + 60_000));
        expect(await store.pendingParts(new Date(Date.now() + 60_000))).toEqual([]);
        const agencies = await store.agencies();
        const periods = PERIODS.map((k) => parsePeriod(k, calendar));
        const docs = await store.read([...counterDocIds(agencies, periods, now, calendar), ...rollUpDocIds(agencies, periods, now, calendar, { atRisk: true })]);
        for (const period of periods) {
          const opts = { calendar, directory, now };
          const recount = countByAgencyAndProcedure(finals, period, opts);
          expect(sorted(countsFromCounters(docs, agencies, period, opts))).toEqual(sorted(recount));
          expect(perAgency(agencyCountsFromRollUp(docs, agencies, period, opts))).toEqual(perAgency(recount));
        }
      }),
      { numRuns: 100 },
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

  test('when a subject removed without reception is received again from revision 1, then the new one is counted', async () => {
    const store = memoryCounterStore();
    const record: SubjectRecord = { code: 'Y', subject: 'dossier', agencyCode: 'G01.001.000', procedureCode: 'P1', phase: 'awaiting-reception', statusCode: null, receivedAt: null, dueAt: null, endAt: null, timeliness: null, overdue: false, atRisk: false, paused: false, apologies: [], steps: [], lateAgencies: [] };
    await countSubjects([{ revision: 4, incarnation: '2026-02-01T00:00:00.000Z', record }], store, calendar);
    const received = { ...record, phase: 'open' as const, receivedAt: Date.parse('2026-02-10T09:00:00+07:00'), dueAt: Date.parse('2026-02-20T17:00:00+07:00') };
    expect(await countSubjects([{ revision: 1, incarnation: '2026-02-10T02:00:00.000Z', record: received }], store, calendar)).toMatchObject({ counted: 1, stale: 0 });
    const period = parsePeriod('2026-02', calendar);
    const now = Date.parse('2026-02-12T00:00:00+07:00');
    const agencies = await store.agencies();
    const rows = countsFromCounters(await store.read(counterDocIds(agencies, [period], now, calendar)), agencies, period, { calendar, directory, now });
    expect(rows).toEqual([expect.objectContaining({ agencyCode: 'G01.001.000', procedureCode: 'P1', received: 1, toHandle: 1, openWithinDeadline: 1 })]);
  });
});
