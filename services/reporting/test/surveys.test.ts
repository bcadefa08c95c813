import { COLLECTIONS } from '@tthc/contracts';
import { ControllableClock } from '@tthc/testkit';
import { MANAGER, NARROW_REFORM, PORTAL, PROVINCE, REFORM, startReporting, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
let api: ReportingUnderTest;

beforeAll(async () => {
  api = await startReporting({ name: 'reporting-surveys', clock, seed: false, env: { SIPAS_TARGET_PERCENT: '89' } });
});

afterAll(async () => {
  await api.stop();
});

async function importCsv(csv: string, key = PROVINCE, contentType = 'text/csv') {
  const res = await fetch(`${api.url}/v1/surveys/import`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body: csv });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
}

const stored = () => api.mongo.collection(COLLECTIONS.surveyResults).find({}).sort({ _id: 1 }).toArray();

describe('survey import', () => {
  test('when a line is bad, then the answer is problem+json naming that line and column, and nothing is stored', async () => {
    const csv = ['agencyCode,period,respondents,satisfied,survey', 'G01.001.000,2026,400,380,SIPAS 2026', 'G01.002.000,2026,200,2O0,SIPAS 2026', 'G01.101.000,2026-Q7,50,45,'].join('\n');
    const res = await importCsv(csv);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: 'urn:tthc:problem:invalid-survey-csv', status: 400 });
    expect(res.body.errors).toEqual([
      { pointer: '/lines/3/satisfied', detail: 'line 3: must be a whole number' },
      { pointer: '/lines/4/period', detail: expect.stringContaining('line 4:') },
    ]);
    expect(res.body.detail).toContain('Nothing was imported');
    expect(await stored()).toEqual([]);
  });

  test('when more are satisfied than asked, a line repeats an agency and period, or a column is unknown, then each is named', async () => {
    const repeated = await importCsv('agencyCode,period,respondents,satisfied\nG01.001.000,2026,10,11\nG01.002.000,2026,10,9\nG01.002.000,2026,12,9\n');
    expect(repeated.status).toBe(400);
    expect(repeated.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/lines/2/satisfied', '/lines/4']);
    expect(repeated.body.errors[1].detail).toBe('line 4: repeats agency G01.002.000 and period 2026 of line 3');
    const header = await importCsv('agencyCode,period,respondents,happy\nG01.001.000,2026,10,9\n');
    expect(header.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/lines/1/happy', '/lines/1/satisfied']);
    expect(await stored()).toEqual([]);
  });

  test('when a line names another agency than the key covers, then the import is refused with 403 naming the line and nothing is stored', async () => {
    const res = await importCsv('agencyCode,period,respondents,satisfied\nG01.001.000,2026,100,95\nG02.001.000,2026,100,70\n', PROVINCE);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ type: 'urn:tthc:problem:forbidden-agency', errors: [{ pointer: '/lines/3/agencyCode', detail: expect.stringContaining('G02.001.000') }] });
    // A reform office of one agency may not import its province's other agencies either.
    const narrow = await importCsv('agencyCode,period,respondents,satisfied\nG01.002.000,2026,100,95\n', NARROW_REFORM);
    expect(narrow.status).toBe(403);
    expect(await stored()).toEqual([]);
  });

  test('when a manager or portal key imports, or the body is not CSV, then it is refused', async () => {
    const csv = 'agencyCode,period,respondents,satisfied\nG01.001.000,2026,100,95\n';
    expect((await importCsv(csv, MANAGER)).status).toBe(403);
    expect((await importCsv(csv, PORTAL)).status).toBe(403);
    expect((await importCsv(csv, PROVINCE, 'application/json')).status).toBe(415);
    expect(await stored()).toEqual([]);
  });

  test('when the body is huge, in a charset nobody knows, has a broken quote or binary noise, then the answer is a 4xx problem+json and nothing is stored', async () => {
    const header = 'agencyCode,period,respondents,satisfied\n';
    const bodies: Array<[string, string]> = [
      [header + 'G01.001.000,2026,100,95\n'.repeat(60_000), 'text/csv'],
      [header + 'G01.001.000,2026,100,95\n', 'text/csv; charset=x-no-such-charset'],
      [header + '"G01.001.000,2026,100,95\n', 'text/csv'],
      [header + 'G01.001.000,"2026"x,100,95\n', 'text/csv'],
      ['\u0000\u0001\uFFFD,,,\n\u0000', 'text/csv'],
      ['', 'text/csv'],
      [`${header}${'G01.001.000,2026,100,95,extra\n'}`, 'text/csv'],
    ];
    for (const [body, type] of bodies) {
      const res = await importCsv(body, PROVINCE, type);
      expect({ type, start: body.slice(0, 20), status: res.status >= 400 && res.status < 500, problem: res.type.includes('application/problem+json') }).toEqual({ type, start: body.slice(0, 20), status: true, problem: true });
    }
    expect(await stored()).toEqual([]);
  });

  test('when a valid file is imported, then the shares per agency come back beside the 89 % target, each key seeing its own agencies', async () => {
    const csv = '\uFEFFagencyCode,period,respondents,satisfied,survey\r\nG01.001.000,2026,400,380,"SIPAS 2026, đợt 1"\r\nG01.002.000,2026,200,170,SIPAS 2026\r\nG01.101.000,2025,50,40,\r\n';
    const res = await importCsv(csv);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ imported: 3, agencies: ['G01.001.000', 'G01.002.000', 'G01.101.000'], periods: ['2025', '2026'] });

    const province = await api.get('/v1/surveys/satisfaction?period=2026', PROVINCE);
    expect(province.status).toBe(200);
    expect(province.body).toMatchObject({
      period: '2026',
      targetPercent: 89,
      items: [
        { agencyCode: 'G01.002.000', respondents: 200, satisfied: 170, satisfactionPercent: 85, meetsTarget: false, survey: 'SIPAS 2026' },
        { agencyCode: 'G01.001.000', respondents: 400, satisfied: 380, satisfactionPercent: 95, meetsTarget: true, survey: 'SIPAS 2026, đợt 1', agencyName: 'Sở Tư pháp (mẫu)' },
      ],
      totals: { agencies: 2, respondents: 600, satisfied: 550, satisfactionPercent: 91.67, meetsTarget: true, belowTarget: 1 },
    });
    const manager = await api.get('/v1/surveys/satisfaction?period=2026', MANAGER);
    expect(manager.body.items.map((i: { agencyCode: string }) => i.agencyCode)).toEqual(['G01.001.000']);
    expect((await api.get('/v1/surveys/satisfaction?period=2026&agency=G02.*', PROVINCE)).status).toBe(403);
    expect((await api.get('/v1/surveys/satisfaction?period=2026', PORTAL)).status).toBe(403);
    expect((await api.get('/v1/surveys/satisfaction', PROVINCE)).status).toBe(400);

    // Importing a result again replaces it; the audit log says who imported what.
    expect((await importCsv('agencyCode,period,respondents,satisfied\nG01.002.000,2026,200,190\n')).status).toBe(201);
    const again = await api.get('/v1/surveys/satisfaction?period=2026&agency=G01.002.000', REFORM);
    expect(again.body.items).toEqual([expect.objectContaining({ satisfactionPercent: 95, meetsTarget: true, survey: null })]);
    expect(await stored()).toHaveLength(3);
    const audit = await api.get('/v1/audit-log?action=survey.imported', REFORM);
    expect(audit.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'survey.imported', agencyCode: 'G01.002.000', target: '2026', actor: expect.stringMatching(/^key:[0-9a-f]{16}$/) })]));
  });
});
