import { defaultCalendar } from '@tthc/calendar';
import type { DeadlineEntryV1 } from '@tthc/contracts';
import { apologyDeadline, buildCaseRecord, pausesOf, reappointmentsOf, workingOffset, type CaseContext, type StoredCase, type StoredCaseFact } from './case-record.use-case';

// National calendar: 08:00–12:00 and 13:00–17:00 (UTC+7), 480 working minutes a day; Tết 2026 is 14–22/02.
const calendar = defaultCalendar();
const rules = { financialObligationPausesClock: false, apologyLeadWorkingDays: 1 };
const ctx = (now: string): CaseContext => ({ calendar, now: new Date(now), rules });
const vn = (local: string) => `${local}+07:00`;
const SOURCE = 'urn:portal:test';

let n = 0;
function fact(type: string, occurredAt: string, data: Record<string, unknown> = {}): StoredCaseFact {
  n += 1;
  const id = `f${n}`;
  return { key: `${SOURCE}\n${id}`, id, source: SOURCE, type, time: occurredAt, occurredAt, data: { dossierCode: 'D1', agencyCode: 'G01.001.000', ...data } };
}

function dossierDeadline(dueAt: string, status: DeadlineEntryV1['status'], version = 1): DeadlineEntryV1 {
  return { key: 'dossier', kind: 'dossier', dueAt, version, status, agencyCode: 'G01.001.000', label: 'Ngày hẹn trả kết quả', legalBasis: 'NĐ 118/2025/NĐ-CP', warn: true, escalate: true };
}

function storedDossier(over: Partial<StoredCase>): StoredCase {
  return {
    code: 'D1',
    subject: 'dossier',
    agencyCode: 'G01.001.000',
    procedureCode: '1.001234',
    phase: 'open',
    statusCode: 4,
    receivedAt: vn('2026-03-02T09:00:00'),
    dueAt: vn('2026-03-09T17:00:00'),
    closedAt: null,
    endAt: null,
    overdue: false,
    overdueAt: null,
    atRisk: false,
    paused: false,
    timeliness: null,
    deadlines: [],
    findings: [],
    state: {},
    history: [],
    ...over,
  };
}

