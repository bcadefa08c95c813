/**
 * Dossier lifecycle rules on the real national calendar (08:00–12:00, 13:00–17:00, UTC+7, Tết 2026
 * 14/2–22/2). Expected instants were computed by hand and checked with `npx tthc-calendar`.
 */
import { deriveDossierState } from './dossier-state';
import { AGENCY, CODE, TEN_DAY_PROCEDURE, alert, event, received, resolved, testContext, vn } from '../../test/support/dossier-fact.builder';
import type { Fact } from './subject';

const ctx = testContext();
const derive = (history: Fact[], context = ctx) => deriveDossierState(CODE, history, context);
const codes = (s: { findings: { code: string }[] }) => s.findings.map((f) => f.code);

// Received Monday 2/3/2026 09:00 with the appointment on Thursday 5/3 17:00.
const receipt = received(vn('2026-03-02T09:00:00'), { appointmentAt: vn('2026-03-05T17:00:00') });

describe('reception and due instant', () => {
  test('when a dossier is received with an appointment, then it is open, status 2, due at the appointment, version 1', () => {
    const s = derive([receipt]);
    expect(s).toMatchObject({ subject: 'dossier', phase: 'open', statusCode: 2, dueAt: vn('2026-03-05T17:00:00'), deadlineVersion: 1, paused: false, timeliness: null });
    expect(s.deadlines).toEqual([
      expect.objectContaining({ key: 'dossier', kind: 'dossier', dueAt: vn('2026-03-05T17:00:00'), version: 1, status: 'open', agencyCode: AGENCY, warn: true, escalate: true }),
      // One working day to hand it to the competent agency: Tuesday 3/3 09:00.
      expect.objectContaining({ key: 'forwarding', kind: 'forwarding', dueAt: vn('2026-03-03T09:00:00'), version: 1, status: 'open', agencyCode: AGENCY, warn: false, escalate: false }),
    ]);
    expect(s.deadlines[0]?.legalBasis).toContain('NĐ 118/2025/NĐ-CP');
  });

  test('when the catalog knows the procedure and no appointment is given, then the due instant is the legal maximum', () => {
    const s = derive([received(vn('2026-03-02T09:00:00'), { lookup: { procedure: TEN_DAY_PROCEDURE } })]);
    // 10 working days from Monday 2/3 09:00 → Monday 16/3 09:00.
    expect(s).toMatchObject({ dueAt: '2026-03-16T09:00:00+07:00', legalDueAt: '2026-03-16T09:00:00+07:00', catalogVersion: '2026.1', appointmentAt: null });
    expect(s.calendarVersion).toEqual(expect.any(String));
    expect(s.deadlines[0]?.legalBasis).toContain('Quyết định 1/2026/QĐ-UBND (test)');
    expect(codes(s)).toEqual([]);
  });

  test('when the appointment is later than the catalog maximum, then the appointment rules and the audit finding is raised', () => {
    const s = derive([received(vn('2026-03-02T09:00:00'), { appointmentAt: vn('2026-03-17T09:00:00'), lookup: { procedure: TEN_DAY_PROCEDURE } })]);
    expect(s).toMatchObject({ dueAt: vn('2026-03-17T09:00:00'), legalDueAt: '2026-03-16T09:00:00+07:00' });
    expect(codes(s)).toEqual(['appointment-later-than-legal-maximum']);
    expect(s.findings[0]?.detail).toContain('480 working minutes');
  });

  test('when the appointment is earlier than the catalog maximum, then it is noted and still rules', () => {
    const s = derive([received(vn('2026-03-02T09:00:00'), { appointmentAt: vn('2026-03-13T09:00:00'), lookup: { procedure: TEN_DAY_PROCEDURE } })]);
    expect(s.dueAt).toBe(vn('2026-03-13T09:00:00'));
    expect(codes(s)).toEqual(['appointment-earlier-than-legal-maximum']);
  });

  test('when the procedure is unknown and no appointment is given, then there is no deadline and both findings are raised', () => {
    const s = derive([received(vn('2026-03-02T09:00:00'), { lookup: { procedure: null } })]);
    expect(s).toMatchObject({ phase: 'open', statusCode: 2, dueAt: null, deadlineVersion: 0 });
    // Only the hand-over to the competent agency still has a deadline.
    expect(s.deadlines.map((d) => d.key)).toEqual(['forwarding']);
    expect(codes(s)).toEqual(['procedure-unknown', 'no-due-date']);
  });

  test('when received just before Tết with a 3-working-day catalog time, then the due instant skips the holiday', () => {
    const threeDays = { ...TEN_DAY_PROCEDURE, procedure: { ...TEN_DAY_PROCEDURE.procedure, processingTime: { amount: 3, unit: 'working-day' as const } } };
    const s = derive([received(vn('2026-02-13T14:00:00'), { lookup: { procedure: threeDays } })]);
    expect(s.dueAt).toBe('2026-02-25T14:00:00+07:00');
  });

  test('when the receipt is re-issued with a new appointment, then the due instant moves and an old overdue alert no longer counts', () => {
    const history = [receipt, alert('overdue', vn('2026-03-05T17:00:01'), 1), received(vn('2026-03-05T18:00:00'), { appointmentAt: vn('2026-03-09T17:00:00') })];
    expect(derive(history)).toMatchObject({ deadlineVersion: 2, overdue: false, dueAt: vn('2026-03-09T17:00:00') });
    expect(derive(history.slice(0, 2))).toMatchObject({ deadlineVersion: 1, overdue: true, overdueAt: vn('2026-03-05T17:00:01') });
    // Only an apology may legally move an appointment: the move is shown to reviewers.
    expect(codes(derive(history))).toEqual(['appointment-changed-without-apology']);
  });
});

