import { ControllableClock } from '@tthc/testkit';
import { PROVINCE, REFORM, snapshotOf, startReporting, stored, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
let api: ReportingUnderTest;

beforeAll(async () => {
  api = await startReporting({ name: 'reporting-etag', clock });
});

afterAll(async () => {
  await api.stop();
});

const REPORTS = ['/v1/metrics/late-cases?period=2026-03', '/v1/metrics/trend?months=3', '/v1/index/subscores?period=2026-03', '/v1/reports/monthly?period=2026-03', '/v1/metrics/late-cases?period=2026-03&format=csv'];

describe('ETag of the reports read from the counters', () => {
  test('when a report is asked again with its ETag and nothing changed, then the answer is 304 without a body', async () => {
    for (const path of REPORTS) {
      const first = await api.get(path);
      expect(first.status).toBe(200);
      const tag = first.headers.get('etag');
      expect(tag).toMatch(/^W\/".+"$/);
      const again = await api.get(path, REFORM, { 'if-none-match': tag! });
      expect({ path, status: again.status, bytes: again.raw.length }).toEqual({ path, status: 304, bytes: 0 });
    }
  });

  test('when another key or another query asks, then the tag differs', async () => {
    const reform = (await api.get(REPORTS[0]!)).headers.get('etag');
    expect((await api.get(REPORTS[0]!, PROVINCE)).headers.get('etag')).not.toBe(reform);
    expect((await api.get('/v1/metrics/late-cases?period=2026-02')).headers.get('etag')).not.toBe(reform);
  });

  test('when a subject is counted after the tag was given, then the same If-None-Match gets the new figures', async () => {
    const before = await api.get(REPORTS[0]!);
    await api.storeSubjects([stored({ code: 'ETAG-1', receivedAt: '2026-03-09T09:00:00+07:00', dueAt: '2026-03-20T17:00:00+07:00' })]);
    const after = await api.get(REPORTS[0]!, REFORM, { 'if-none-match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(after.body.totals.received).toBe(before.body.totals.received + 1);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });

  test('when a dossier is rated after the tag was given, then the sub-scores are answered again with the ratings, though no delay count moved', async () => {
    const doc = stored({ code: 'ETAG-RATED', receivedAt: '2026-03-02T09:00:00+07:00', dueAt: '2026-03-06T17:00:00+07:00', endAt: '2026-03-05T10:00:00+07:00', timeliness: 'on-time' });
    await api.storeSubjects([doc]);
    const before = await api.get(REPORTS[2]!);
    expect(before.body.items.find((i: { id: string }) => i.id === '766.satisfaction')?.source).toBe('proxy');
    // As workflow stores a rating: the same subject at a higher revision, its counts unchanged.
    await api.mongo.collection('dossiers').updateOne(
      { _id: 'ETAG-RATED' } as never,
      { $set: { revision: doc.revision + 1, lastRatedAt: new Date('2026-03-06T08:00:00+07:00'), 'state.ratings': [{ ratedAt: '2026-03-06T08:00:00+07:00', level: 'very-satisfied', channel: null }] } },
    );
    await api.publishSnapshots([{ ...snapshotOf(doc), revision: doc.revision + 1 }]);
    await api.awaitCounted(['ETAG-RATED']);
    const after = await api.get(REPORTS[2]!, REFORM, { 'if-none-match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(after.body.items.find((i: { id: string }) => i.id === '766.satisfaction')?.source).toBe('ratings');
  });

  test('when the month ends, then the running report is answered again', async () => {
    const march = await api.get(REPORTS[1]!);
    clock.set(new Date('2026-04-01T00:00:01+07:00'));
    try {
      const april = await api.get(REPORTS[1]!, REFORM, { 'if-none-match': march.headers.get('etag')! });
      expect(april.status).toBe(200);
      expect(april.body.items.map((i: { period: string }) => i.period)).toEqual(['2026-02', '2026-03', '2026-04']);
    } finally {
      clock.set(new Date('2026-03-10T10:00:00+07:00'));
    }
  });
});
