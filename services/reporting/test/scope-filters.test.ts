import ExcelJS from 'exceljs';
import { COLLECTIONS } from '@tthc/contracts';
import { ControllableClock } from '@tthc/testkit';
import { COMMUNE_MANAGER, MANAGER, NARROW_REFORM, PORTAL, PROVINCE, REFORM, parseCsv, startReporting, stored, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
let api: ReportingUnderTest;

const alert = (id: string, agencyCode: string | null, dossierCode: string, raisedAt: string) => ({
  _id: id,
  type: 'dossier.overdue',
  kind: 'overdue',
  dossierCode,
  agencyCode,
  dueAt: new Date('2026-02-05T10:00:00Z'),
  raisedAt: new Date(raisedAt),
  deadlineVersion: 1,
  reason: 'quá hạn',
});

beforeAll(async () => {
  api = await startReporting({ name: 'reporting-scope', clock });
  await api.mongo.collection(COLLECTIONS.alerts).insertMany([
    alert('overdue:A:v1', 'G01.001.000', 'A', '2026-02-05T10:00:01Z'),
    alert('overdue:OLD-1:v1', 'G01.002.000', 'OLD-1', '2026-02-18T02:00:01Z'),
    alert('overdue:Z1:v1', 'G02.001.000', 'Z1', '2026-02-04T10:00:01Z'),
    alert('overdue:NOAGENCY:v1', null, 'NOAGENCY', '2026-02-04T10:00:01Z'),
  ] as never[]);
  // Open and overdue but without an agency: no key can be checked against it, so no list shows
  // or counts it.
  await api.storeSubjects([stored({ code: 'NOAGENCY', agencyCode: null, receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-04T17:00:00+07:00', overdue: true })]);
  // A pre-July-2025 district unit whose dossiers count under commune G01.101.000.
  await api.storeSubjects([stored({ code: 'DISTRICT-1', agencyCode: 'G01.901.000', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-10T17:00:00+07:00', endAt: '2026-02-09T17:00:00+07:00', timeliness: 'early' })]);
});

afterAll(async () => {
  await api.stop();
});

const codes = (body: { items: Array<{ code: string }> }) => body.items.map((i) => i.code).sort();

describe('agency filters outside the key', () => {
  test('when a G01 key filters on G02.* or a G02 agency, then every route answers 403 problem+json without counts', async () => {
    for (const agency of ['G02.*', 'G02.001.000']) {
      for (const path of [
        `/v1/dossiers?agency=${agency}`,
        `/v1/dossiers?overdue=true&agency=${agency}&format=csv`,
        `/v1/dossiers?overdue=true&agency=${agency}&format=xlsx`,
        `/v1/metrics/late-cases?period=2026-02&agency=${agency}`,
        `/v1/metrics/late-cases?period=2026-02&agency=${agency}&format=csv`,
        `/v1/metrics/trend?agency=${agency}`,
        `/v1/index/subscores?period=2026-02&agency=${agency}&format=xlsx`,
        `/v1/alerts?agency=${agency}`,
        `/v1/calendar-audits?agency=${agency}`,
      ]) {
        const res = await api.get(path, PROVINCE);
        expect({ path, status: res.status, type: res.type, problem: res.body?.type }).toEqual({ path, status: 403, type: expect.stringContaining('application/problem+json'), problem: 'urn:tthc:problem:forbidden-agency' });
        expect(res.body).not.toHaveProperty('total');
      }
    }
  });

  test('when a portal or manager key names a province prefix other than its own, then 403', async () => {
    expect((await api.get('/v1/dossiers?agency=G02.*', PORTAL)).status).toBe(403);
    expect((await api.get('/v1/alerts?agency=G02.*', PORTAL)).status).toBe(403);
    expect((await api.get('/v1/metrics/late-cases?agency=G01.002.*', MANAGER)).status).toBe(403);
  });
});

describe('prefix filters broader than the key', () => {
  test('when a manager of G01.001.000 filters on G01.*, then only its own agency is counted', async () => {
    const res = await api.get('/v1/metrics/late-cases?period=2026-02&agency=G01.*', MANAGER);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { agencyCode: string }) => i.agencyCode)).toEqual(['G01.001.000']);
    expect(res.body.totals).toMatchObject({ toHandle: 6, openOverdue: 2 });
    const trend = await api.get('/v1/metrics/trend?months=1&agency=G01.*', MANAGER);
    expect(trend.body.items).toEqual([{ period: '2026-03', received: 0, toHandle: 3, late: 2, lateRate: 0.6667, onTimeRate: 0.3333 }]);
  });

  test('when a one-agency reform office or a portal lists G01.*, then items and total hold only its agency', async () => {
    for (const key of [NARROW_REFORM, PORTAL]) {
      const res = await api.get('/v1/dossiers?overdue=true&agency=G01.*', key);
      expect({ key, status: res.status, codes: codes(res.body), total: res.body.total }).toEqual({ key, status: 200, codes: ['A'], total: 1 });
    }
    const alerts = await api.get('/v1/alerts?agency=G01.*', PORTAL);
    expect(alerts.body.items.map((a: { id: string }) => a.id)).toEqual(['overdue:A:v1']);
    const audits = await api.get('/v1/calendar-audits?agency=G01.*', NARROW_REFORM);
    expect(audits.body.items[0].affected.map((a: { code: string }) => a.code)).toEqual(['A']);
  });

  test('when a province key filters on one agency, then exports hold that agency only', async () => {
    const csv = await api.get('/v1/dossiers?overdue=true&agency=G01.002.000&format=csv', PROVINCE);
    expect(csv.status).toBe(200);
    expect(parseCsv(csv.raw.toString('utf8').slice(1)).slice(1).map((r) => r[0])).toEqual(['OLD-1']);
    const xlsx = await api.get('/v1/metrics/late-cases?period=2026-02&agency=G01.*&format=xlsx', NARROW_REFORM);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.raw as unknown as ArrayBuffer);
    const firstColumn = wb.worksheets[0]!.getColumn(1).values.slice(2);
    expect(firstColumn).toEqual(['G01.001.000', 'Tổng cộng']);
  });
});

describe('totals of lists', () => {
  test('when a province key lists dossiers, then total counts only its province, also on later pages', async () => {
    const res = await api.get('/v1/dossiers?overdue=true', PROVINCE);
    expect({ codes: codes(res.body), total: res.body.total }).toEqual({ codes: ['A', 'OLD-1'], total: 2 });
    const page2 = await api.get('/v1/dossiers?overdue=true&pageSize=1&page=2', PROVINCE);
    expect({ items: page2.body.items.length, total: page2.body.total }).toEqual({ items: 1, total: 2 });
  });

  test('when the key reads every agency, then a dossier without an agency is neither listed nor counted', async () => {
    const res = await api.get('/v1/dossiers?overdue=true', REFORM);
    expect({ codes: codes(res.body), total: res.body.total }).toEqual({ codes: ['A', 'OLD-1', 'Z1'], total: 3 });
  });

  test('when a province key lists alerts, then alerts of other provinces and without an agency are left out', async () => {
    const res = await api.get('/v1/alerts', PROVINCE);
    expect(res.body.items.map((a: { id: string }) => a.id).sort()).toEqual(['overdue:A:v1', 'overdue:OLD-1:v1']);
    const narrowed = await api.get('/v1/alerts?agency=G01.002.000', PROVINCE);
    expect(narrowed.body.items.map((a: { id: string }) => a.id)).toEqual(['overdue:OLD-1:v1']);
  });

  test('when a commune took over a district, then its manager counts the district dossiers of periods after the reform', async () => {
    const res = await api.get('/v1/metrics/late-cases?period=2026-02', COMMUNE_MANAGER);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ agencyCode: 'G01.101.000', received: 1, resolvedEarly: 1 })]);
    expect(res.body.totals.toHandle).toBe(1);
  });
});
