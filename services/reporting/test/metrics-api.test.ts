import ExcelJS from 'exceljs';
import { COLLECTIONS } from '@tthc/contracts';
import { ControllableClock } from '@tthc/testkit';
import { MANAGER, PORTAL, PROVINCE, parseCsv, startReporting, stored, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
let api: ReportingUnderTest;
const get = (path: string, key?: string, headers?: Record<string, string>) => api.get(path, key, headers);

beforeAll(async () => {
  api = await startReporting({ name: 'reporting-metrics', clock });
});

afterAll(async () => {
  await api.stop();
});

describe('GET /v1/metrics/late-cases', () => {
  test('when February 2026 is asked by agency, then the counts are the hand-computed portal classes', async () => {
    const res = await get('/v1/metrics/late-cases?period=2026-02&groupBy=agency');
    expect(res.status).toBe(200);
    expect(res.body.period).toEqual({ key: '2026-02', kind: 'month', start: '2026-02-01T00:00:00+07:00', end: '2026-03-01T00:00:00+07:00', zone: 'Asia/Ho_Chi_Minh' });
    const byAgency = Object.fromEntries(res.body.items.map((i: { agencyCode: string }) => [i.agencyCode, i]));
    expect(byAgency['G01.001.000']).toMatchObject({
      agencyName: 'Sở Tư pháp (mẫu)',
      level: 'province',
      received: 4,
      toHandle: 6,
      resolvedEarly: 1,
      resolvedOnTime: 1,
      resolvedLate: 1,
      openOverdue: 2,
      openWithinDeadline: 1,
      lateRate: 0.5,
      onTimeRate: 0.5,
      petitionsOnTime: 1,
      apologies: 1,
    });
    expect(byAgency['G02.001.000']).toMatchObject({ toHandle: 2, resolvedOnTime: 1, openOverdue: 1, lateRate: 0.5 });
    // The old document with string dates: received 16/2, due 18/2, still open → overdue.
    expect(byAgency['G01.002.000']).toMatchObject({ received: 1, openOverdue: 1, lateRate: 1 });
    expect(res.body.items[0].agencyCode).toBe('G01.002.000'); // highest late rate first
    expect(res.body.totals).toMatchObject({ received: 7, toHandle: 9, resolvedLate: 1, openOverdue: 4 });
    expect(res.body).toMatchObject({ groupBy: 'agency', page: 1, total: 3 });
  });

  test('when a page of one is asked, then one group comes with the total count of groups', async () => {
    const res = await get('/v1/metrics/late-cases?period=2026-02&groupBy=procedure&pageSize=1&page=2&sort=toHandle');
    expect(res.status).toBe(200);
    // P1 (8 to handle, both provinces), P9 (1), PAKN (petitions only, 0 dossiers).
    expect(res.body).toMatchObject({ page: 2, pageSize: 1, total: 3 });
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].procedureCode).toBe('P9');
  });

  test('when grouped by level, then province agencies are summed together', async () => {
    const res = await get('/v1/metrics/late-cases?period=2026-02&groupBy=level');
    expect(res.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'province', toHandle: 7 }), expect.objectContaining({ level: 'unknown', toHandle: 2 })]));
  });

  test('when the query is invalid, then 400 problem+json names each bad parameter', async () => {
    const res = await get('/v1/metrics/late-cases?period=2026-13&pageSize=500&groupBy=district');
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/query/groupBy', '/query/pageSize']);
    const period = await get('/v1/metrics/late-cases?period=2026-13');
    expect(period.status).toBe(400);
    expect(period.body.errors).toEqual([{ pointer: '/query/period', detail: expect.stringContaining('YYYY-MM') }]);
  });
});

describe('roles', () => {
  test('when a portal key asks for metrics, sub-scores or an export, then it gets 403 problem+json', async () => {
    for (const path of ['/v1/metrics/late-cases', '/v1/metrics/trend', '/v1/index/subscores', '/v1/dossiers?overdue=true&format=csv', '/v1/calendar-audits']) {
      const res = await get(path, PORTAL);
      expect({ path, status: res.status, type: res.body?.type }).toEqual({ path, status: 403, type: 'urn:tthc:problem:forbidden' });
    }
    const list = await get('/v1/dossiers?overdue=true', PORTAL);
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { code: string }) => i.code)).toEqual(['A']);
  });

  test('when an agency manager asks, then only its own agency is counted and another agency is refused', async () => {
    const res = await get('/v1/metrics/late-cases?period=2026-02', MANAGER);
    expect(res.body.items.map((i: { agencyCode: string }) => i.agencyCode)).toEqual(['G01.001.000']);
    expect(res.body.totals.toHandle).toBe(6);
    const other = await get('/v1/metrics/late-cases?period=2026-02&agency=G01.002.000', MANAGER);
    expect(other.status).toBe(403);
    expect(other.type).toContain('application/problem+json');
  });

  test('when a province reform office asks, then it sees every agency of its province and none other', async () => {
    const res = await get('/v1/metrics/late-cases?period=2026-02', PROVINCE);
    expect(res.body.items.map((i: { agencyCode: string }) => i.agencyCode).sort()).toEqual(['G01.001.000', 'G01.002.000']);
    const overdue = await get('/v1/dossiers?overdue=true', PROVINCE);
    expect(overdue.body.items.map((i: { code: string }) => i.code).sort()).toEqual(['A', 'OLD-1']);
    const audits = await get('/v1/calendar-audits', PROVINCE);
    expect(audits.body.items[0].affected.map((a: { code: string }) => a.code)).toEqual(['A']);
    // The count of unchanged open dossiers spans every province, so a province key does not get it.
    expect(audits.body.items[0]).toMatchObject({ calendarId: 'vn-civil-service', fromVersion: 'old111111111', toVersion: 'abc', unchangedOpenCount: null });
    expect((await get('/v1/calendar-audits')).body.items[0].unchangedOpenCount).toBe(4);
  });
});