describe('no due date before reception (rule 6)', () => {
  test('when a dossier is refused at the counter, then it is closed with status 3 and no deadline', () => {
    const s = derive([event('vn.tthc.dossier.refused', vn('2026-03-02T09:00:00'))]);
    expect(s).toMatchObject({ phase: 'closed', statusCode: 3, dueAt: null, deadlines: [], timeliness: null, receivedAt: null, endAt: vn('2026-03-02T09:00:00') });
  });

  test('when a supplement is requested at the counter, then it awaits reception with status 5, no deadline and no request counted', () => {
    const s = derive([event('vn.tthc.dossier.supplement-requested', vn('2026-03-02T09:00:00'))]);
    expect(s).toMatchObject({ phase: 'awaiting-reception', statusCode: 5, dueAt: null, deadlines: [], supplementRequests: 0, paused: false });
  });

  test('when the dossier is received after a counter supplement request, then the clock starts at the receipt', () => {
    const s = derive([event('vn.tthc.dossier.supplement-requested', vn('2026-02-27T09:00:00')), receipt]);
    expect(s).toMatchObject({ phase: 'open', statusCode: 2, dueAt: vn('2026-03-05T17:00:00'), supplementRequests: 0, pausedWorkingMinutes: 0 });
  });
});

describe('closing and classification (rules 8, 9)', () => {
  test('when resolved before the appointment and returned after it, then the resolution is the end and the dossier is early', () => {
    const s = derive([receipt, resolved(vn('2026-03-05T16:00:00')), event('vn.tthc.dossier.returned', vn('2026-03-06T10:00:00'))]);
    expect(s).toMatchObject({ phase: 'closed', statusCode: 10, closedAt: vn('2026-03-05T16:00:00'), endAt: vn('2026-03-05T16:00:00'), timeliness: 'early' });
    expect(s.deadlines[0]?.status).toBe('met');
  });

  test('when resolved exactly at the appointment, then it is on time', () => {
    expect(derive([receipt, resolved(vn('2026-03-05T17:00:00'))])).toMatchObject({ statusCode: 9, timeliness: 'on-time' });
  });

  test('when only returned after the appointment, then the return is the end and it is late', () => {
    const s = derive([receipt, event('vn.tthc.dossier.returned', vn('2026-03-06T08:30:00'))]);
    expect(s).toMatchObject({ statusCode: 10, endAt: vn('2026-03-06T08:30:00'), timeliness: 'late', lateAgencies: [AGENCY] });
    expect(s.deadlines[0]?.status).toBe('missed');
  });

  test('when withdrawn before the appointment, then it is closed with status 7 and classified by the withdrawal', () => {
    expect(derive([receipt, event('vn.tthc.dossier.withdrawn', vn('2026-03-03T09:00:00'))])).toMatchObject({ phase: 'closed', statusCode: 7, timeliness: 'early' });
  });

  test('when suspended and then resumed, then the dossier is open again with status 4', () => {
    const suspended = [receipt, event('vn.tthc.dossier.suspended', vn('2026-03-03T09:00:00'))];
    expect(derive(suspended)).toMatchObject({ phase: 'closed', statusCode: 8 });
    expect(derive([...suspended, event('vn.tthc.dossier.resumed', vn('2026-03-04T09:00:00'))])).toMatchObject({ phase: 'open', statusCode: 4, closedAt: null, endAt: null, timeliness: null });
  });

  test('when a fact arrives after a final close, then it is rejected and does not change the state', () => {
    const returned = event('vn.tthc.dossier.returned', vn('2026-03-04T09:00:00'));
    const late = event('vn.tthc.dossier.step-assigned', vn('2026-03-04T10:00:00'), { stepNo: 1, stepAgencyCode: 'AG.X', allottedHours: 2 });
    const after = alert('warning', vn('2026-03-04T11:00:00'), 1);
    const s = derive([receipt, returned, late, after]);
    expect(s.rejected).toEqual([{ factKey: late.key, reason: expect.stringContaining('after the final vn.tthc.dossier.returned') }]);
    expect(s).toMatchObject({ statusCode: 10, steps: [], timeliness: 'early', atRisk: false });
  });

  test('when a petition fact or another dossier fact is in the history, then it is rejected', () => {
    const petition = { ...event('vn.tthc.dossier.processing-started', vn('2026-03-03T09:00:00')), type: 'vn.tthc.petition.answered', key: 'urn:x\np1' } as Fact;
    const other = { ...event('vn.tthc.dossier.withdrawn', vn('2026-03-03T10:00:00')), key: 'urn:x\no1' } as Fact;
    (other.data as { dossierCode: string }).dossierCode = 'OTHER';
    const s = derive([receipt, petition, other]);
    expect(s.rejected.map((r) => r.factKey)).toEqual([petition.key, other.key]);
    expect(s.phase).toBe('open');
  });
});

