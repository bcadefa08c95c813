import fc from 'fast-check';
import { defaultCalendar } from '@tthc/calendar';
import { ALERT_TYPES, alertIdFor, deadlineEntryV1, slaAlertV1, type AlertKind } from '@tthc/contracts';
import { derivePetitionState, type PetitionState } from './petition-state';
import { DEFAULT_RULES, type DeriveContext, type Fact } from './subject';

// Due instants below were checked with
// `npx tthc-calendar due --calendar packages/calendar/data/vn-civil-service.json --from … --amount … --unit working-day`.

const code = 'PAKN-2026-000123';
const A = 'G01.001.000';
const B = 'G01.002.000';
const C = 'G02.001.000';
const ctx: DeriveContext = { calendarFor: () => defaultCalendar(), rules: DEFAULT_RULES };

let seq = 0;
const nextId = () => `e${++seq}`;
const base = (id: string, occurredAt: string) => ({ key: `urn:portal\n${id}`, id, source: 'urn:portal', time: occurredAt, occurredAt });

const received = (at: string, agencyCode = A, id = nextId()): Fact => ({
  ...base(id, at),
  type: 'vn.tthc.petition.received',
  data: { petitionCode: code, agencyCode, occurredAt: at, title: 'Đường ngập', channel: 'online' },
});
const transferred = (at: string, agencyCode: string, toAgencyCode: string, id = nextId()): Fact => ({
  ...base(id, at),
  type: 'vn.tthc.petition.transferred',
  data: { petitionCode: code, agencyCode, toAgencyCode, occurredAt: at },
});
const rejectedFact = (at: string, agencyCode = A, id = nextId()): Fact => ({ ...base(id, at), type: 'vn.tthc.petition.rejected', data: { petitionCode: code, agencyCode, occurredAt: at } });
const supplement = (at: string, agencyCode = A, id = nextId()): Fact => ({
  ...base(id, at),
  type: 'vn.tthc.petition.supplement-requested',
  data: { petitionCode: code, agencyCode, occurredAt: at },
});
const answered = (at: string, agencyCode = A, id = nextId()): Fact => ({ ...base(id, at), type: 'vn.tthc.petition.answered', data: { petitionCode: code, agencyCode, occurredAt: at } });
const published = (at: string, agencyCode = A, id = nextId()): Fact => ({ ...base(id, at), type: 'vn.tthc.petition.published', data: { petitionCode: code, agencyCode, occurredAt: at } });

function alert(kind: AlertKind, raisedAt: string, deadlineVersion: number, opts: { deadlineKey?: string; type?: Fact['type']; subjectCode?: string } = {}): Fact {
  const deadlineKey = opts.deadlineKey ?? 'petition:answer';
  const dossierCode = opts.subjectCode ?? code;
  const alertId = alertIdFor({ kind, dossierCode, deadlineKey, deadlineVersion });
  const data = slaAlertV1.parse({
    alertId,
    kind,
    subject: 'petition',
    dossierCode,
    deadlineKey,
    deadlineKind: deadlineKey === 'petition:publish' ? 'petition-publish' : 'petition-answer',
    agencyCode: A,
    procedureCode: null,
    dueAt: raisedAt,
    deadlineVersion,
    raisedAt,
    reason: 'test',
  });
  const type = opts.type ?? (kind === 'warning' ? ALERT_TYPES.warning : kind === 'escalation' ? ALERT_TYPES.escalated : ALERT_TYPES.petitionUnhandled);
  return { key: `urn:sla\n${alertId}`, id: alertId, source: 'urn:sla', time: raisedAt, occurredAt: raisedAt, type, data } as Fact;
}

const derive = (facts: Fact[]) => derivePetitionState(code, facts, ctx);
const entry = (s: PetitionState, key: string) => s.deadlines.find((d) => d.key === key);
const findingCodes = (s: PetitionState) => s.findings.map((f) => f.code);