describe('trend, sub-scores and dossier lists', () => {
  test('when three months are asked in March, then each month has its received and late counts', async () => {
    const res = await get('/v1/metrics/trend?months=3&agency=G01.001.000');
    expect(res.status).toBe(200);
    // January: A, B received and open at the end of January (not yet due) → nothing late.
    // February: as above. March (as of 10/3): A open overdue, B resolved late, G open (due 12/3).
    expect(res.body.items).toEqual([
      { period: '2026-01', received: 2, toHandle: 2, late: 0, lateRate: 0, onTimeRate: 1 },
      { period: '2026-02', received: 4, toHandle: 6, late: 3, lateRate: 0.5, onTimeRate: 0.5 },
      { period: '2026-03', received: 0, toHandle: 3, late: 2, lateRate: 0.6667, onTimeRate: 0.3333 },
    ]);
  });

  test('when sub-scores of the running month are asked, then they are estimates with forecast and savable points', async () => {
    const res = await get('/v1/index/subscores?agency=G01.001.000');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ estimate: true, period: { key: '2026-03' }, rubric: { year: 2026, label: expect.stringMatching(/^sample/) } });
    const progress = res.body.items.find((i: { id: string }) => i.id === '766.progress');
    // March as of 10/3: A overdue, B late, G at risk (flag, due 12/3) → 20 × 1/3 now, 0 if G goes late.
    expect(progress).toMatchObject({ score: 6.67, max: 20, forecast: { score: 0, atRiskCount: 1 } });
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining(['766.pakn-on-time', '766.satisfaction', 'par.on-time-province']));
    expect(res.body.savable[0]).toMatchObject({ agencyCode: 'G01.001.000', procedureCode: 'P1' });
    expect(res.body.savable[0].points).toBeGreaterThanOrEqual(6.67);
  });

  test('when overdue dossiers are listed, then each shows working days late by the calendar and the step answerable', async () => {
    clock.set('2026-02-11T12:00:00+07:00');
    try {
      const res = await get('/v1/dossiers?overdue=true&agency=G01.001.000');
      expect(res.status).toBe(200);
      // Due Thu 5/2 17:00 → Fri 6/2, Mon 9/2, Tue 10/2 and the morning of Wed 11/2: 3.5 working days.
      expect(res.body).toMatchObject({ page: 1, pageSize: 50, total: 1 });
      expect(res.body.items[0]).toEqual({
        code: 'A',
        subject: 'dossier',
        agencyCode: 'G01.001.000',
        procedureCode: 'P1',
        phase: 'open',
        statusCode: 4,
        dueAt: '2026-02-05T17:00:00+07:00',
        atRisk: false,
        overdue: true,
        workingDaysLate: 3.5,
        responsibleStep: { stepNo: 2, name: 'Lấy ý kiến Sở Xây dựng', agencyCode: 'G01.002.000' },
      });
      expect(JSON.stringify(res.body)).not.toContain('001099012345');
    } finally {
      clock.set('2026-03-10T10:00:00+07:00');
    }
  });
});