describe('supplement during processing (rule 7)', () => {
  // Received 2/2/2026, appointment Friday 13/2 17:00 (the last working day before Tết).
  const beforeTet = received(vn('2026-02-02T09:00:00'), { appointmentAt: vn('2026-02-13T17:00:00') });
  const requested = event('vn.tthc.dossier.supplement-requested', vn('2026-02-12T10:00:00'));
  const supplied = event('vn.tthc.dossier.supplement-received', vn('2026-02-24T14:00:00'));

  test('when waiting for the citizen, then the dossier stays open, paused, status 5, with a paused deadline', () => {
    const s = derive([beforeTet, requested]);
    expect(s).toMatchObject({ phase: 'open', paused: true, statusCode: 5, supplementRequests: 1, dueAt: vn('2026-02-13T17:00:00'), deadlineVersion: 1 });
    expect(s.deadlines[0]?.status).toBe('paused');
  });

  test('when the supplement spans Tết, then only working time is paused and added to the due instant', () => {
    const s = derive([beforeTet, requested, supplied]);
    // 12/2 6 h + 13/2 8 h + 23/2 8 h + 24/2 5 h = 27 h; from 13/2 17:00 → 23, 24, 25/2 and 3 h of 26/2.
    expect(s).toMatchObject({ paused: false, statusCode: 4, pausedWorkingMinutes: 1620, dueAt: '2026-02-26T11:00:00+07:00', deadlineVersion: 2 });
    expect(s.deadlines[0]).toMatchObject({ status: 'open', version: 2 });
  });

  test('when the dossier closes while waiting, then the end instant is the request time', () => {
    const s = derive([beforeTet, requested, event('vn.tthc.dossier.withdrawn', vn('2026-02-25T09:00:00'))]);
    expect(s).toMatchObject({ phase: 'closed', statusCode: 7, endAt: vn('2026-02-12T10:00:00'), timeliness: 'early', paused: false });
  });

  test('when the supplement is requested twice, then the dossier is late whatever its end time', () => {
    const s = derive([
      receipt,
      event('vn.tthc.dossier.supplement-requested', vn('2026-03-02T10:00:00')),
      event('vn.tthc.dossier.supplement-received', vn('2026-03-02T11:00:00')),
      event('vn.tthc.dossier.supplement-requested', vn('2026-03-03T10:00:00')),
      event('vn.tthc.dossier.supplement-received', vn('2026-03-03T11:00:00')),
      resolved(vn('2026-03-04T09:00:00')),
    ]);
    expect(s).toMatchObject({ supplementRequests: 2, pausedWorkingMinutes: 120, dueAt: '2026-03-06T10:00:00+07:00', timeliness: 'late', lateAgencies: [AGENCY] });
    expect(codes(s)).toEqual(['second-supplement-request']);
  });

  test('when a financial obligation is requested, then the clock runs unless configured to pause', () => {
    const history = [receipt, event('vn.tthc.dossier.financial-obligation-requested', vn('2026-03-03T09:00:00')), event('vn.tthc.dossier.financial-obligation-fulfilled', vn('2026-03-03T11:00:00'))];
    expect(derive(history)).toMatchObject({ statusCode: 4, pausedWorkingMinutes: 0, dueAt: vn('2026-03-05T17:00:00') });
    expect(derive(history, testContext({ financialObligationPausesClock: true }))).toMatchObject({ pausedWorkingMinutes: 120, dueAt: '2026-03-06T10:00:00+07:00', deadlineVersion: 2 });
    expect(derive(history.slice(0, 2), testContext({ financialObligationPausesClock: true }))).toMatchObject({ statusCode: 6, paused: true });
  });
});