describe('petition state: reception and the answer deadline', () => {
  test('when a petition is submitted, then it is open with the answer due 15 working days later and no transfer timer', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00')]);
    expect(s).toMatchObject({
      subject: 'petition',
      statusCode: null,
      procedureCode: null,
      phase: 'open',
      status: 'in-progress',
      agencyCode: A,
      holderAgencyCode: A,
      submittedAt: '2026-03-02T09:00:00+07:00',
      receivedAt: '2026-03-02T09:00:00+07:00',
      clockStartAt: '2026-03-02T09:00:00+07:00',
      dueAt: '2026-03-23T09:00:00+07:00',
      transferDueAt: '2026-03-09T09:00:00+07:00',
      deadlineVersion: 1,
      paused: false,
      overdue: false,
      atRisk: false,
      timeliness: null,
      endAt: null,
      closedAt: null,
    });
    expect(s.deadlines).toEqual([
      {
        key: 'petition:answer',
        kind: 'petition-answer',
        dueAt: '2026-03-23T09:00:00+07:00',
        version: 1,
        status: 'open',
        agencyCode: A,
        label: 'Trả lời PAKN',
        legalBasis: 'QĐ 766/QĐ-TTg — phương pháp tính chỉ số PAKN (bản chép không chính thức)',
        warn: true,
        escalate: true,
      },
    ]);
    expect(s.findings).toEqual([]);
    expect(s.rejected).toEqual([]);
  });

  test('when no submission is in the history yet, then the petition awaits reception with no deadline', () => {
    const s = derive([answered('2026-03-05T09:00:00+07:00')]);
    expect(s).toMatchObject({ phase: 'awaiting-reception', status: 'awaiting-reception', dueAt: null, deadlineVersion: 0, deadlines: [], holderAgencyCode: null });
    expect(s.rejected).toEqual([]);
  });

  test('when the answer comes before the due instant, then it is early; at the instant on time; after it late', () => {
    const start = received('2026-03-02T09:00:00+07:00');
    const early = derive([start, answered('2026-03-20T16:00:00+07:00')]);
    expect(early).toMatchObject({ status: 'answered', phase: 'open', endAt: '2026-03-20T16:00:00+07:00', timeliness: 'early', answeredAt: '2026-03-20T16:00:00+07:00' });
    expect(entry(early, 'petition:answer')?.status).toBe('met');

    const onTime = derive([start, answered('2026-03-23T09:00:00+07:00')]);
    expect(onTime.timeliness).toBe('on-time');
    expect(entry(onTime, 'petition:answer')?.status).toBe('met');

    const late = derive([start, answered('2026-03-23T09:00:01+07:00')]);
    expect(late.timeliness).toBe('late');
    expect(entry(late, 'petition:answer')?.status).toBe('missed');
    expect(findingCodes(late)).toEqual(['petition-answer-late']);
  });

  test('when the answer limit is configured, then the due instant follows the configuration', () => {
    const s = derivePetitionState(code, [received('2026-03-02T09:00:00+07:00')], { ...ctx, rules: { ...DEFAULT_RULES, petition: { ...DEFAULT_RULES.petition, answerDays: 5 } } });
    expect(s.dueAt).toBe('2026-03-09T09:00:00+07:00');
  });

  test('when a deadline falls in a year without a confirmed calendar, then a calendar-uncertain finding says so', () => {
    const s = derive([received('2027-03-01T09:00:00+07:00')]);
    expect(findingCodes(s)).toEqual(['calendar-uncertain']);
    expect(s.dueAt).not.toBeNull();
  });
});

describe('petition state: publication', () => {
  test('when the petition is answered, then a publish deadline of 2 working days opens (over the weekend)', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), answered('2026-03-20T16:00:00+07:00')]);
    expect(entry(s, 'petition:publish')).toMatchObject({ kind: 'petition-publish', dueAt: '2026-03-24T16:00:00+07:00', version: 1, status: 'open', warn: false, escalate: true, agencyCode: A });
    expect(s.dueAt).toBe('2026-03-23T09:00:00+07:00');
  });

  test('when it is published by the publish due instant, then the petition closes and the deadline is met', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), answered('2026-03-20T16:00:00+07:00'), published('2026-03-24T16:00:00+07:00')]);
    expect(s).toMatchObject({ phase: 'closed', status: 'published', closedAt: '2026-03-24T16:00:00+07:00', publishedAt: '2026-03-24T16:00:00+07:00', endAt: '2026-03-20T16:00:00+07:00', timeliness: 'early' });
    expect(entry(s, 'petition:publish')?.status).toBe('met');
    expect(s.findings).toEqual([]);
  });

  test('when it is published late, then the publish deadline is missed with a finding and the handling stays early', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), answered('2026-03-20T16:00:00+07:00'), published('2026-03-25T08:00:00+07:00')]);
    expect(entry(s, 'petition:publish')?.status).toBe('missed');
    expect(findingCodes(s)).toEqual(['petition-publish-late']);
    expect(s.timeliness).toBe('early');
  });

  test('when it is published with no earlier answer, then the publication is the handling instant', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), published('2026-03-24T09:00:00+07:00')]);
    expect(s).toMatchObject({ phase: 'closed', answeredAt: '2026-03-24T09:00:00+07:00', endAt: '2026-03-24T09:00:00+07:00', timeliness: 'late' });
    expect(findingCodes(s)).toEqual(['petition-published-without-answer', 'petition-answer-late']);
  });
});