describe('GET /v1/dossiers?atRisk=true', () => {
  test('when at-risk dossiers are listed, then warned ones and those due before the period ends come, overdue ones do not', async () => {
    const dossiers = api.mongo.collection(COLLECTIONS.dossiers);
    // Open, neither warned nor overdue, due before the end of March 2026 but after February's.
    await dossiers.insertOne(stored({ code: 'SOON', receivedAt: '2026-02-26T09:00:00+07:00', dueAt: '2026-03-20T17:00:00+07:00' }) as never);
    try {
      const codes = async (period: string) => (await get(`/v1/dossiers?atRisk=true&agency=G01.001.000&period=${period}`)).body.items.map((i: { code: string }) => i.code).sort();
      // G is warned; A is overdue already (it belongs to the overdue list).
      expect(await codes('2026-02')).toEqual(['G']);
      expect(await codes('2026-03')).toEqual(['G', 'SOON']);
      expect((await get('/v1/dossiers?atRisk=true&period=2026-13')).status).toBe(400);
    } finally {
      await dossiers.deleteOne({ _id: 'SOON' } as never);
    }
  });

  test('when a dossier awaits a supplement or a petition its publication, with the due before the period end, then the at-risk list leaves them out, as the counters do', async () => {
    // Status 5 (yêu cầu bổ sung): the clock is stopped, so its stored due instant says nothing
    // about this period. Warned by sla before the pause, it stays at risk in both.
    const agency = 'G01.009.000';
    const paused = (doc: ReturnType<typeof stored>) => ({ ...doc, paused: true, statusCode: 5 });
    const receivedAt = '2026-03-02T09:00:00+07:00';
    const dueAt = '2026-03-20T17:00:00+07:00';
    // Answered on 5/3 and open until published: handled, on time, in March.
    const answered = stored({ code: 'ANSWERED', subject: 'petition', procedureCode: null, agencyCode: agency, receivedAt, dueAt, endAt: '2026-03-05T09:00:00+07:00', timeliness: 'on-time' });
    const docs = [
      stored({ code: 'RUNNING', agencyCode: agency, receivedAt, dueAt }),
      paused(stored({ code: 'PAUSED', agencyCode: agency, receivedAt, dueAt })),
      paused(stored({ code: 'PAUSED-WARNED', agencyCode: agency, receivedAt, dueAt, atRisk: true })),
      { ...answered, phase: 'open', statusCode: null, closedAt: null },
    ];
    await api.storeSubjects(docs);
    try {
      const list = (await get(`/v1/dossiers?atRisk=true&agency=${agency}&period=2026-03`)).body;
      expect(list.items.map((i: { code: string }) => i.code).sort()).toEqual(['PAUSED-WARNED', 'RUNNING']);
      expect(list.total).toBe(2);
      const scores = (await get(`/v1/index/subscores?agency=${agency}`)).body;
      const forecast = (id: string) => scores.items.find((i: { id: string }) => i.id === id).forecast;
      expect(forecast('766.progress').atRiskCount).toBe(list.total);
      expect(forecast('766.pakn-on-time').atRiskCount).toBe(0);
      const counts = (await get(`/v1/metrics/late-cases?period=2026-03&agency=${agency}`)).body.totals;
      expect(counts).toMatchObject({ atRisk: 2, petitionsToHandle: 1, petitionsOnTime: 1, petitionsOpenWithinDeadline: 0, petitionsAtRisk: 0 });
    } finally {
      await api.mongo.collection(COLLECTIONS.dossiers).deleteMany({ _id: { $in: docs.map((d) => d._id) } } as never);
    }
  });
});

describe('exports', () => {
  test('when late cases are asked as CSV, then it is UTF-8 with a BOM and Vietnamese headers that parse back', async () => {
    const res = await get('/v1/metrics/late-cases?period=2026-02&agency=G01.001.000', MANAGER, { accept: 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/csv');
    expect([...res.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(res.raw.toString('utf8').slice(1));
    const header = rows[0]!;
    expect(header).toEqual(expect.arrayContaining(['Mã cơ quan', 'Tên cơ quan', 'Cần xử lý', 'Đang xử lý quá hạn', 'Tỷ lệ trễ hạn (%)']));
    const row = Object.fromEntries(header.map((h, i) => [h, rows[1]![i]]));
    expect(row).toMatchObject({ 'Mã cơ quan': 'G01.001.000', 'Tên cơ quan': 'Sở Tư pháp (mẫu)', 'Cần xử lý': '6', 'Đang xử lý quá hạn': '2', 'Tỷ lệ trễ hạn (%)': '50' });
    expect(rows[rows.length - 1]![0]).toBe('Tổng cộng');
  });

  test('when sub-scores and overdue dossiers are asked as XLSX, then the workbooks parse back', async () => {
    const scores = await get('/v1/index/subscores?period=2026-02&format=xlsx', PROVINCE);
    expect(scores.status).toBe(200);
    expect(scores.type).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(scores.raw as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('Mã chỉ tiêu');
    const ids = sheet.getColumn(1).values.slice(2);
    expect(ids).toEqual(expect.arrayContaining(['766.progress', '766.pakn-on-time', '766.satisfaction']));
    const progressRow = sheet.getRow(ids.indexOf('766.progress') + 2);
    // February, G01 agencies: 7 to handle, 4 late → 20 × 3/7.
    expect(progressRow.getCell(5).value).toBe(8.57);

    const dossiers = await get('/v1/dossiers?overdue=true&format=xlsx', PROVINCE);
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.load(dossiers.raw as unknown as ArrayBuffer);
    const s2 = wb2.worksheets[0]!;
    expect(s2.getRow(1).getCell(1).value).toBe('Mã hồ sơ');
    expect(s2.getColumn(1).values.slice(2).sort()).toEqual(['A', 'OLD-1']);
  });
});

describe('catalog reads', () => {
  test('when procedures are listed or looked up, then they come from the imported catalog', async () => {
    const list = await get('/v1/procedures', PORTAL);
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThan(0);
    const first = list.body.items[0];
    const one = await get(`/v1/procedures/${encodeURIComponent(first.code)}`, PORTAL);
    expect(one.body.code).toBe(first.code);
    const missing = await get('/v1/procedures/NO-SUCH-CODE', PORTAL);
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/problem+json');
  });
});