describe('the portal shows 4 again while the dossier waits (no previous status in a portal record)', () => {
  const beforeTet = received(vn('2026-02-02T09:00:00'), { appointmentAt: vn('2026-02-13T17:00:00') });
  const requested = event('vn.tthc.dossier.supplement-requested', vn('2026-02-12T10:00:00'));
  const explicit = derive([beforeTet, requested, event('vn.tthc.dossier.supplement-received', vn('2026-02-24T14:00:00'))]);

  test('when processing starts again while a supplement is awaited, then the wait ends then, as if the supplement had been received', () => {
    const s = derive([beforeTet, requested, event('vn.tthc.dossier.processing-started', vn('2026-02-24T14:00:00'))]);
    expect(s).toMatchObject({ paused: false, statusCode: 4, pausedWorkingMinutes: explicit.pausedWorkingMinutes, dueAt: explicit.dueAt, deadlineVersion: 2 });
    expect(s.pausedWorkingMinutes).toBe(1620);
    expect(codes(s)).toEqual(['wait-ended-by-processing']);
    expect(s.deadlines[0]).toMatchObject({ status: 'open', version: 2 });
  });

  test('when a step event comes while a supplement is awaited, then the wait ends at the step and a later supplement-received changes nothing', () => {
    const step = event('vn.tthc.dossier.step-assigned', vn('2026-02-24T14:00:00'), { stepNo: 1, stepAgencyCode: 'G01.002.000', allottedHours: 8 });
    const late = event('vn.tthc.dossier.supplement-received', vn('2026-02-25T09:00:00'));
    const s = derive([beforeTet, requested, step, late]);
    expect(s).toMatchObject({ paused: false, statusCode: 4, pausedWorkingMinutes: 1620, dueAt: explicit.dueAt, deadlineVersion: 2 });
    expect(derive([beforeTet, requested, event('vn.tthc.dossier.step-completed', vn('2026-02-24T14:00:00'), { stepNo: 1 })])).toMatchObject({ paused: false, pausedWorkingMinutes: 1620 });
  });

  test('when processing starts again during a pausing financial obligation, then that wait ends too; with the default rule nothing was paused', () => {
    const history = [receipt, event('vn.tthc.dossier.financial-obligation-requested', vn('2026-03-03T09:00:00')), event('vn.tthc.dossier.processing-started', vn('2026-03-03T11:00:00'))];
    expect(derive(history, testContext({ financialObligationPausesClock: true }))).toMatchObject({ paused: false, statusCode: 4, pausedWorkingMinutes: 120, dueAt: '2026-03-06T10:00:00+07:00', deadlineVersion: 2 });
    const byDefault = derive(history);
    expect(byDefault).toMatchObject({ paused: false, statusCode: 4, pausedWorkingMinutes: 0, dueAt: vn('2026-03-05T17:00:00'), deadlineVersion: 1 });
    expect(codes(byDefault)).toEqual([]);
  });

  test('when processing-started comes with no wait open, then nothing is paused or found', () => {
    const s = derive([receipt, event('vn.tthc.dossier.processing-started', vn('2026-03-02T10:00:00'))]);
    expect(s).toMatchObject({ statusCode: 4, pausedWorkingMinutes: 0, deadlineVersion: 1 });
    expect(codes(s)).toEqual([]);
  });
});