describe('pauses of a dossier, from its history', () => {
  test('when a supplement is requested after the receipt and received two working days later, then one pause of 960 working minutes is given back', () => {
    const history = [
      fact('vn.tthc.dossier.received', vn('2026-03-02T09:00:00'), { appointmentAt: vn('2026-03-09T17:00:00') }),
      fact('vn.tthc.dossier.supplement-requested', vn('2026-03-02T10:00:00')),
      fact('vn.tthc.dossier.supplement-received', vn('2026-03-04T10:00:00')),
    ];
    const pauses = pausesOf(history, new Set(), rules, calendar, new Date(vn('2026-03-05T09:00:00')));
    expect(pauses).toEqual([{ kinds: ['supplement'], startedAt: vn('2026-03-02T10:00:00'), endedAt: vn('2026-03-04T10:00:00'), endedBy: 'vn.tthc.dossier.supplement-received', workingMinutes: 960, givenBack: true }]);
  });

  test('when the supplement is requested at the counter before the receipt, then the clock never stopped', () => {
    const history = [fact('vn.tthc.dossier.supplement-requested', vn('2026-03-02T08:30:00')), fact('vn.tthc.dossier.received', vn('2026-03-03T09:00:00'))];
    expect(pausesOf(history, new Set(), rules, calendar, new Date(vn('2026-03-05T09:00:00')))).toEqual([]);
  });

  test('when the dossier closes while the citizen is awaited, then the pause ends at the closing and nothing is given back', () => {
    const history = [
      fact('vn.tthc.dossier.received', vn('2026-03-02T09:00:00')),
      fact('vn.tthc.dossier.supplement-requested', vn('2026-03-03T09:00:00')),
      fact('vn.tthc.dossier.withdrawn', vn('2026-03-03T15:00:00')),
    ];
    const [pause] = pausesOf(history, new Set(), rules, calendar, new Date(vn('2026-03-05T09:00:00')));
    // 09:00–12:00 and 13:00–15:00.
    expect(pause).toMatchObject({ endedAt: vn('2026-03-03T15:00:00'), endedBy: 'vn.tthc.dossier.withdrawn', workingMinutes: 300, givenBack: false });
  });

  test('when processing goes on while the citizen is awaited, then the wait ends there; when a wait is still open, then it runs to now', () => {
    const history = [
      fact('vn.tthc.dossier.received', vn('2026-03-02T09:00:00')),
      fact('vn.tthc.dossier.supplement-requested', vn('2026-03-02T11:00:00')),
      fact('vn.tthc.dossier.step-assigned', vn('2026-03-02T14:00:00'), { stepNo: 1, stepAgencyCode: 'G01.001.000' }),
      fact('vn.tthc.dossier.supplement-requested', vn('2026-03-03T16:00:00')),
    ];
    const pauses = pausesOf(history, new Set(), rules, calendar, new Date(vn('2026-03-04T09:00:00')));
    expect(pauses.map((p) => [p.startedAt, p.endedAt, p.endedBy, p.workingMinutes])).toEqual([
      [vn('2026-03-02T11:00:00'), vn('2026-03-02T14:00:00'), 'vn.tthc.dossier.step-assigned', 120],
      [vn('2026-03-03T16:00:00'), null, null, 120],
    ]);
  });

  test('when waiting for a financial obligation, then it is a pause only where that rule is on', () => {
    const history = [
      fact('vn.tthc.dossier.received', vn('2026-03-02T09:00:00')),
      fact('vn.tthc.dossier.financial-obligation-requested', vn('2026-03-02T09:00:00')),
      fact('vn.tthc.dossier.financial-obligation-fulfilled', vn('2026-03-03T09:00:00')),
    ];
    const now = new Date(vn('2026-03-04T09:00:00'));
    expect(pausesOf(history, new Set(), rules, calendar, now)).toEqual([]);
    expect(pausesOf(history, new Set(), { ...rules, financialObligationPausesClock: true }, calendar, now)).toMatchObject([{ kinds: ['financial-obligation'], workingMinutes: 480 }]);
  });
});

describe('re-appointments', () => {
  test('when a valid apology and then a re-issued receipt move the appointment, then both moves are listed and only the apology is lawful', () => {
    const receipt = fact('vn.tthc.dossier.received', vn('2026-03-02T09:00:00'), { appointmentAt: vn('2026-03-09T17:00:00') });
    const apology = fact('vn.tthc.dossier.apology-issued', vn('2026-03-05T09:00:00'), { newAppointmentAt: vn('2026-03-12T17:00:00') });
    const late = fact('vn.tthc.dossier.apology-issued', vn('2026-03-11T09:00:00'), { newAppointmentAt: vn('2026-03-20T17:00:00') });
    const reissued = fact('vn.tthc.dossier.received', vn('2026-03-12T09:00:00'), { appointmentAt: vn('2026-03-16T17:00:00') });
    const moves = reappointmentsOf([receipt, apology, late, reissued], new Set([apology.key!]), new Set());
    expect(moves).toEqual([
      { at: vn('2026-03-05T09:00:00'), from: vn('2026-03-09T17:00:00'), to: vn('2026-03-12T17:00:00'), by: 'apology', lawful: true, factId: apology.id },
      { at: vn('2026-03-12T09:00:00'), from: vn('2026-03-12T17:00:00'), to: vn('2026-03-16T17:00:00'), by: 'receipt', lawful: false, factId: reissued.id },
    ]);
  });
});

describe('the last instant to apologise', () => {
  test('when the dossier is due at the end of a working day, then the apology is due at its opening, one working day before', () => {
    expect(apologyDeadline({ calendar, rules }, vn('2026-03-05T17:00:00'))).toBe(vn('2026-03-05T08:00:00'));
  });

  test('when the dossier is due at noon on the Monday after Tết, then the apology is due on the last working afternoon before Tết', () => {
    // Friday 13/02 13:00–17:00 and Monday 23/02 08:00–12:00 make one working day; Tết is 14–22/02.
    expect(apologyDeadline({ calendar, rules }, vn('2026-02-23T12:00:00'))).toBe(vn('2026-02-13T13:00:00'));
  });
});

