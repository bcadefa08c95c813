import { COLLECTIONS } from '@tthc/contracts';
import { ControllableClock } from '@tthc/testkit';
import { openApiDocument } from '../src/entry-points/http/openapi';
import { openApiChecker } from '../../../tests/e2e/support/openapi-check';
import { COMMUNE_MANAGER, MANAGER, PII, PORTAL, PROVINCE, REFORM, startReporting, type ReportingUnderTest } from './reporting-harness';

// A working Tuesday afternoon; the calendar is the shipped national one (08:00–12:00, 13:00–17:00, UTC+7).
const clock = new ControllableClock('2026-03-10T15:00:00+07:00');
const vn = (local: string) => `${local}+07:00`;
const SOURCE = 'urn:portal:case-record';
let api: ReportingUnderTest;
const checker = openApiChecker('reporting', openApiDocument);

const fact = (code: string, id: string, type: string, occurredAt: string, data: Record<string, unknown>) => ({ key: `${SOURCE}\n${id}`, id, source: SOURCE, type, time: occurredAt, occurredAt, data });

/**
 * A dossier as workflow stores it after: the receipt (due Thursday 5/3 17:00), a supplement
 * request answered two working days later (due moved to Monday 9/3 17:00), a step handed to
 * another agency and no apology; it is still open and overdue.
 */
const received = fact('CR-D1', 'd1', 'vn.tthc.dossier.received', vn('2026-03-02T09:00:00'), {
  dossierCode: 'CR-D1',
  agencyCode: 'G01.001.000',
  procedureCode: '1.001234',
  receivedAt: vn('2026-03-02T09:00:00'),
  appointmentAt: vn('2026-03-05T17:00:00'),
  applicant: { fullName: PII.applicantName, idNumber: PII.applicantId },
});
const firstRequest = fact('CR-D1', 'd2', 'vn.tthc.dossier.supplement-requested', vn('2026-03-02T10:00:00'), { dossierCode: 'CR-D1', agencyCode: 'G01.001.000', occurredAt: vn('2026-03-02T10:00:00'), reason: PII.deskReason });
const supplied = fact('CR-D1', 'd3', 'vn.tthc.dossier.supplement-received', vn('2026-03-04T10:00:00'), { dossierCode: 'CR-D1', agencyCode: 'G01.001.000', occurredAt: vn('2026-03-04T10:00:00') });
const stepAssigned = fact('CR-D1', 'd4', 'vn.tthc.dossier.step-assigned', vn('2026-03-04T11:00:00'), {
  dossierCode: 'CR-D1',
  agencyCode: 'G01.001.000',
  occurredAt: vn('2026-03-04T11:00:00'),
  stepNo: 1,
  stepAgencyCode: 'G01.002.000',
  stepName: 'Thẩm định',
  allottedHours: 8,
});
const DOSSIER = {
  _id: 'CR-D1',
  code: 'CR-D1',
  subject: 'dossier',
  revision: 4,
  history: [received, firstRequest, supplied, stepAssigned],
  agencyCode: 'G01.001.000',
  procedureCode: '1.001234',
  phase: 'open',
  statusCode: 4,
  receivedAt: new Date(vn('2026-03-02T09:00:00')),
  dueAt: new Date(vn('2026-03-09T17:00:00')),
  closedAt: null,
  endAt: null,
  timeliness: null,
  overdue: true,
  overdueAt: new Date(vn('2026-03-09T17:00:05')),
  atRisk: false,
  paused: false,
  deadlines: [
    { key: 'dossier', kind: 'dossier', dueAt: vn('2026-03-09T17:00:00'), version: 2, status: 'open', agencyCode: 'G01.001.000', label: 'Ngày hẹn trả kết quả', legalBasis: 'NĐ 118/2025/NĐ-CP', warn: true, escalate: true },
    { key: 'forwarding', kind: 'forwarding', dueAt: vn('2026-03-03T09:00:00'), version: 1, status: 'missed', agencyCode: 'G01.001.000', label: 'Chuyển hồ sơ đến cơ quan có thẩm quyền', legalBasis: 'NĐ 118/2025/NĐ-CP', warn: false, escalate: false },
    { key: 'step:1', kind: 'step', dueAt: vn('2026-03-05T11:00:00'), version: 1, status: 'open', agencyCode: 'G01.002.000', label: 'Thẩm định', legalBasis: 'TT 03/2025/TT-VPCP', warn: false, escalate: true },
  ],
  findings: [{ code: 'wait-ended-by-processing', detail: 'step-assigned while the dossier waited', factKey: stepAssigned.key, at: stepAssigned.occurredAt }],
  state: {
    subject: 'dossier',
    phase: 'open',
    appointmentAt: vn('2026-03-05T17:00:00'),
    legalDueAt: vn('2026-03-06T09:00:00'),
    supplementRequests: 1,
    pausedWorkingMinutes: 960,
    apologies: [],
    steps: [{ stepNo: 1, agencyCode: 'G01.002.000', name: 'Thẩm định', assignedAt: vn('2026-03-04T11:00:00'), allottedHours: 8, dueAt: vn('2026-03-05T11:00:00'), completedAt: null, timeliness: null, overdue: true }],
    lateAgencies: ['G01.002.000'],
    forwarding: { dueAt: vn('2026-03-03T09:00:00'), forwardedAt: vn('2026-03-04T11:00:00'), timeliness: 'late' },
    rejected: [],
  },
  updatedAt: new Date(),
};

