import fc from 'fast-check';
import { defaultCalendar } from '@tthc/calendar';
import { DOSSIER_STATE_CHANGED_V1 } from '@tthc/contracts';
import { AgencyDirectory, SAMPLE_AGENCY_DIRECTORY_PATH, countByAgencyAndProcedure, parsePeriod, type CountRow } from '@tthc/metrics';
import { PoisonMessageError, type ConsumedMessage } from '@tthc/platform';
import { memoryCounterStore, PERIODS, subjectHistory } from '../../../test/subject-history';
import type { CountedSubject } from '../../domain/count-subjects.use-case';
import { counterDocIds, countsFromCounters } from '../../domain/delay-counters';
import { subjectStateHandler } from './subject-state.consumer';

const calendar = defaultCalendar();
const directory = AgencyDirectory.fromFile(SAMPLE_AGENCY_DIRECTORY_PATH);
const logger = { warn: () => undefined };
const sorted = (rows: CountRow[]) => [...rows].sort((a, b) => `${a.agencyCode}|${a.procedureCode}`.localeCompare(`${b.agencyCode}|${b.procedureCode}`));

/** A state snapshot as workflow publishes it; only its code and revision are read. */
function snapshot(code: string, revision: number): ConsumedMessage {
  const event = { specversion: '1.0', id: `${code}@${revision}`, source: 'urn:test:workflow', type: DOSSIER_STATE_CHANGED_V1, time: new Date().toISOString(), data: { dossierCode: code, revision } };
  return { topic: 'state', partition: 0, message: { key: Buffer.from(code), value: Buffer.from(JSON.stringify(event)), offset: '0', timestamp: '0', attributes: 0, headers: {} } as ConsumedMessage['message'] };
}

/** The consumer's lanes: one per subject, its snapshots in delivery order. */
function lanesOf(deliveries: ReadonlyArray<{ revision: number; record: { code: string } }>): ConsumedMessage[][] {
  const lanes = new Map<string, ConsumedMessage[]>();
  for (const d of deliveries) lanes.set(d.record.code, [...(lanes.get(d.record.code) ?? []), snapshot(d.record.code, d.revision)]);
  return [...lanes.values()];
}

describe('the state-snapshot handler', () => {
  test('when the lanes of many subjects are handled at the same moment, then their subjects are read in one call and the counters equal a recount of the stored states', async () => {
    await fc.assert(
      fc.asyncProperty(subjectHistory(25), async ({ now, finals, deliveries }) => {
        const stored = new Map<string, CountedSubject>();
        for (const d of deliveries) if ((stored.get(d.record.code)?.revision ?? 0) < d.revision) stored.set(d.record.code, d);
        const store = memoryCounterStore();
        const reads: string[][] = [];
        const handler = subjectStateHandler({
          load: async (codes) => {
            reads.push([...codes]);
            return codes.flatMap((c) => (stored.has(c) ? [stored.get(c)!] : []));
          },
          store,
          calendar,
          logger,
        });
        const lanes = lanesOf(deliveries);
        // As the runner does: a lane of one message goes through `handle`, a longer one through `handleLane`.
        const results = await Promise.all(lanes.map((lane) => (lane.length === 1 ? handler.handle(lane[0]!).then(() => [{ ok: true as const }]) : handler.handleLane(lane))));
        expect(results.flat().every((r) => 'ok' in r)).toBe(true);
        expect(reads).toHaveLength(1);
        expect(new Set(reads[0])).toEqual(new Set(stored.keys()));
        const agencies = await store.agencies();
        const periods = PERIODS.map((k) => parsePeriod(k, calendar));
        const docs = await store.read(counterDocIds(agencies, periods, now, calendar));
        for (const period of periods) {
          const opts = { calendar, directory, now };
          expect(sorted(countsFromCounters(docs, agencies, period, opts))).toEqual(sorted(countByAgencyAndProcedure(finals, period, opts)));
        }
      }),
      { numRuns: 60 },
    );
  });

  test('when one subject cannot be read for a reason a retry will not cure and another lane holds a poison message, then only those fail and every other subject is counted', async () => {
    const store = memoryCounterStore();
    const record = (code: string) => ({ code, subject: 'dossier' as const, agencyCode: 'G01.001.000', procedureCode: '1.001', phase: 'open' as const, statusCode: null, receivedAt: Date.UTC(2026, 10, 2), dueAt: Date.UTC(2026, 10, 20), endAt: null, timeliness: null, overdue: false, atRisk: false, paused: false, apologies: [], steps: [], lateAgencies: [] });
    const handler = subjectStateHandler({
      load: async (codes) => {
        if (codes.includes('BROKEN')) throw new Error('a document the driver cannot decode');
        return codes.map((code) => ({ revision: 1, record: record(code) }));
      },
      store,
      calendar,
      logger,
    });
    const poison = { ...snapshot('D2', 1), message: { ...snapshot('D2', 1).message, value: Buffer.from('{"not":"a cloud event"}') } };
    const [broken, good, mixed] = await Promise.allSettled([handler.handle(snapshot('BROKEN', 1)), handler.handleLane([snapshot('D1', 1), snapshot('D1', 2)]), handler.handleLane([snapshot('D2', 2), poison])]);
    expect(broken.status).toBe('rejected');
    expect(good).toEqual({ status: 'fulfilled', value: [{ ok: true }, { ok: true }] });
    expect(mixed.status).toBe('fulfilled');
    const [first, second] = (mixed as PromiseFulfilledResult<Array<{ ok: true } | { error: unknown }>>).value;
    expect(first).toEqual({ ok: true });
    expect(second && 'error' in second && second.error).toBeInstanceOf(PoisonMessageError);
    expect([...(await store.contributions(['BROKEN', 'D1', 'D2'])).keys()].sort()).toEqual(['D1', 'D2']);
  });
});