describe('petition state: transfers', () => {
  test('when it is transferred on day 6 before Tết, then the transfer is late and the 15-day clock restarts across the holiday', () => {
    const transfer = transferred('2026-02-13T09:00:00+07:00', A, B);
    const s = derive([received('2026-02-05T10:00:00+07:00'), transfer]);
    expect(s).toMatchObject({
      agencyCode: A,
      holderAgencyCode: B,
      clockStartAt: '2026-02-13T09:00:00+07:00',
      dueAt: '2026-03-13T09:00:00+07:00',
      deadlineVersion: 2,
      transferDueAt: '2026-02-27T09:00:00+07:00',
      status: 'in-progress',
    });
    expect(s.transfers).toEqual([{ factKey: transfer.key, at: '2026-02-13T09:00:00+07:00', fromAgencyCode: A, toAgencyCode: B, onTime: false }]);
    expect(entry(s, 'petition:answer')).toMatchObject({ dueAt: '2026-03-13T09:00:00+07:00', version: 2, status: 'open', agencyCode: B });
    expect(entry(s, 'petition:transfer')).toMatchObject({
      kind: 'petition-transfer',
      dueAt: '2026-02-12T10:00:00+07:00',
      version: 1,
      status: 'missed',
      agencyCode: A,
      legalBasis: 'NĐ 20/2008/NĐ-CP Điều 9',
      warn: false,
      escalate: false,
    });
    expect(s.findings).toEqual([expect.objectContaining({ code: 'petition-transfer-late', factKey: transfer.key, at: '2026-02-13T09:00:00+07:00' })]);
  });

  test('when it is transferred at the end of day 5, then the transfer is on time', () => {
    const s = derive([received('2026-02-05T10:00:00+07:00'), transferred('2026-02-12T10:00:00+07:00', A, B)]);
    expect(s.transfers[0]?.onTime).toBe(true);
    expect(entry(s, 'petition:transfer')?.status).toBe('met');
    expect(s.findings).toEqual([]);
  });

  test('when the holder answers after day 5 without transferring, then the transfer deadline is met, not late', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), answered('2026-03-16T09:00:00+07:00')]);
    expect(entry(s, 'petition:transfer')).toMatchObject({ dueAt: '2026-03-09T09:00:00+07:00', status: 'met', agencyCode: A });
    expect(s.findings).toEqual([]);
    expect(s.timeliness).toBe('early');
  });

  test('when the holder requests a supplement and then transfers after day 5, then the transfer is judged late', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), supplement('2026-03-03T09:00:00+07:00'), transferred('2026-03-10T09:00:00+07:00', A, B)]);
    expect(entry(s, 'petition:transfer')).toMatchObject({ status: 'missed', version: 1 });
    expect(s.transfers[0]?.onTime).toBe(false);
    expect(s.status).toBe('in-progress');
  });

  test('when a transferred petition is answered by the new holder, then the answer is judged against the restarted clock', () => {
    const s = derive([received('2026-02-05T10:00:00+07:00'), transferred('2026-02-13T09:00:00+07:00', A, B), answered('2026-03-10T09:00:00+07:00', B)]);
    // Late against the first clock (2026-03-05T10:00), early against the restarted one.
    expect(s).toMatchObject({ timeliness: 'early', deadlineVersion: 2, holderAgencyCode: B });
    expect(entry(s, 'petition:transfer')).toMatchObject({ status: 'met', version: 2, agencyCode: B, dueAt: '2026-02-27T09:00:00+07:00' });
  });

  test('when two transfers happen, then each restarts the clock and the holder is the last receiver', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), transferred('2026-03-03T09:00:00+07:00', A, B), transferred('2026-04-24T10:00:00+07:00', B, C)]);
    expect(s).toMatchObject({ holderAgencyCode: C, agencyCode: A, deadlineVersion: 3, clockStartAt: '2026-04-24T10:00:00+07:00' });
    expect(s.transfers.map((t) => [t.fromAgencyCode, t.toAgencyCode, t.onTime])).toEqual([
      [A, B, true],
      [B, C, false],
    ]);
    expect(s.findings.map((f) => f.code)).toEqual(['petition-transfer-late']);
  });

  test('when a petition is "transferred" to the agency holding it, then no clock restarts and a finding says so', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), transferred('2026-03-20T09:00:00+07:00', A, A)]);
    expect(s).toMatchObject({ deadlineVersion: 1, dueAt: '2026-03-23T09:00:00+07:00', transfers: [] });
    expect(findingCodes(s)).toEqual(['petition-transfer-to-holder']);
  });
});

