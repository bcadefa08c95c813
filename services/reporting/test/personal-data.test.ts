import ExcelJS from 'exceljs';
import { COLLECTIONS } from '@tthc/contracts';
import { ControllableClock } from '@tthc/testkit';
import { OPEN_PETITION, PII, PORTAL, PROVINCE, REFORM, startReporting, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
let api: ReportingUnderTest;

beforeAll(async () => {
  api = await startReporting({ name: 'reporting-pii', clock });
  await api.mongo.collection(COLLECTIONS.dossiers).insertOne(OPEN_PETITION as never);
});

afterAll(async () => {
  await api.stop();
});

/** Each seeded personal value found in `text`. */
function personalDataIn(text: string): string[] {
  return Object.values(PII).filter((v) => text.includes(v));
}

async function xlsxText(raw: Buffer): Promise<string> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(raw as unknown as ArrayBuffer);
  const cells: string[] = [];
  wb.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => void cells.push(String(cell.value ?? '')))));
  return cells.join('\n');
}

describe('personal data in read responses', () => {
  test('when a dossier whose history carries the applicant and portal fields is read, then none of them is shown', async () => {
    const res = await api.get('/v1/dossiers/A', PORTAL);
    expect(res.status).toBe(200);
    expect(personalDataIn(res.raw.toString('utf8'))).toEqual([]);
    // What may be shown still is.
    expect(res.body.history.map((h: { type: string }) => h.type)).toEqual(['vn.tthc.dossier.received', 'vn.tthc.dossier.supplement-requested', 'vn.tthc.dossier.step-assigned']);
    expect(res.body.history[0].data).toEqual({ dossierCode: 'A', procedureCode: 'P1', agencyCode: 'G01.001.000', receivedAt: '2026-01-20T09:00:00+07:00', channel: 'direct' });
    expect(res.body.history[2].data).toMatchObject({ stepNo: 2, stepAgencyCode: 'G01.002.000', stepName: 'Lấy ý kiến Sở Xây dựng' });
  });

  test('when a petition with a petitioner is read, then the petitioner and the title are not shown', async () => {
    for (const code of ['I', 'PAKN-OPEN']) {
      const res = await api.get(`/v1/dossiers/${code}`, REFORM);
      expect({ code, status: res.status, found: personalDataIn(res.raw.toString('utf8')) }).toEqual({ code, status: 200, found: [] });
      expect(res.body.history[0].data).not.toHaveProperty('petitioner');
    }
    expect((await api.get('/v1/dossiers/I')).body.history[0].data).toEqual({ petitionCode: 'I', agencyCode: 'G01.001.000', occurredAt: '2026-02-03T09:00:00+07:00', field: 'Môi trường', channel: 'online' });
  });

  test('when the open lists of dossiers and petitions are read, then they hold no personal data', async () => {
    for (const path of ['/v1/dossiers?overdue=true', '/v1/dossiers?subject=petition', '/v1/dossiers?atRisk=true&period=2026-03', '/v1/alerts']) {
      const res = await api.get(path, PROVINCE);
      expect({ path, status: res.status, found: personalDataIn(res.raw.toString('utf8')) }).toEqual({ path, status: 200, found: [] });
    }
    const petitions = await api.get('/v1/dossiers?subject=petition', PROVINCE);
    expect(petitions.body.items.map((i: { code: string }) => i.code)).toEqual(['PAKN-OPEN']);
  });

  test('when the lists are exported as CSV and XLSX, then the files hold no personal data', async () => {
    const csv = await api.get('/v1/dossiers?overdue=true&format=csv', PROVINCE);
    expect(csv.status).toBe(200);
    const csvText = csv.raw.toString('utf8');
    expect(csvText).toContain('PAKN-OPEN');
    expect(personalDataIn(csvText)).toEqual([]);
    const xlsx = await api.get('/v1/dossiers?overdue=true&format=xlsx', REFORM);
    expect(xlsx.status).toBe(200);
    const text = await xlsxText(xlsx.raw);
    expect(text).toContain('PAKN-OPEN');
    expect(personalDataIn(text)).toEqual([]);
    for (const path of ['/v1/metrics/late-cases?period=2026-02&format=csv', '/v1/index/subscores?period=2026-02&format=csv']) {
      const res = await api.get(path, PROVINCE);
      expect({ path, status: res.status, found: personalDataIn(res.raw.toString('utf8')) }).toEqual({ path, status: 200, found: [] });
    }
  });
});