describe('the case record', () => {
  test('when a dossier was resolved one working day late with no apology, then it is classified late, shows 480 working minutes late and a finding in both languages', () => {
    const receipt = fact('vn.tthc.dossier.received', vn('2026-03-02T09:00:00'), { appointmentAt: vn('2026-03-05T17:00:00') });
    const resolved = fact('vn.tthc.dossier.resolved', vn('2026-03-06T17:00:00'));
    const record = buildCaseRecord(
      storedDossier({
        phase: 'closed',
        statusCode: 9,
        dueAt: vn('2026-03-05T17:00:00'),
        closedAt: resolved.occurredAt,
        endAt: resolved.occurredAt,
        timeliness: 'late',
        deadlines: [dossierDeadline(vn('2026-03-05T17:00:00'), 'missed')],
        history: [resolved, receipt],
      }),
      ctx(vn('2026-03-10T09:00:00')),
    );
    expect(record.classification).toBe('late');
    expect(record.late).toEqual({ workingMinutes: 480, workingDays: 1 });
    expect(record.deadlines).toEqual([
      expect.objectContaining({ key: 'dossier', answerableAgencyCode: 'G01.001.000', endAt: resolved.occurredAt, late: { workingMinutes: 480, workingDays: 1 }, workingMinute: 4 * 480 - 60 }),
    ]);
    const finding = record.findings.find((f) => f.code === 'late-without-apology');
    expect(finding).toMatchObject({ origin: 'reporting', at: vn('2026-03-05T17:00:00') });
    expect(finding?.vi).toContain(vn('2026-03-05T08:00:00'));
    expect(finding?.en).toContain(vn('2026-03-05T08:00:00'));
    expect(finding?.vi).not.toBe(finding?.en);
    // The history comes back in event order, placed in working time from the receipt.
    expect(record.history.map((h) => [h.type, h.workingMinute])).toEqual([
      ['vn.tthc.dossier.received', 0],
      ['vn.tthc.dossier.resolved', 5 * 480 - 60],
    ]);
  });

  test('when the dossier was apologised for in time, then no missing-apology finding is made and the apology is listed', () => {
    const receipt = fact('vn.tthc.dossier.received', vn('2026-03-02T09:00:00'), { appointmentAt: vn('2026-03-05T17:00:00') });
    const apology = fact('vn.tthc.dossier.apology-issued', vn('2026-03-04T09:00:00'), { newAppointmentAt: vn('2026-03-06T12:00:00') });
    const record = buildCaseRecord(
      storedDossier({
        dueAt: vn('2026-03-06T12:00:00'),
        overdue: true,
        deadlines: [dossierDeadline(vn('2026-03-06T12:00:00'), 'open', 2)],
        state: { apologies: [{ factKey: apology.key, issuedAt: apology.occurredAt, newAppointmentAt: vn('2026-03-06T12:00:00'), valid: true, flag: null, channels: ['sms'] }] },
        history: [receipt, apology],
      }),
      ctx(vn('2026-03-06T15:00:00')),
    );
    expect(record.late).toEqual({ workingMinutes: 120, workingDays: 0.3 });
    expect(record.findings.map((f) => f.code)).toEqual([]);
    expect(record.apologies).toEqual([{ issuedAt: apology.occurredAt, newAppointmentAt: vn('2026-03-06T12:00:00'), valid: true, flag: null, channels: ['sms'] }]);
    expect(record.reappointments).toMatchObject([{ by: 'apology', lawful: true, from: vn('2026-03-05T17:00:00'), to: vn('2026-03-06T12:00:00') }]);
  });

  test('when workflow stored a second supplement request and a late step, then each finding has both texts and names its fact', () => {
    const receipt = fact('vn.tthc.dossier.received', vn('2026-03-02T09:00:00'));
    const second = fact('vn.tthc.dossier.supplement-requested', vn('2026-03-04T09:00:00'));
    const record = buildCaseRecord(
      storedDossier({
        findings: [{ code: 'second-supplement-request', detail: 'supplement request 2 (more than 1)', factKey: second.key!, at: second.occurredAt }],
        state: {
          steps: [{ stepNo: 2, agencyCode: 'G01.002.000', name: 'Thẩm định', assignedAt: vn('2026-03-02T09:00:00'), allottedHours: 8, dueAt: vn('2026-03-03T09:00:00'), completedAt: vn('2026-03-03T11:00:00'), timeliness: 'late', overdue: false }],
        },
        history: [receipt, second],
      }),
      ctx(vn('2026-03-05T09:00:00')),
    );
    const [stored, step] = record.findings;
    expect(stored).toMatchObject({ code: 'second-supplement-request', origin: 'workflow', factId: second.id, factType: 'vn.tthc.dossier.supplement-requested', detail: 'supplement request 2 (more than 1)' });
    expect(stored?.vi).toMatch(/lần thứ hai/);
    expect(stored?.en).toMatch(/second supplement request/i);
    // Two working hours late of an eight-hour day.
    expect(step).toMatchObject({ code: 'step-late', origin: 'reporting' });
    expect(step?.vi).toContain('Bước 2 (Thẩm định) của G01.002.000 quá thời hạn được giao 0.3 ngày làm việc');
  });

  test('when a petition was answered after its deadline, then the answer deadline ends at the answer, is late in working time and has no pauses', () => {
    const answeredAt = vn('2026-03-24T10:00:00');
    const record = buildCaseRecord(
      storedDossier({
        code: 'PAKN-1',
        subject: 'petition',
        procedureCode: null,
        statusCode: null,
        dueAt: vn('2026-03-23T09:00:00'),
        timeliness: 'late',
        endAt: answeredAt,
        deadlines: [{ key: 'petition:answer', kind: 'petition-answer', dueAt: vn('2026-03-23T09:00:00'), version: 2, status: 'missed', agencyCode: 'G01.002.000', label: 'Trả lời PAKN', legalBasis: 'QĐ 766/QĐ-TTg', warn: true, escalate: true }],
        state: { holderAgencyCode: 'G01.002.000', answeredAt, transfers: [{ factKey: 'k', at: vn('2026-03-02T09:00:00'), fromAgencyCode: 'G01.001.000', toAgencyCode: 'G01.002.000', onTime: true }] },
        findings: [{ code: 'petition-answer-late', detail: 'answered after the answer deadline', factKey: null, at: answeredAt }],
        history: [{ ...fact('vn.tthc.petition.received', vn('2026-03-02T09:00:00')), data: { petitionCode: 'PAKN-1', agencyCode: 'G01.001.000', title: 'Ông X' } }],
      }),
      ctx(vn('2026-03-25T09:00:00')),
    );
    expect(record.holderAgencyCode).toBe('G01.002.000');
    expect(record.deadlines[0]).toMatchObject({ answerableAgencyCode: 'G01.002.000', endAt: answeredAt, late: { workingMinutes: 8 * 60 + 60, workingDays: 1.1 } });
    expect(record.pauses).toEqual([]);
    expect(record.transfers).toEqual([{ at: vn('2026-03-02T09:00:00'), fromAgencyCode: 'G01.001.000', toAgencyCode: 'G01.002.000', onTime: true }]);
    expect(record.findings.map((f) => [f.code, f.en])).toEqual([['petition-answer-late', 'The petition was answered after the 15 working days allowed from submission or transfer.']]);
    expect(record.history[0]?.data).not.toHaveProperty('title');
  });

  test('when a fact happened before the origin, then it sits left of it in working time', () => {
    expect(workingOffset(calendar, vn('2026-03-03T09:00:00'), vn('2026-03-02T16:00:00'))).toBe(-120);
  });
});
