import ExcelJS from 'exceljs';
import mongoose, { type Connection } from 'mongoose';
import { importCatalog, loadCatalogFile, SAMPLE_CATALOG_PATH } from '@tthc/catalog';
import { COLLECTIONS } from '@tthc/contracts';
import { ControllableClock, requireEnv, uniqueName, withDatabase } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';

const REFORM = 'reform-all-key';
const PROVINCE = 'reform-g01-key';
const MANAGER = 'manager-g01-key';
const PORTAL = 'portal-g01-key';
const API_KEYS = [`${REFORM}:*`, `${PROVINCE}:G01.*:reform-office`, `${MANAGER}:G01.001.000:agency-manager`, `${PORTAL}:G01.001.000`].join(';');

const db = uniqueName('reporting-metrics');
const mongoUrl = withDatabase(requireEnv('MONGO_URL'), db);
const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
const app = createApp(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', MONGO_URL: mongoUrl, API_KEYS }), { clock });
let url = '';
let mongo: Connection;

const d = (iso: string | null) => (iso === null ? null : new Date(iso));

/** A document as workflow stores it: flat state fields as Dates, the whole state beside them. */
function stored(f: {
  code: string;
  subject?: 'dossier' | 'petition';
  agencyCode?: string;
  procedureCode?: string | null;
  receivedAt: string;
  dueAt: string;
  endAt?: string;
  timeliness?: string;
  overdue?: boolean;
  atRisk?: boolean;
  apologies?: string[];
  steps?: Array<{ stepNo: number; agencyCode: string; name: string; dueAt: string; completedAt: string | null }>;
}) {
  const closed = f.endAt !== undefined;
  return {
    _id: f.code,
    code: f.code,
    subject: f.subject ?? 'dossier',
    revision: 3,
    history: [{ id: 'e1', type: 'vn.tthc.dossier.received', data: { applicant: { fullName: 'Nguyễn Văn A', idNumber: '001099012345' } } }],
    agencyCode: f.agencyCode ?? 'G01.001.000',
    procedureCode: f.procedureCode === undefined ? 'P1' : f.procedureCode,
    phase: closed ? 'closed' : 'open',
    statusCode: closed ? 10 : 4,
    receivedAt: d(f.receivedAt),
    dueAt: d(f.dueAt),
    closedAt: d(f.endAt ?? null),
    endAt: d(f.endAt ?? null),
    timeliness: f.timeliness ?? null,
    overdue: f.overdue ?? false,
    atRisk: f.atRisk ?? false,
    paused: false,
    deadlines: [],
    state: {
      apologies: (f.apologies ?? []).map((issuedAt) => ({ issuedAt, newAppointmentAt: issuedAt, valid: true, flag: null, channels: ['sms'] })),
      steps: (f.steps ?? []).map((s) => ({ ...s, assignedAt: f.receivedAt, allottedHours: 8, timeliness: null, overdue: false })),
      lateAgencies: [],
    },
    updatedAt: new Date(),
  };
}

const docs = [
  // G01.001.000 in February 2026 (Tết 14–22/02): see packages/metrics delay-counts.test.ts.
  stored({
    code: 'A',
    receivedAt: '2026-01-20T09:00:00+07:00',
    dueAt: '2026-02-05T17:00:00+07:00',
    overdue: true,
    apologies: ['2026-02-04T10:00:00+07:00'],
    steps: [
      { stepNo: 1, agencyCode: 'G01.001.000', name: 'Thẩm định', dueAt: '2026-01-22T17:00:00+07:00', completedAt: '2026-01-22T10:00:00+07:00' },
      { stepNo: 2, agencyCode: 'G01.002.000', name: 'Lấy ý kiến Sở Xây dựng', dueAt: '2026-02-03T17:00:00+07:00', completedAt: null },
    ],
  }),
  stored({ code: 'B', receivedAt: '2026-01-25T09:00:00+07:00', dueAt: '2026-02-10T17:00:00+07:00', endAt: '2026-03-03T09:00:00+07:00', timeliness: 'late' }),
  stored({ code: 'C', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-12T17:00:00+07:00', endAt: '2026-02-11T10:00:00+07:00', timeliness: 'early' }),
  stored({ code: 'D', receivedAt: '2026-02-13T14:00:00+07:00', dueAt: '2026-02-25T14:00:00+07:00', endAt: '2026-02-25T11:00:00+07:00', timeliness: 'on-time' }),
  stored({ code: 'E', receivedAt: '2026-02-13T14:00:00+07:00', dueAt: '2026-02-25T14:00:00+07:00', endAt: '2026-02-26T09:00:00+07:00', timeliness: 'late' }),
  stored({ code: 'G', receivedAt: '2026-02-20T09:00:00+07:00', dueAt: '2026-03-12T17:00:00+07:00', atRisk: true }),
  stored({ code: 'I', subject: 'petition', procedureCode: null, receivedAt: '2026-02-03T09:00:00+07:00', dueAt: '2026-02-24T17:00:00+07:00', endAt: '2026-02-23T09:00:00+07:00', timeliness: 'on-time' }),
  // Another province: never visible to G01 keys.
  stored({ code: 'Z1', agencyCode: 'G02.001.000', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-04T17:00:00+07:00', overdue: true }),
  stored({ code: 'Z2', agencyCode: 'G02.001.000', receivedAt: '2026-02-03T09:00:00+07:00', dueAt: '2026-02-27T17:00:00+07:00', endAt: '2026-02-26T17:00:00+07:00', timeliness: 'on-time' }),
];

async function get(path: string, key: string = REFORM, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
  const type = res.headers.get('content-type') ?? '';
  const raw = Buffer.from(await res.arrayBuffer());
  const body = type.includes('json') ? JSON.parse(raw.toString('utf8')) : null;
  return { status: res.status, type, raw, body, headers: res.headers };
}

/** Splits RFC 4180 CSV (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else if (c !== '\r') cell += c;
  }
  return rows;
}

beforeAll(async () => {
  mongo = await mongoose.createConnection(mongoUrl).asPromise();
  await mongo.collection(COLLECTIONS.dossiers).insertMany(docs as never[]);
  // An older document: dates as ISO strings, no state, no subject.
  await mongo.collection(COLLECTIONS.dossiers).insertOne({ _id: 'OLD-1', agencyCode: 'G01.002.000', procedureCode: 'P9', phase: 'open', receivedAt: '2026-02-16T02:00:00.000Z', dueAt: '2026-02-18T02:00:00.000Z', overdue: true } as never);
  await mongo.collection(COLLECTIONS.calendarAudits).insertOne({
    _id: 'vn-civil-service@abc@2026-02-01T00:00:00.000Z',
    calendarId: 'vn-civil-service',
    fromVersion: 'old111111111',
    toVersion: 'abc',
    appliedAt: new Date('2026-02-01T00:00:00Z'),
    affected: [
      { code: 'A', subject: 'dossier', agencyCode: 'G01.001.000', oldDueAt: '2026-02-04T17:00:00+07:00', newDueAt: '2026-02-05T17:00:00+07:00', deadlineKeys: ['dossier'] },
      { code: 'Z1', subject: 'dossier', agencyCode: 'G02.001.000', oldDueAt: null, newDueAt: null, deadlineKeys: ['dossier'] },
    ],
    unchangedOpenCount: 4,
  } as never);
  await importCatalog(mongo, loadCatalogFile(SAMPLE_CATALOG_PATH));
  url = (await app.start()).url;
});

afterAll(async () => {
  await app.stop();
  await mongo.dropDatabase().catch(() => undefined);
  await mongo.close();
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
    expect(audits.body.items[0]).toMatchObject({ calendarId: 'vn-civil-service', fromVersion: 'old111111111', toVersion: 'abc', unchangedOpenCount: 4 });
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
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining(['766.pakn-on-time', '766.satisfaction-proxy', 'par.on-time-province']));
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
    const dossiers = mongo.collection(COLLECTIONS.dossiers);
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
    expect(ids).toEqual(expect.arrayContaining(['766.progress', '766.pakn-on-time', '766.satisfaction-proxy']));
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