describe('apology and new appointment (rule 10)', () => {
  const first = event('vn.tthc.dossier.apology-issued', vn('2026-03-04T10:00:00'), { newAppointmentAt: vn('2026-03-10T17:00:00'), reason: 'chờ xác minh', channels: ['sms', 'vneid'] });

  test('when the first apology comes a working day ahead, then it is valid and moves the due instant', () => {
    // 1 working day after 4/3 10:00 is 5/3 10:00, before the due 5/3 17:00.
    const s = derive([receipt, first]);
    expect(s).toMatchObject({ dueAt: vn('2026-03-10T17:00:00'), appointmentAt: vn('2026-03-10T17:00:00'), deadlineVersion: 2, statusCode: 2 });
    expect(s.apologies).toEqual([{ factKey: first.key, issuedAt: vn('2026-03-04T10:00:00'), newAppointmentAt: vn('2026-03-10T17:00:00'), valid: true, flag: null, channels: ['sms', 'vneid'] }]);
    expect(codes(s)).toEqual([]);
  });

  test('when a second apology comes, then it is recorded, flagged and does not move the due instant', () => {
    const second = event('vn.tthc.dossier.apology-issued', vn('2026-03-09T09:00:00'), { newAppointmentAt: vn('2026-03-12T17:00:00'), reason: 'lần hai' });
    const s = derive([receipt, first, second]);
    expect(s).toMatchObject({ dueAt: vn('2026-03-10T17:00:00'), deadlineVersion: 2 });
    expect(s.apologies.map((a) => [a.valid, a.flag])).toEqual([
      [true, null],
      [false, 'second-apology'],
    ]);
    expect(codes(s)).toEqual(['second-apology']);
  });

  test('when the apology comes less than a working day before the due instant, then it is flagged late and the due stays', () => {
    // 1 working day after 5/3 09:00 is 6/3 09:00, after the due 5/3 17:00.
    const lateOne = event('vn.tthc.dossier.apology-issued', vn('2026-03-05T09:00:00'), { newAppointmentAt: vn('2026-03-10T17:00:00'), reason: 'muộn' });
    const s = derive([receipt, lateOne]);
    expect(s).toMatchObject({ dueAt: vn('2026-03-05T17:00:00'), deadlineVersion: 1, appointmentAt: vn('2026-03-05T17:00:00') });
    expect(s.apologies[0]).toMatchObject({ valid: false, flag: 'late-apology', channels: [] });
    expect(codes(s)).toEqual(['late-apology']);
  });

  test('when a warning alert concerns the current due instant, then the dossier is at risk until the apology moves it', () => {
    const warning = alert('warning', vn('2026-03-04T09:00:00'), 1);
    expect(derive([receipt, warning])).toMatchObject({ atRisk: true, overdue: false });
    expect(derive([receipt, warning, first])).toMatchObject({ atRisk: false, deadlineVersion: 2 });
  });
});