describe('petition state: rejection and supplement requests', () => {
  test('when it is rejected within 2 working days, then it closes on time with the reject deadline met', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), rejectedFact('2026-03-04T09:00:00+07:00')]);
    expect(s).toMatchObject({ phase: 'closed', status: 'rejected', closedAt: '2026-03-04T09:00:00+07:00', endAt: '2026-03-04T09:00:00+07:00', timeliness: 'on-time' });
    expect(entry(s, 'petition:reject')).toMatchObject({ kind: 'petition-reject', dueAt: '2026-03-04T09:00:00+07:00', status: 'met', warn: false, escalate: false });
    expect(entry(s, 'petition:answer')?.status).toBe('met');
    expect(s.findings).toEqual([]);
  });

  test('when it is rejected after 2 working days, then the rejection is late with a finding', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), rejectedFact('2026-03-05T09:00:00+07:00')]);
    expect(s).toMatchObject({ status: 'rejected', timeliness: 'late' });
    expect(entry(s, 'petition:reject')?.status).toBe('missed');
    expect(findingCodes(s)).toEqual(['petition-reject-late']);
  });

  test('when the first supplement request comes within 5 working days, then it is met and the clock keeps running', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), supplement('2026-03-09T09:00:00+07:00')]);
    expect(s).toMatchObject({ status: 'awaiting-supplement', paused: false, dueAt: '2026-03-23T09:00:00+07:00', supplementRequests: 1 });
    expect(entry(s, 'petition:supplement')).toMatchObject({ kind: 'petition-supplement', dueAt: '2026-03-09T09:00:00+07:00', status: 'met' });
    expect(entry(s, 'petition:answer')?.status).toBe('open');
  });

  test('when the first supplement request comes after 5 working days, then it is a finding and an early answer still counts late', () => {
    const s = derive([received('2026-03-02T09:00:00+07:00'), supplement('2026-03-10T09:00:00+07:00'), supplement('2026-03-11T09:00:00+07:00'), answered('2026-03-16T09:00:00+07:00')]);
    expect(entry(s, 'petition:supplement')).toMatchObject({ status: 'missed', dueAt: '2026-03-09T09:00:00+07:00' });
    expect(findingCodes(s)).toEqual(['petition-supplement-late']);
    expect(s).toMatchObject({ supplementRequests: 2, status: 'answered', timeliness: 'late' });
    expect(entry(s, 'petition:answer')?.status).toBe('met');
  });
});

describe('petition state: unusual but possible facts', () => {
  const start = received('2026-03-02T09:00:00+07:00');

  test('when an answered petition is transferred, then the new holder must answer within a restarted clock', () => {
    const s = derive([start, answered('2026-03-05T09:00:00+07:00'), transferred('2026-03-06T09:00:00+07:00', A, B)]);
    expect(s).toMatchObject({ status: 'in-progress', answeredAt: null, endAt: null, timeliness: null, holderAgencyCode: B, deadlineVersion: 2 });
    expect(entry(s, 'petition:publish')).toBeUndefined();
    expect(findingCodes(s)).toEqual(['petition-transferred-after-answer']);
    const again = derive([start, answered('2026-03-05T09:00:00+07:00'), transferred('2026-03-06T09:00:00+07:00', A, B), answered('2026-03-09T09:00:00+07:00', B)]);
    expect(entry(again, 'petition:publish')).toMatchObject({ version: 2, status: 'open', agencyCode: B });
  });

  test('when facts repeat or name another agency than the holder, then the first one counts and findings say so', () => {
    const s = derive([
      start,
      received('2026-03-03T09:00:00+07:00', B),
      answered('2026-03-05T09:00:00+07:00', B),
      answered('2026-03-06T09:00:00+07:00'),
      supplement('2026-03-06T10:00:00+07:00'),
    ]);
    expect(findingCodes(s)).toEqual(['petition-received-again', 'petition-holder-mismatch', 'petition-answered-again', 'petition-supplement-after-answer']);
    expect(s).toMatchObject({ agencyCode: A, holderAgencyCode: A, answeredAt: '2026-03-05T09:00:00+07:00', status: 'answered', supplementRequests: 1 });
  });
});