const petition = (code: string, agencyCode: string) => ({
  _id: code,
  code,
  subject: 'petition',
  revision: 2,
  history: [
    fact(code, `${code}-1`, 'vn.tthc.petition.received', vn('2026-02-02T09:00:00'), { petitionCode: code, agencyCode, occurredAt: vn('2026-02-02T09:00:00'), title: PII.petitionTitle, petitioner: { fullName: PII.petitionerName } }),
    fact(code, `${code}-2`, 'vn.tthc.petition.answered', vn('2026-03-04T10:00:00'), { petitionCode: code, agencyCode, occurredAt: vn('2026-03-04T10:00:00') }),
  ],
  agencyCode,
  procedureCode: null,
  phase: 'open',
  statusCode: null,
  receivedAt: new Date(vn('2026-02-02T09:00:00')),
  dueAt: new Date(vn('2026-03-02T09:00:00')),
  closedAt: null,
  endAt: new Date(vn('2026-03-04T10:00:00')),
  timeliness: 'late',
  overdue: false,
  overdueAt: null,
  atRisk: false,
  paused: false,
  deadlines: [{ key: 'petition:answer', kind: 'petition-answer', dueAt: vn('2026-03-02T09:00:00'), version: 1, status: 'missed', agencyCode, label: 'Trả lời PAKN', legalBasis: 'QĐ 766/QĐ-TTg', warn: true, escalate: true }],
  findings: [{ code: 'petition-answer-late', detail: 'answered after the answer deadline', factKey: `${SOURCE}\n${code}-2`, at: vn('2026-03-04T10:00:00') }],
  state: { subject: 'petition', holderAgencyCode: agencyCode, answeredAt: vn('2026-03-04T10:00:00'), transfers: [], status: 'answered', rejected: [] },
  updatedAt: new Date(),
});

beforeAll(async () => {
  api = await startReporting({ name: 'reporting-case', clock });
  await api.mongo.collection(COLLECTIONS.dossiers).insertMany([DOSSIER, petition('CR-P1', 'G01.001.000'), petition('CR-P2', 'G02.001.000')] as never[]);
});

afterAll(async () => {
  await api.stop();
});