describe('steps (rule 11)', () => {
  const withCatalog = received(vn('2026-03-02T09:00:00'), { appointmentAt: vn('2026-03-16T09:00:00'), lookup: { procedure: TEN_DAY_PROCEDURE } });
  const step1 = event('vn.tthc.dossier.step-assigned', vn('2026-03-02T09:00:00'), { stepNo: 1, stepAgencyCode: 'AG.APPRAISAL' });
  const done1 = event('vn.tthc.dossier.step-completed', vn('2026-03-02T13:30:00'), { stepNo: 1 });
  const step2 = event('vn.tthc.dossier.step-assigned', vn('2026-03-02T14:00:00'), { stepNo: 2, stepAgencyCode: 'AG.LAND', stepName: 'Xác minh', allottedHours: 8 });
  const done2 = event('vn.tthc.dossier.step-completed', vn('2026-03-03T16:00:00'), { stepNo: 2 });

  test('when steps finish against their own allotments, then each is rated and the late one is attributed to its agency', () => {
    const s = derive([withCatalog, step1, done1, step2, done2]);
    expect(s.steps).toEqual([
      // Catalog allotment 4 h from 2/3 09:00 → 14:00 (the lunch hour does not count).
      { stepNo: 1, agencyCode: 'AG.APPRAISAL', name: 'Thẩm định hồ sơ', assignedAt: vn('2026-03-02T09:00:00'), allottedHours: 4, dueAt: '2026-03-02T14:00:00+07:00', completedAt: vn('2026-03-02T13:30:00'), timeliness: 'early', overdue: false },
      // The event's 8 h override the catalog's: 2/3 14:00 → 3/3 14:00.
      { stepNo: 2, agencyCode: 'AG.LAND', name: 'Xác minh', assignedAt: vn('2026-03-02T14:00:00'), allottedHours: 8, dueAt: '2026-03-03T14:00:00+07:00', completedAt: vn('2026-03-03T16:00:00'), timeliness: 'late', overdue: false },
    ]);
    expect(s.lateAgencies).toEqual(['AG.LAND']);
    expect(s.deadlines.filter((d) => d.kind === 'step')).toEqual([
      expect.objectContaining({ key: 'step:1', kind: 'step', version: 1, status: 'met', agencyCode: 'AG.APPRAISAL', warn: false, escalate: true, legalBasis: 'Quyết định 1/2026/QĐ-UBND (test)' }),
      expect.objectContaining({ key: 'step:2', kind: 'step', version: 1, status: 'missed', agencyCode: 'AG.LAND', legalBasis: expect.stringContaining('Phiếu kiểm soát') }),
    ]);
  });

  test('when an open step has an overdue alert for its version, then it is overdue and blamed while the dossier is not late', () => {
    const s = derive([withCatalog, step1, alert('overdue', vn('2026-03-02T14:00:01'), 1, 'step:1')]);
    expect(s.steps[0]).toMatchObject({ overdue: true, timeliness: null, completedAt: null });
    expect(s).toMatchObject({ overdue: false, lateAgencies: ['AG.APPRAISAL'] });
    expect(s.deadlines.find((d) => d.kind === 'step')).toMatchObject({ key: 'step:1', status: 'open' });
  });

  test('when a step has no allotment anywhere, then it gets no deadline and a finding', () => {
    const s = derive([receipt, event('vn.tthc.dossier.step-assigned', vn('2026-03-02T10:00:00'), { stepNo: 3, stepAgencyCode: 'AG.X' })]);
    expect(s.steps).toEqual([]);
    expect(s.deadlines.map((d) => d.key)).toEqual(['dossier', 'forwarding']);
    expect(codes(s)).toEqual(['step-allotment-unknown']);
  });

  test('when the dossier is late with no late step, then the dossier agency carries the lateness', () => {
    const s = derive([withCatalog, step1, done1, resolved(vn('2026-03-16T10:00:00'))]);
    expect(s).toMatchObject({ timeliness: 'late', lateAgencies: [AGENCY] });
  });

  test('when a step completion is older than any assignment, then it is kept as a finding, not rejected', () => {
    const s = derive([receipt, event('vn.tthc.dossier.step-completed', vn('2026-03-02T10:00:00'), { stepNo: 1 })]);
    expect(s.rejected).toEqual([]);
    expect(codes(s)).toEqual(['step-completed-before-assignment']);
  });
});

