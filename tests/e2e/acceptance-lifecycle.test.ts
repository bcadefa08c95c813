/**
 * Acceptance of the dossier and petition lifecycle rules on the real path: every fact goes
 * through intake's HTTP API, Kafka and workflow into MongoDB, and sla's timers and alerts come
 * back to workflow through the alerts topic. Expected instants were computed by hand and checked
 * with `npx tthc-calendar` on packages/calendar/data/vn-civil-service.json (08:00–12:00,
 * 13:00–17:00 UTC+7; Tết 2026 from Saturday 14/2 to Sunday 22/2).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CALENDAR_PATH, loadCalendar } from '@tthc/calendar';
import { COLLECTIONS, deadlineJobId } from '@tthc/contracts';
import { dossierCode, probeProducer, requireEnv, waitFor, withDatabase } from '@tthc/testkit';
import { main as calendarApply } from '../../services/workflow/src/cli/calendar-apply.cli';
import { PORTAL_KEY, getJson, postEvents, startStack, type Stack } from './support/stack';
import { lifecycleEvent } from './support/lifecycle-events';

interface StoredState {
  phase: string;
  statusCode: number | null;
  dueAt: string | null;
  deadlineVersion: number;
  paused: boolean;
  timeliness: string | null;
  overdue: boolean;
  supplementRequests?: number;
  pausedWorkingMinutes?: number;
  apologies?: Array<{ valid: boolean; flag: string | null; newAppointmentAt: string }>;
  steps?: Array<{ stepNo: number; agencyCode: string; dueAt: string; timeliness: string | null; overdue: boolean }>;
  lateAgencies?: string[];
  findings: Array<{ code: string }>;
  deadlines: Array<{ key: string; version: number; status: string; dueAt: string }>;
  holderAgencyCode?: string;
  clockStartAt?: string;
}
interface StoredDoc {
  history: Array<{ id: string; type: string; source: string }>;
  state: StoredState;
}
interface AlertsBody {
  items: Array<{ id: string; type: string; dossierCode: string; dueAt: string }>;
}

const SOURCE = 'urn:portal:e2e-lifecycle';
const vn = (local: string) => `${local}+07:00`;
const at = (iso: string) => new Date(iso);
const sameInstant = (a: string | null | undefined, b: string) => a != null && Date.parse(a) === Date.parse(b);

describe('issue #5 acceptance: lifecycle rules through intake, workflow and sla', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The calendar poller runs every second so the calendar-change test needs no admin call.
    // The horizon covers the weeks-ahead deadlines whose timers these tests look at.
    stack = await startStack({ workflowEnv: { CALENDAR_POLL_SECONDS: '1' }, slaEnv: { CALENDAR_POLL_SECONDS: '1', TIMER_HORIZON_SECONDS: String(90 * 86_400) } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const counters = new Map<string, number>();
  /** Posts one lifecycle fact through intake; ids are numbered per subject. */
  async function post(code: string, type: string, occurredAt: Date, extra: Record<string, unknown> = {}) {
    const n = (counters.get(code) ?? 0) + 1;
    counters.set(code, n);
    const res = await postEvents(stack, lifecycleEvent(code, n, type, occurredAt, extra));
    expect({ type, status: res.status }).toEqual({ type, status: 202 });
  }
  const stored = async (code: string) => (await stack.mongo.collection(COLLECTIONS.dossiers).findOne({ _id: code } as never)) as unknown as StoredDoc | null;
  /** The stored document once every fact posted so far for `code` is in its history and `check` holds. */
  const applied = (code: string, what: string, check: (s: StoredState) => boolean = () => true) =>
    waitFor(what, async () => {
      const doc = await stored(code);
      const inbound = doc?.history.filter((f) => f.source === SOURCE).length ?? 0;
      return doc && inbound === counters.get(code) && check(doc.state) ? doc.state : undefined;
    });
  const alerts = async (code: string) => ((await getJson(`${stack.reportingUrl}/v1/alerts?dossierCode=${encodeURIComponent(code)}`)).body as unknown as AlertsBody).items;
  const job = (id: string) => stack.sla.queue.getJob(id);
  /** A deadline holds one timer, its next stage: the warning, for these entries weeks ahead. */
  const timer = (code: string, version: number, deadlineKey?: string) => job(deadlineJobId(code, version, { deadlineKey, stage: 'warning' }));

  test('when a supplement requested before Tết 2026 is received after it, then only the working time is paused and the due instant moves by it', async () => {
    const code = dossierCode();
    await post(code, 'vn.tthc.dossier.received', at(vn('2026-02-02T09:00:00')), { procedureCode: '1.001612', appointmentAt: vn('2026-02-13T16:00:00') });
    await post(code, 'vn.tthc.dossier.supplement-requested', at(vn('2026-02-11T15:30:00')), { reason: 'thiếu bản sao' });
    const waiting = await applied(code, 'the supplement request', (s) => s.paused);
    expect(waiting).toMatchObject({ phase: 'open', statusCode: 5, deadlineVersion: 1, supplementRequests: 1 });
    expect(waiting.deadlines.find((d) => d.key === 'dossier')).toMatchObject({ status: 'paused', version: 1 });

    await post(code, 'vn.tthc.dossier.supplement-received', at(vn('2026-02-25T10:15:00')));
    const resumed = await applied(code, 'the supplement reception', (s) => !s.paused);
    // 11/2 15:30–17:00 (90) + 12/2 and 13/2 (2 × 480) + Tết 14/2–22/2 (0) + 23/2 and 24/2 (2 × 480)
    // + 25/2 08:00–10:15 (135) = 2145 working minutes (`tthc-calendar between`).
    expect(resumed.pausedWorkingMinutes).toBe(2145);
    // 13/2 16:00 + 35 h 45: 1 h on 13/2, 8 h on 23/2, 24/2, 25/2 and 26/2, then 2 h 45 on 27/2
    // (`tthc-calendar due --amount 35.75 --unit working-hour`).
    expect(sameInstant(resumed.dueAt, vn('2026-02-27T10:45:00'))).toBe(true);
    expect(resumed).toMatchObject({ phase: 'open', statusCode: 4, deadlineVersion: 2 });
    expect(resumed.deadlines.find((d) => d.key === 'dossier')).toMatchObject({ status: 'open', version: 2 });
  });

  test('when a supplement is requested twice and the dossier is resolved before its appointment, then it is closed late', async () => {
    const code = dossierCode();
    // A week ahead: no timer fires while the test runs.
    const base = new Date(Date.now() + 7 * 86_400_000);
    const h = (n: number) => new Date(base.getTime() + n * 3600_000);
    await post(code, 'vn.tthc.dossier.received', base, { procedureCode: '1.001612', appointmentAt: h(30 * 24).toISOString() });
    await post(code, 'vn.tthc.dossier.supplement-requested', h(1));
    await post(code, 'vn.tthc.dossier.supplement-received', h(2));
    await post(code, 'vn.tthc.dossier.supplement-requested', h(24));
    await post(code, 'vn.tthc.dossier.supplement-received', h(26));
    await post(code, 'vn.tthc.dossier.resolved', h(48));
    const closed = await applied(code, 'the resolution', (s) => s.phase === 'closed');
    expect(closed).toMatchObject({ statusCode: 9, supplementRequests: 2, timeliness: 'late', lateAgencies: ['G01.001.000'] });
    expect(closed.findings.map((f) => f.code)).toContain('second-supplement-request');
    const view = await getJson(`${stack.reportingUrl}/v1/dossiers/${encodeURIComponent(code)}`);
    expect(view.body).toMatchObject({ status: 'closed', statusCode: 9 });
  });

  test('when an apology comes in time, then the due instant and the SLA timer move to the new version; when a second comes, then it is flagged and nothing moves', async () => {
    const code = dossierCode();
    const now = Date.now();
    const appointment = new Date(now + 10 * 86_400_000).toISOString();
    const newAppointment = new Date(now + 20 * 86_400_000).toISOString();
    await post(code, 'vn.tthc.dossier.received', new Date(now - 3600_000), { procedureCode: '1.001612', appointmentAt: appointment });
    await applied(code, 'the reception');
    await waitFor('the timer of version 1', () => timer(code, 1));

    await post(code, 'vn.tthc.dossier.apology-issued', new Date(now - 60_000), { newAppointmentAt: newAppointment, reason: 'cần xác minh thêm', channels: ['sms', 'vneid'] });
    const moved = await applied(code, 'the first apology', (s) => s.deadlineVersion === 2);
    expect(sameInstant(moved.dueAt, newAppointment)).toBe(true);
    expect(moved.apologies).toEqual([expect.objectContaining({ valid: true, flag: null })]);
    await waitFor('the timer of version 2', () => timer(code, 2));
    await waitFor('the timers of version 1 to be removed', async () => (await job(deadlineJobId(code, 1))) === undefined && (await timer(code, 1)) === undefined);
    expect(await job(deadlineJobId(code, 2))).toBeUndefined();

    await post(code, 'vn.tthc.dossier.apology-issued', new Date(now), { newAppointmentAt: new Date(now + 30 * 86_400_000).toISOString(), reason: 'lần hai', channels: ['email'] });
    const flagged = await applied(code, 'the second apology', (s) => (s.apologies?.length ?? 0) === 2);
    expect(flagged.apologies?.[1]).toMatchObject({ valid: false, flag: 'second-apology' });
    expect(flagged.findings.map((f) => f.code)).toContain('second-apology');
    expect(flagged.deadlineVersion).toBe(2);
    expect(sameInstant(flagged.dueAt, newAppointment)).toBe(true);
    expect(await timer(code, 2)).toBeDefined();
    expect(await timer(code, 3)).toBeUndefined();
  });

  test('when one step passes its allotment, then sla raises the step alert and the lateness is attributed to that step agency, not to the dossier agency or the on-time step', async () => {
    const code = dossierCode();
    // Received last Monday; the appointment is weeks ahead, so only the step runs late.
    await post(code, 'vn.tthc.dossier.received', at(vn('2026-11-16T08:30:00')), { procedureCode: '1.001612', appointmentAt: vn('2026-12-31T17:00:00') });
    await post(code, 'vn.tthc.dossier.processing-started', at(vn('2026-11-16T08:45:00')));
    await post(code, 'vn.tthc.dossier.step-assigned', at(vn('2026-11-16T09:00:00')), { stepNo: 1, stepAgencyCode: 'G01.002.000', stepName: 'Thẩm định', allottedHours: 8 });
    // 8 working hours from 16/11 09:00: 7 h that day (lunch 12–13), 1 h on 17/11 → 17/11 09:00.
    const stepDue = vn('2026-11-17T09:00:00');

    const overdue = await applied(code, 'the step overdue alert to reach the dossier', (s) => s.steps?.[0]?.overdue === true);
    expect(overdue.steps?.[0]).toMatchObject({ stepNo: 1, agencyCode: 'G01.002.000', timeliness: null });
    expect(sameInstant(overdue.steps?.[0]?.dueAt, stepDue)).toBe(true);
    expect(overdue).toMatchObject({ phase: 'open', overdue: false, lateAgencies: ['G01.002.000'] });
    const stepAlert = (await alerts(code)).find((a) => a.id === `overdue:${code}:step:1:v1`);
    expect(stepAlert).toMatchObject({ type: 'dossier.overdue' });
    expect(sameInstant(stepAlert?.dueAt, stepDue)).toBe(true);
    const storedAlert = await stack.mongo.collection(COLLECTIONS.alerts).findOne({ _id: `overdue:${code}:step:1:v1` } as never);
    expect(storedAlert).toMatchObject({ deadlineKey: 'step:1', responsibleAgencyCode: 'G01.002.000', agencyCode: 'G01.001.000' });

    await post(code, 'vn.tthc.dossier.step-completed', at(vn('2026-11-18T10:00:00')), { stepNo: 1 });
    await post(code, 'vn.tthc.dossier.step-assigned', at(vn('2026-11-18T10:05:00')), { stepNo: 2, stepAgencyCode: 'G01.003.000', stepName: 'Phê duyệt', allottedHours: 16 });
    await post(code, 'vn.tthc.dossier.step-completed', at(vn('2026-11-18T15:00:00')), { stepNo: 2 });
    await post(code, 'vn.tthc.dossier.resolved', at(vn('2026-11-19T09:00:00')));
    const closed = await applied(code, 'the resolution', (s) => s.phase === 'closed');
    expect(closed).toMatchObject({ timeliness: 'early', overdue: false, lateAgencies: ['G01.002.000'] });
    expect(closed.steps?.map((s) => ({ stepNo: s.stepNo, agencyCode: s.agencyCode, timeliness: s.timeliness, overdue: s.overdue }))).toEqual([
      { stepNo: 1, agencyCode: 'G01.002.000', timeliness: 'late', overdue: false },
      { stepNo: 2, agencyCode: 'G01.003.000', timeliness: 'early', overdue: false },
    ]);
  });

  test('when a petition is transferred, then its answer clock restarts at the transfer and the SLA timer moves to the new version', async () => {
    const code = `PAKN-${randomUUID().slice(0, 8)}`;
    // Working hours next week, so the two windows differ and no timer fires during the test.
    await post(code, 'vn.tthc.petition.received', at(vn('2026-12-01T09:00:00')), { title: 'Đèn đường hỏng', channel: 'online' });
    const first = await applied(code, 'the submission');
    // 15 working days from Tuesday 1/12 09:00 → 22/12 09:00.
    expect(first).toMatchObject({ deadlineVersion: 1, holderAgencyCode: 'G01.001.000' });
    expect(sameInstant(first.dueAt, vn('2026-12-22T09:00:00'))).toBe(true);
    await waitFor('the answer timer of version 1', () => timer(code, 1, 'petition:answer'));

    await post(code, 'vn.tthc.petition.transferred', at(vn('2026-12-03T14:00:00')), { toAgencyCode: 'G01.002.000', reason: 'không thuộc thẩm quyền' });
    const moved = await applied(code, 'the transfer', (s) => s.deadlineVersion === 2);
    // 15 working days from the transfer, Thursday 3/12 14:00 → 24/12 14:00.
    expect(moved).toMatchObject({ holderAgencyCode: 'G01.002.000', phase: 'open' });
    expect(sameInstant(moved.clockStartAt, vn('2026-12-03T14:00:00'))).toBe(true);
    expect(sameInstant(moved.dueAt, vn('2026-12-24T14:00:00'))).toBe(true);
    expect(moved.deadlines.find((d) => d.key === 'petition:answer')).toMatchObject({ version: 2, status: 'open' });
    await waitFor('the answer timer of version 2', () => timer(code, 2, 'petition:answer'));
    await waitFor('the answer timer of version 1 to be removed', async () => (await timer(code, 1, 'petition:answer')) === undefined);
  });

  test('when a back-dated petition was transferred and its new holder let the answer deadline pass, then the alert is raised for the new version only', async () => {
    const code = `PAKN-${randomUUID().slice(0, 8)}`;
    // The transfer is delivered before the submission, so no snapshot ever shows the first
    // holder's window open: a v1 alert could only come from a clock that did not restart.
    await post(code, 'vn.tthc.petition.transferred', at(vn('2026-10-05T10:00:00')), { toAgencyCode: 'G01.002.000' });
    await post(code, 'vn.tthc.petition.received', at(vn('2026-10-01T09:00:00')), { title: 'Ngập nước', channel: 'phone' });
    // 15 working days from 5/10 10:00 → 26/10 10:00 (from the submission it would be 22/10 09:00).
    const answerDue = vn('2026-10-26T10:00:00');
    const overdue = await applied(code, 'the answer overdue alert to reach the petition', (s) => s.overdue);
    expect(overdue).toMatchObject({ deadlineVersion: 2, holderAgencyCode: 'G01.002.000' });
    expect(sameInstant(overdue.dueAt, answerDue)).toBe(true);
    expect(sameInstant(overdue.clockStartAt, vn('2026-10-05T10:00:00'))).toBe(true);

    const items = await waitFor('the escalations of the answer deadline', async () => {
      const list = await alerts(code);
      return list.filter((a) => a.type === 'deadline.escalated').length === 3 ? list : undefined;
    });
    expect(items.map((a) => a.id).sort()).toEqual(
      [`overdue:${code}:petition:answer:v2`, ...[1, 2, 3].map((l) => `escalation:l${l}:${code}:petition:answer:v2`)].sort(),
    );
    expect(items.every((a) => sameInstant(a.dueAt, answerDue))).toBe(true);
    expect(items.find((a) => a.id.startsWith('overdue:'))?.type).toBe('petition.unhandled');
  });
  test('when the portal sync shows a dossier back at status 4 after 5, then the supplement wait ends there and its working time moves the due instant', async () => {
    const code = dossierCode();
    const record = (status: number, updatedAt: string) => ({
      MaHoSo: code,
      MaTTHC: '1.001612',
      MaDonVi: 'G01.001.000',
      KenhThucHien: 2,
      TrangThaiHoSo: status,
      NgayTiepNhan: '20261116090000',
      NgayHenTra: '20261215170000',
      NgayCapNhat: updatedAt,
    });
    const sync = async (body: unknown) => {
      const res = await fetch(`${stack.intakeUrl}/v1/portal/dossiers`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${PORTAL_KEY}` }, body: JSON.stringify(body) });
      expect(res.status).toBe(202);
    };
    const withTypes = (...types: string[]) => async () => {
      const doc = await stored(code);
      return doc && types.every((t) => doc.history.some((f) => f.type === t)) ? doc.state : undefined;
    };
    await sync([record(2, '20261116090000')]);
    await sync([record(5, '20261117100000')]);
    const waiting = await waitFor('the supplement request from the portal', withTypes('vn.tthc.dossier.received', 'vn.tthc.dossier.supplement-requested'));
    expect(waiting).toMatchObject({ paused: true, statusCode: 5 });

    // A portal record carries no previous status: back at 4 it arrives as processing-started.
    await sync([record(4, '20261118100000')]);
    const resumed = await waitFor('the portal record back at 4', withTypes('vn.tthc.dossier.processing-started'));
    // 17/11 10:00 → 18/11 10:00 is 480 working minutes; 15/12 17:00 + 8 h → 16/12 17:00.
    expect(resumed).toMatchObject({ paused: false, statusCode: 4, pausedWorkingMinutes: 480, deadlineVersion: 2 });
    expect(sameInstant(resumed.dueAt, vn('2026-12-16T17:00:00'))).toBe(true);
    await waitFor('the timer of version 2', () => timer(code, 2));
  });

  test('when the same petition lifecycle arrives in order for one petition and reversed with duplicates for another, then both states are identical except the code', async () => {
    // Next month in working hours: no timer fires while the test runs.
    const lifecycle = (code: string) => [
      lifecycleEvent(code, 1, 'vn.tthc.petition.received', at(vn('2026-12-01T09:00:00')), { title: 'Ổ gà', channel: 'online' }),
      lifecycleEvent(code, 2, 'vn.tthc.petition.supplement-requested', at(vn('2026-12-02T09:00:00')), { reason: 'thiếu vị trí' }),
      lifecycleEvent(code, 3, 'vn.tthc.petition.transferred', at(vn('2026-12-03T14:00:00')), { toAgencyCode: 'G01.002.000' }),
      lifecycleEvent(code, 4, 'vn.tthc.petition.answered', at(vn('2026-12-08T10:00:00')), {}, 'G01.002.000'),
      lifecycleEvent(code, 5, 'vn.tthc.petition.published', at(vn('2026-12-09T10:00:00')), { url: 'https://example.gov.vn/pakn/2' }, 'G01.002.000'),
    ];
    const inOrder = `PAKN-${randomUUID().slice(0, 8)}`;
    const reversed = `PAKN-${randomUUID().slice(0, 8)}`;
    for (const e of lifecycle(inOrder)) expect((await postEvents(stack, e)).status).toBe(202);
    const backwards = lifecycle(reversed).reverse();
    for (const e of backwards) expect((await postEvents(stack, e)).status).toBe(202);
    // Redelivery behind intake's back, as at-least-once delivery may produce it.
    const producer = probeProducer(stack.kafka);
    await producer.connect();
    await producer.send({ topic: stack.topics.dossierEvents, messages: [...backwards, ...backwards.slice(0, 2)].map((e) => ({ key: reversed, value: JSON.stringify(e) })) });
    await producer.disconnect();

    const complete = async (code: string) => {
      const doc = await stored(code);
      return doc && doc.history.length === 5 ? doc : undefined;
    };
    const a = await waitFor('the in-order petition', () => complete(inOrder));
    const b = await waitFor('the reversed petition, duplicates absorbed', async () => {
      const first = await complete(reversed);
      await new Promise((r) => setTimeout(r, 500));
      const second = (await complete(reversed)) as (StoredDoc & { revision?: number }) | undefined;
      return first && second && second.revision === (first as StoredDoc & { revision?: number }).revision ? second : undefined;
    });
    const comparable = (state: StoredState, code: string) => JSON.parse(JSON.stringify(state).split(code).join('CODE')) as unknown;
    expect(a.state).toMatchObject({ phase: 'closed', holderAgencyCode: 'G01.002.000', timeliness: 'early' });
    expect(comparable(b.state, reversed)).toEqual(comparable(a.state, inOrder));
  });

  // Last in the file: the new calendar stays active in this stack afterwards.
  test('when a calendar version adds a day off, then the audit lists the affected subjects, their deadlines move and sla reschedules the timer; a portal appointment stays', async () => {
    const petition = `PAKN-${randomUUID().slice(0, 8)}`;
    await post(petition, 'vn.tthc.petition.received', at(vn('2026-12-01T09:00:00')), { title: 'Rác thải', channel: 'online' });
    const before = await applied(petition, 'the submission');
    expect(sameInstant(before.dueAt, vn('2026-12-22T09:00:00'))).toBe(true);
    const answerJob = (v: number) => timer(petition, v, 'petition:answer');
    await waitFor('the answer timer of version 1', () => answerJob(1));
    const dossier = dossierCode();
    await post(dossier, 'vn.tthc.dossier.received', at(vn('2026-12-01T09:00:00')), { procedureCode: '1.001612', appointmentAt: vn('2026-12-15T17:00:00') });
    await applied(dossier, 'the dossier reception');

    const file = JSON.parse(readFileSync(DEFAULT_CALENDAR_PATH, 'utf8')) as { years: Record<string, { daysOff: unknown[] }> };
    file.years['2026']!.daysOff.push({ date: '2026-12-10', kind: 'holiday', reason: 'acceptance: ngày nghỉ bổ sung' });
    const path = join(tmpdir(), `${stack.namespace}-calendar.json`);
    writeFileSync(path, JSON.stringify(file));
    const env = { MONGO_URL: withDatabase(requireEnv('MONGO_URL'), stack.namespace) };
    expect(await calendarApply([path], { stdout: () => undefined, stderr: () => undefined, env })).toBe(0);
    rmSync(path, { force: true });

    const version = loadCalendar(file).version;
    const audit = (await waitFor('the calendar audit', () => stack.mongo.collection(COLLECTIONS.calendarAudits).findOne({ toVersion: version }).then((a) => a ?? undefined))) as unknown as {
      affected: Array<{ code: string; oldDueAt: string | null; newDueAt: string | null; deadlineKeys: string[] }>;
    };
    const moved = audit.affected.find((a) => a.code === petition);
    // 15 working days from 1/12 09:00 skipping the new day off 10/12 → 23/12 09:00
    // (`tthc-calendar due` on the edited file).
    expect(moved).toMatchObject({ deadlineKeys: expect.arrayContaining(['petition:answer']) });
    expect(sameInstant(moved?.oldDueAt, vn('2026-12-22T09:00:00'))).toBe(true);
    expect(sameInstant(moved?.newDueAt, vn('2026-12-23T09:00:00'))).toBe(true);
    expect(audit.affected.map((a) => a.code)).not.toContain(dossier);

    const after = await applied(petition, 'the recomputed petition', (s) => s.deadlineVersion === 2);
    expect(sameInstant(after.dueAt, vn('2026-12-23T09:00:00'))).toBe(true);
    await waitFor('the answer timer of version 2', () => answerJob(2));
    await waitFor('the answer timer of version 1 to be removed', async () => (await answerJob(1)) === undefined);
    expect((await stored(dossier))?.state).toMatchObject({ deadlineVersion: 1 });
    // sla plans warnings and escalations with the same calendar version.
    await waitFor('sla to install the new calendar version', () => (stack.sla.calendars.forAgency('G01.001.000').version === version ? true : undefined));
    expect(stack.sla.calendars.forAgency('G01.001.000').isWorkingDay('2026-12-10').value).toBe(false);
  });
});