describe('petition state: alerts', () => {
  const start = received('2026-03-02T09:00:00+07:00');

  test('when an overdue alert is raised for the current answer version, then the open petition is overdue', () => {
    const s = derive([start, alert('overdue', '2026-03-23T09:00:05+07:00', 1)]);
    expect(s).toMatchObject({ overdue: true, overdueAt: '2026-03-23T09:00:05+07:00', atRisk: false, phase: 'open' });
  });

  test('when the alert comes as a dossier.overdue type with the petition answer key, then it counts too', () => {
    const s = derive([start, alert('overdue', '2026-03-23T09:00:05+07:00', 1, { type: ALERT_TYPES.overdue })]);
    expect(s.overdue).toBe(true);
  });

  test('when a warning is raised for the current version, then the petition is at risk until answered', () => {
    const warning = alert('warning', '2026-03-20T09:00:00+07:00', 1);
    expect(derive([start, warning])).toMatchObject({ atRisk: true, overdue: false });
    expect(derive([start, warning, answered('2026-03-20T10:00:00+07:00')])).toMatchObject({ atRisk: false, overdue: false });
  });

  test('when alerts concern an earlier version, then after a transfer they no longer count', () => {
    const history = [start, alert('warning', '2026-03-20T09:00:00+07:00', 1), alert('overdue', '2026-03-23T09:00:05+07:00', 1), transferred('2026-03-23T10:00:00+07:00', A, B)];
    expect(derive(history)).toMatchObject({ deadlineVersion: 2, overdue: false, overdueAt: null, atRisk: false });
    expect(derive(history.slice(0, 3))).toMatchObject({ deadlineVersion: 1, overdue: true });
  });

  test('when an overdue alert concerns the publish deadline, then the answer is not flagged overdue', () => {
    const s = derive([start, answered('2026-03-20T16:00:00+07:00'), alert('overdue', '2026-03-24T16:00:01+07:00', 1, { deadlineKey: 'petition:publish' })]);
    expect(s.overdue).toBe(false);
    expect(s.rejected).toEqual([]);
  });

  test('when an overdue petition is finally answered, then it is no longer overdue and its handling is late', () => {
    const s = derive([start, alert('overdue', '2026-03-23T09:00:05+07:00', 1), answered('2026-03-24T09:00:00+07:00')]);
    expect(s).toMatchObject({ overdue: false, overdueAt: null, timeliness: 'late' });
  });
});