describe('hand-over to the competent agency (rule 4)', () => {
  // Received Monday 2/3 09:00: handed over by Tuesday 3/3 09:00 at the latest.
  test('when processing starts within one working day, then the forwarding deadline is met and nobody is blamed', () => {
    const s = derive([receipt, event('vn.tthc.dossier.processing-started', vn('2026-03-02T14:00:00'))]);
    expect(s.forwarding).toEqual({ dueAt: vn('2026-03-03T09:00:00'), forwardedAt: vn('2026-03-02T14:00:00'), timeliness: 'early' });
    expect(s.deadlines.find((d) => d.key === 'forwarding')).toMatchObject({ status: 'met', legalBasis: expect.stringContaining('NĐ 118/2025') });
    expect(s.lateAgencies).toEqual([]);
  });

  test('when the first step is assigned after a working day, then forwarding is missed and the receiving agency is late though the dossier is on time', () => {
    const s = derive([
      receipt,
      event('vn.tthc.dossier.step-assigned', vn('2026-03-03T10:00:00'), { stepNo: 1, stepAgencyCode: 'G01.002.000', allottedHours: 4 }),
      event('vn.tthc.dossier.step-completed', vn('2026-03-03T13:00:00'), { stepNo: 1 }),
      resolved(vn('2026-03-04T10:00:00')),
    ]);
    expect(s.forwarding).toMatchObject({ forwardedAt: vn('2026-03-03T10:00:00'), timeliness: 'late' });
    expect(s.deadlines.find((d) => d.key === 'forwarding')?.status).toBe('missed');
    expect(s).toMatchObject({ timeliness: 'early', lateAgencies: [AGENCY] });
  });

  test('when nothing shows the hand-over and an overdue alert came for it, then the receiving agency is late while the dossier is not overdue', () => {
    const s = derive([receipt, alert('overdue', vn('2026-03-03T09:00:01'), 1, 'forwarding', vn('2026-03-03T09:00:00'))]);
    expect(s.deadlines.find((d) => d.key === 'forwarding')?.status).toBe('open');
    expect(s).toMatchObject({ overdue: false, lateAgencies: [AGENCY] });
  });

  test('when the rule is configured off (the one-stop unit is the competent agency), then no forwarding deadline runs', () => {
    const s = derive([receipt], testContext({ forwardingWorkingDays: 0 }));
    expect(s.forwarding).toBeNull();
    expect(s.deadlines.map((d) => d.key)).toEqual(['dossier']);
  });
});

describe('alerts (rule 7 of the task)', () => {
  test('when an overdue alert concerns the current version, then the dossier is overdue and its agency is late', () => {
    const s = derive([receipt, alert('warning', vn('2026-03-04T17:00:00'), 1), alert('overdue', vn('2026-03-05T17:00:01'), 1)]);
    expect(s).toMatchObject({ overdue: true, overdueAt: vn('2026-03-05T17:00:01'), atRisk: false, lateAgencies: [AGENCY] });
  });

  test('when an overdue alert races an on-time resolution, then the dossier is not overdue and nobody is late', () => {
    const s = derive([receipt, resolved(vn('2026-03-05T16:59:00')), alert('overdue', vn('2026-03-05T17:00:01'), 1)]);
    expect(s).toMatchObject({ timeliness: 'early', overdue: false, overdueAt: null, lateAgencies: [] });
  });
});

describe('citizens’ ratings', () => {
  const withoutRatings = <T extends { ratings: unknown[] }>(s: T) => ({ ...s, ratings: [] });

  test('when an open dossier is rated, then the rating is kept and its status, deadlines and findings do not change', () => {
    const before = derive([receipt, event('vn.tthc.dossier.processing-started', vn('2026-03-03T08:30:00'))]);
    const after = derive([receipt, event('vn.tthc.dossier.processing-started', vn('2026-03-03T08:30:00')), event('vn.tthc.dossier.rated', vn('2026-03-03T09:00:00'), { level: 'dissatisfied', channel: 'portal' })]);
    expect(after.ratings).toEqual([expect.objectContaining({ ratedAt: vn('2026-03-03T09:00:00'), level: 'dissatisfied', channel: 'portal' })]);
    expect(withoutRatings(after)).toEqual(before);
  });

  test('when a returned dossier is rated, then the rating is accepted rather than rejected as after the final close', () => {
    const history = [receipt, resolved(vn('2026-03-05T16:00:00')), event('vn.tthc.dossier.returned', vn('2026-03-06T10:00:00'))];
    const after = derive([...history, event('vn.tthc.dossier.rated', vn('2026-03-09T10:00:00'), { level: 'very-satisfied' })]);
    expect(after.rejected).toEqual([]);
    expect(after.ratings).toEqual([expect.objectContaining({ level: 'very-satisfied', channel: null })]);
    expect(withoutRatings(after)).toEqual(derive(history));
  });
});