async function read(template: string, path: string, key: string) {
  const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return checker.check('get', template, res) as Promise<{ status: number; body: any; text: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted field by field
}

describe('the case record of a dossier', () => {
  test('when an overdue dossier is read, then every deadline, the pause, working time late and the findings come back as documented', async () => {
    const res = await read('/v1/dossiers/{code}', '/v1/dossiers/CR-D1', PORTAL);
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r.deadlines.map((d: { key: string; answerableAgencyCode: string; status: string }) => [d.key, d.answerableAgencyCode, d.status])).toEqual([
      ['dossier', 'G01.001.000', 'open'],
      ['forwarding', 'G01.001.000', 'missed'],
      ['step:1', 'G01.002.000', 'open'],
    ]);
    // Due Monday 17:00, read Tuesday 15:00: 08:00–12:00 and 13:00–15:00.
    expect(r.late).toEqual({ workingMinutes: 360, workingDays: 0.8 });
    expect(r.deadlines[0].late).toEqual({ workingMinutes: 360, workingDays: 0.8 });
    expect(r.deadlines[1]).toMatchObject({ endAt: vn('2026-03-04T11:00:00'), late: { workingMinutes: 420 + 180, workingDays: 1.3 } });
    // Monday 10:00 to Wednesday 10:00: two working days.
    expect(r.pauses).toEqual([{ kinds: ['supplement'], startedAt: vn('2026-03-02T10:00:00'), endedAt: vn('2026-03-04T10:00:00'), endedBy: 'vn.tthc.dossier.supplement-received', workingMinutes: 960, givenBack: true, fromWorkingMinute: 60, toWorkingMinute: 1020 }]);
    expect(r.pausedWorkingMinutes).toBe(960);
    expect(r.findings.map((f: { code: string; origin: string }) => [f.code, f.origin])).toEqual([
      ['wait-ended-by-processing', 'workflow'],
      ['late-without-apology', 'reporting'],
      ['step-late', 'reporting'],
      ['forwarding-late', 'reporting'],
    ]);
    for (const f of r.findings) expect(f.vi).not.toBe(f.en);
    expect(r.findings[0].factId).toBe('d4');
    expect(r.history.map((h: { id: string; workingMinute: number }) => [h.id, h.workingMinute])).toEqual([
      ['d1', 0],
      ['d2', 60],
      ['d3', 1020],
      ['d4', 1080],
    ]);
    expect(r.timeline).toMatchObject({ origin: vn('2026-03-02T09:00:00'), calendarId: 'vn-civil-service', dayLengthMinutes: 480 });
    expect(JSON.stringify(r)).not.toContain(PII.applicantName);
    expect(JSON.stringify(r)).not.toContain(PII.deskReason);
    expect(checker.calls.flatMap((c) => c.problems)).toEqual([]);
  });

  test('when a key of another agency asks for the dossier, then it is reported as absent', async () => {
    expect((await read('/v1/dossiers/{code}', '/v1/dossiers/CR-D1', COMMUNE_MANAGER)).status).toBe(404);
  });
});

describe('the case record of a petition', () => {
  test('when a late-answered petition is read on its route, then its answer deadline, lateness and finding come back as documented', async () => {
    const res = await read('/v1/petitions/{code}', '/v1/petitions/CR-P1', MANAGER);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 'CR-P1', subject: 'petition', classification: 'late', holderAgencyCode: 'G01.001.000', pauses: [], reappointments: [] });
    // Due Monday 2/3 09:00, answered Wednesday 4/3 10:00: 7 + 8 + 2 working hours.
    expect(res.body.deadlines[0]).toMatchObject({ key: 'petition:answer', answerableAgencyCode: 'G01.001.000', endAt: vn('2026-03-04T10:00:00'), late: { workingMinutes: 17 * 60, workingDays: 2.1 } });
    expect(res.body.findings[0]).toMatchObject({ code: 'petition-answer-late', factId: 'CR-P1-2', factType: 'vn.tthc.petition.answered' });
    expect(res.text).not.toContain(PII.petitionTitle);
    expect(res.text).not.toContain(PII.petitionerName);
    expect(checker.calls.flatMap((c) => c.problems)).toEqual([]);
  });

  test("when a key asks for a petition of another agency, then it is reported as absent exactly like a code that does not exist", async () => {
    for (const key of [PORTAL, MANAGER, PROVINCE]) {
      const other = await read('/v1/petitions/{code}', '/v1/petitions/CR-P2', key);
      const missing = await read('/v1/petitions/{code}', '/v1/petitions/CR-NOPE', key);
      expect({ key, status: other.status }).toEqual({ key, status: 404 });
      expect(other.body.title).toBe(missing.body.title);
      expect(other.text).not.toContain('G02.001.000');
    }
    expect((await read('/v1/petitions/{code}', '/v1/petitions/CR-P2', REFORM)).status).toBe(200);
  });

  test('when a dossier code is asked for on the petition route, then it is not found there', async () => {
    expect((await read('/v1/petitions/{code}', '/v1/petitions/CR-D1', REFORM)).status).toBe(404);
  });

  test('when the petition route is given a query or a code with control characters, then it answers 400', async () => {
    expect((await read('/v1/petitions/{code}', '/v1/petitions/CR-P1?x=1', REFORM)).status).toBe(400);
    expect((await read('/v1/petitions/{code}', '/v1/petitions/CR%07P1', REFORM)).status).toBe(400);
    expect(checker.calls.flatMap((c) => c.problems)).toEqual([]);
  });
});