describe('petition state: impossible facts', () => {
  const start = received('2026-03-02T09:00:00+07:00');

  test('when a fact follows the rejection, then it is rejected and the state is unchanged, but a later alert is accepted', () => {
    const after = answered('2026-03-05T09:00:00+07:00');
    const closed = [start, rejectedFact('2026-03-03T09:00:00+07:00')];
    const s = derive([...closed, after, alert('overdue', '2026-03-23T09:00:05+07:00', 1)]);
    expect(s.rejected).toEqual([{ factKey: after.key, reason: expect.stringContaining('after the petition was rejected') }]);
    const { rejected: _r, ...rest } = s;
    const { rejected: _r0, ...expected } = derive(closed);
    expect(rest).toEqual(expected);
  });

  test('when a fact follows the publication, then it is rejected', () => {
    const after = published('2026-03-26T09:00:00+07:00');
    const s = derive([start, answered('2026-03-20T16:00:00+07:00'), published('2026-03-24T09:00:00+07:00'), after]);
    expect(s.rejected.map((r) => r.factKey)).toEqual([after.key]);
    expect(s.publishedAt).toBe('2026-03-24T09:00:00+07:00');
  });

  test('when a dossier fact or a fact of another petition is in the history, then it is rejected', () => {
    const dossierFact: Fact = {
      ...base('d1', '2026-03-03T09:00:00+07:00'),
      type: 'vn.tthc.dossier.resolved',
      data: { dossierCode: code, agencyCode: A, resolvedAt: '2026-03-03T09:00:00+07:00' },
    };
    const other: Fact = { ...base('o1', '2026-03-03T10:00:00+07:00'), type: 'vn.tthc.petition.answered', data: { petitionCode: 'PAKN-OTHER', agencyCode: A, occurredAt: '2026-03-03T10:00:00+07:00' } };
    const foreignAlert = alert('overdue', '2026-03-23T09:00:05+07:00', 1, { subjectCode: 'G01-DOSSIER-1' });
    const s = derive([start, dossierFact, other, foreignAlert]);
    expect(s.rejected.map((r) => r.factKey).sort()).toEqual([dossierFact.key, other.key, foreignAlert.key].sort());
    expect(s).toMatchObject({ status: 'in-progress', overdue: false });
  });

  test('when a rejection follows the answer, then it is rejected as impossible', () => {
    const reject = rejectedFact('2026-03-21T09:00:00+07:00');
    const s = derive([start, answered('2026-03-20T16:00:00+07:00'), reject]);
    expect(s.rejected.map((r) => r.factKey)).toEqual([reject.key]);
    expect(s.status).toBe('answered');
  });

  test('when the calendar cannot compute a deadline for the submission, then the submission is rejected instead of throwing', () => {
    const far = received('9999-12-28T09:00:00+07:00');
    const s = derive([far]);
    expect(s.rejected).toEqual([{ factKey: far.key, reason: expect.stringContaining('supported years') }]);
    expect(s).toMatchObject({ phase: 'awaiting-reception', dueAt: null, deadlines: [] });
  });

  test('when a handling fact occurred before the submission, then it is ignored with a finding', () => {
    const early = answered('2026-03-01T09:00:00+07:00');
    const s = derive([start, early]);
    expect(s.status).toBe('in-progress');
    expect(s.findings).toEqual([expect.objectContaining({ code: 'petition-fact-before-submission', factKey: early.key })]);
  });
});

describe('petition state: order independence', () => {
  // Lifecycles built from a submission and random later facts, each `hours` after the previous one.
  const step = fc.record({
    kind: fc.constantFrom('transfer', 'supplement', 'answer', 'publish', 'reject', 'overdue', 'warning', 'resubmit'),
    hours: fc.integer({ min: 0, max: 24 * 12 }),
    version: fc.integer({ min: 1, max: 3 }),
    to: fc.constantFrom(A, B, C),
  });
  const start = Date.parse('2026-02-05T10:00:00+07:00');
  const iso = (t: number) => new Date(t).toISOString();

  function lifecycle(steps: { kind: string; hours: number; version: number; to: string }[]): Fact[] {
    let t = start;
    let holder = A;
    const facts: Fact[] = [received(iso(t), A, 'r0')];
    steps.forEach((s, i) => {
      t += s.hours * 3_600_000;
      const at = iso(t);
      const id = `s${i}`;
      if (s.kind === 'transfer') {
        facts.push(transferred(at, holder, s.to, id));
        holder = s.to;
      } else if (s.kind === 'supplement') facts.push(supplement(at, holder, id));
      else if (s.kind === 'answer') facts.push(answered(at, holder, id));
      else if (s.kind === 'publish') facts.push(published(at, holder, id));
      else if (s.kind === 'reject') facts.push(rejectedFact(at, holder, id));
      else if (s.kind === 'resubmit') facts.push(received(at, s.to, id));
      else facts.push(alert(s.kind === 'overdue' ? 'overdue' : 'warning', at, s.version));
    });
    return facts;
  }

  test('when the same facts arrive in any order and with duplicates, then the state is identical', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 8 }).chain((steps) => {
          const facts = lifecycle(steps);
          return fc.tuple(
            fc.constant(facts),
            fc.shuffledSubarray(facts, { minLength: facts.length, maxLength: facts.length }),
            fc.array(fc.constantFrom(...facts), { maxLength: 3 }),
          );
        }),
        ([facts, shuffled, duplicates]) => {
          const expected = derive(facts);
          expect(derive([...duplicates, ...shuffled])).toEqual(expected);
          // Invariants every order must keep.
          expect(expected.dueAt).toBe(entry(expected, 'petition:answer')?.dueAt);
          expect(expected.deadlineVersion).toBe(expected.transfers.length + 1);
          expect(expected.phase === 'closed').toBe(expected.status === 'rejected' || expected.status === 'published');
          expect(expected.overdue && expected.atRisk).toBe(false);
          for (const d of expected.deadlines) expect(deadlineEntryV1.parse(d)).toEqual(d);
        },
      ),
      { numRuns: 300 },
    );
  });
});
