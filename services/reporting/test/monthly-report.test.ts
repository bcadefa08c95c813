import ExcelJS from 'exceljs';
import { ControllableClock } from '@tthc/testkit';
import { COMMUNE_MANAGER, MANAGER, PORTAL, PROVINCE, REFORM, startReporting, stored, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
let api: ReportingUnderTest;

/** Commune subjects beside the harness's province ones, so both levels have lines. */
const COMMUNE_DOCS = [
  // Carried over from January, resolved late in February, with an apology sent in February.
  stored({ code: 'K1', agencyCode: 'G01.101.000', receivedAt: '2026-01-28T09:00:00+07:00', dueAt: '2026-02-04T17:00:00+07:00', endAt: '2026-02-09T10:00:00+07:00', timeliness: 'late', apologies: ['2026-02-03T15:00:00+07:00'] }),
  // Received in February, open within its deadline when the month ends.
  stored({ code: 'K2', agencyCode: 'G01.101.000', receivedAt: '2026-02-24T09:00:00+07:00', dueAt: '2026-03-20T17:00:00+07:00' }),
  // A pre-July-2025 district unit's dossier: counts under its successor commune G01.101.000.
  stored({ code: 'K3', agencyCode: 'G01.901.000', receivedAt: '2026-02-05T09:00:00+07:00', dueAt: '2026-02-12T17:00:00+07:00', overdue: true }),
  stored({ code: 'K4', agencyCode: 'G01.102.000', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-10T17:00:00+07:00', endAt: '2026-02-06T10:00:00+07:00', timeliness: 'early' }),
];

const FIGURES = ['received', 'toHandle', 'resolvedEarly', 'resolvedOnTime', 'resolvedLate', 'openWithinDeadline', 'openOverdue', 'lateRate', 'apologies'] as const;
type Line = Record<(typeof FIGURES)[number] | 'carriedOver', number> & { agencyCode?: string; level?: string };
const figures = (l: Record<string, unknown>) => Object.fromEntries(FIGURES.map((f) => [f, l[f]]));

beforeAll(async () => {
  api = await startReporting({ name: 'reporting-monthly', clock });
  await api.storeSubjects(COMMUNE_DOCS);
});

afterAll(async () => {
  await api.stop();
});

/** Asserts the monthly report of a key and filter equals the late-case API's, line by line. */
async function expectSameAsLateCases(key: string, filter = ''): Promise<{ agencies: Line[]; levels: Line[]; totals: Line }> {
  const monthly = await api.get(`/v1/reports/monthly?period=2026-02${filter}`, key);
  expect(monthly.status).toBe(200);
  const byAgency = await api.get(`/v1/metrics/late-cases?period=2026-02&groupBy=agency&pageSize=200${filter}`, key);
  const byLevel = await api.get(`/v1/metrics/late-cases?period=2026-02&groupBy=level&pageSize=200${filter}`, key);
  const report = monthly.body as { agencies: Line[]; levels: Line[]; totals: Line };
  const sortBy = <T extends Record<string, unknown>>(rows: T[], k: string) => [...rows].sort((a, b) => String(a[k]).localeCompare(String(b[k])));
  expect(sortBy(report.agencies, 'agencyCode').map((l) => ({ agencyCode: l.agencyCode, ...figures(l) }))).toEqual(
    sortBy(byAgency.body.items as Array<Record<string, unknown>>, 'agencyCode').map((l) => ({ agencyCode: l['agencyCode'], ...figures(l) })),
  );
  expect(sortBy(report.levels, 'level').map((l) => ({ level: l.level, ...figures(l) }))).toEqual(
    sortBy(byLevel.body.items as Array<Record<string, unknown>>, 'level').map((l) => ({ level: l['level'], ...figures(l) })),
  );
  expect(figures(report.totals)).toEqual(figures(byAgency.body.totals));
  for (const line of [...report.agencies, ...report.levels, report.totals]) expect(line.carriedOver).toBe(line.toHandle - line.received);
  return report;
}

describe('GET /v1/reports/monthly', () => {
  test('when the reform office asks for February 2026, then every agency, level and total line equals the late-case API for the same month', async () => {
    const report = await expectSameAsLateCases(REFORM);
    // Not an empty agreement: the seeded month has both levels and the hand-computed commune line.
    expect(report.agencies.map((a) => a.agencyCode)).toEqual(['G01.001.000', 'G01.002.000', 'G01.101.000', 'G01.102.000', 'G02.001.000']);
    expect(report.levels.map((l) => l.level)).toEqual(['province', 'commune', 'unknown']);
    const ward = report.agencies.find((a) => a.agencyCode === 'G01.101.000')!;
    // K1 carried over and resolved late with one apology, K2 open in time, K3 (the old district's) overdue.
    expect(ward).toMatchObject({ agencyName: 'UBND Phường Ba Đình (mẫu)', level: 'commune', received: 2, carriedOver: 1, toHandle: 3, resolvedLate: 1, openWithinDeadline: 1, openOverdue: 1, lateRate: 0.6667, apologies: 1 });
    expect(report.levels.find((l) => l.level === 'commune')).toMatchObject({ toHandle: 4, resolvedEarly: 1, received: 3, carriedOver: 1 });
    expect(report.totals.toHandle).toBeGreaterThan(10);
  });

  test('when a manager, a province reform office with ?agency= and a commune manager ask, then each sees its own agencies with the late-case figures', async () => {
    const manager = await expectSameAsLateCases(MANAGER);
    expect(manager.agencies.map((a) => a.agencyCode)).toEqual(['G01.001.000']);
    const filtered = await expectSameAsLateCases(PROVINCE, '&agency=G01.101.000');
    expect(filtered.agencies.map((a) => a.agencyCode)).toEqual(['G01.101.000']);
    expect(filtered.levels.map((l) => l.level)).toEqual(['commune']);
    const commune = await expectSameAsLateCases(COMMUNE_MANAGER);
    expect(commune.totals).toMatchObject({ toHandle: 3, openOverdue: 1 });
  });

  test('when a portal key asks, or a filter outside the key, then 403 problem+json', async () => {
    const portal = await api.get('/v1/reports/monthly?period=2026-02', PORTAL);
    expect(portal.status).toBe(403);
    expect(portal.type).toContain('application/problem+json');
    const outside = await api.get('/v1/reports/monthly?period=2026-02&agency=G02.*', MANAGER);
    expect(outside.status).toBe(403);
    expect(outside.body.type).toMatch(/forbidden-agency/);
  });

  test.each([['period=2026-13'], ['period=2026-00'], [''], ['period=2026-Q1'], ['period=2026'], ['period=26-02'], ['period=2026-02&period=2026-03']])('when the query is %p, then 400 problem+json naming the period', async (query) => {
    const res = await api.get(`/v1/reports/monthly?${query}`);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, title: 'Invalid query', errors: [expect.objectContaining({ pointer: '/query/period' })] });
  });

  test('when XLSX is asked, then the sheet has the Vietnamese headings and the JSON figures, a subtotal per level and the total', async () => {
    const json = (await api.get('/v1/reports/monthly?period=2026-02', PROVINCE)).body as { agencies: Line[]; totals: Line };
    const res = await api.get('/v1/reports/monthly?period=2026-02', PROVINCE, { accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('bao-cao-thang-2026-02.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.raw as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    const values = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(values(1)).toEqual(['Mã cơ quan', 'Tên cơ quan', 'Cấp', 'Tiếp nhận trong kỳ', 'Kỳ trước chuyển sang', 'Tổng số cần xử lý', 'Giải quyết trước hạn', 'Giải quyết đúng hạn', 'Giải quyết quá hạn', 'Đang giải quyết trong hạn', 'Đang giải quyết quá hạn', 'Tỷ lệ trễ hạn (%)', 'Văn bản xin lỗi']);
    const rows = Array.from({ length: sheet.rowCount - 1 }, (_, i) => values(i + 2));
    const line = (a: Line) => [a.received, a.carriedOver, a.toHandle, a.resolvedEarly, a.resolvedOnTime, a.resolvedLate, a.openWithinDeadline, a.openOverdue, Math.round(a.lateRate * 10_000) / 100, a.apologies];
    for (const a of json.agencies) expect(rows).toContainEqual([a.agencyCode, expect.any(String), expect.any(String), ...line(a)]);
    expect(rows.map((r) => r[0])).toEqual(['G01.001.000', 'G01.002.000', 'Cộng cấp tỉnh', 'G01.101.000', 'G01.102.000', 'Cộng cấp xã', 'Tổng cộng']);
    expect(rows[rows.length - 1]!.slice(3)).toEqual(line(json.totals));
  });
});
