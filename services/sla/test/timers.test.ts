import { deadlineJobId, type DeadlineEntryV1 } from '@tthc/contracts';
import { dossierCode, sleep, waitFor } from '@tthc/testkit';
import { counterValue, entry, inMs, openSnapshot, startSla, type SlaHarness } from './sla-harness';

// Plain-second leads and steps keep the sequence short; production uses working days.
let h: SlaHarness;
beforeAll(async () => {
  // Several fetchers of few lanes each: a crowd falling due together spans every fetcher and
  // several rounds of lanes, as a province's thousand due in one second does in production.
  h = await startSla({ SLA_WARNING_LEAD: '2s', SLA_ESCALATION_STEPS: '2s,4s', RECONCILE_EVERY_SECONDS: '3600', WORKER_FETCHERS: '4', WORKER_CONCURRENCY: '40' });
});
afterAll(async () => {
  await h?.stop();
});

const kindsOf = (code: string) => h.alertsOf(code).map((a) => (a.data.kind === 'escalation' ? `escalation:${a.data.level}` : a.data.kind));
const jobExists = async (id: string) => (await h.app.queue.getJob(id)) !== undefined;
/** Ids of the timer jobs Redis holds for a subject, whatever their stage. */
const heldJobs = async (code: string) =>
  (await h.app.queue.getJobs(['delayed', 'waiting', 'active', 'prioritized'])).filter((j) => j.data.dossierCode === code).map((j) => j.id);
const statusesOf = async (code: string) => (await h.mongo.collection('sla_deadlines').find({ subjectCode: code }).toArray()).map((d) => d['status'] as string);
/** Publishes revision 1 of `code` with entry `e` and waits until sla stores it; the entry as stored, and how many entries sla has left unwritten since. */
async function trackedFromRevision1(code: string, e: DeadlineEntryV1) {
  const stored = async () => (await h.mongo.collection('sla_deadlines').findOne({ _id: `${code}|dossier` } as never)) as { revision: number; status: string } | null;
  const unchangedTotal = () => counterValue(h, 'sla_deadline_entry_writes_total', { outcome: 'unchanged' });
  await h.publishSnapshot(openSnapshot(code, 1, [e]));
  await waitFor('the entry stored', async () => (await stored()) !== null);
  const start = await unchangedTotal();
  return { stored, unchanged: async () => (await unchangedTotal()) - start };
}
const nextFireAt = async (code: string) => ((await h.mongo.collection('sla_deadlines').findOne({ _id: `${code}|dossier` } as never)) as { nextFireAt?: Date | null } | null)?.nextFireAt;

describe('SLA timers on real Kafka, MongoDB and Redis', () => {
  test('when a dossier deadline warns and escalates, then warning, overdue and each escalation level are raised once, in that order', async () => {
    const code = dossierCode();
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(3000), warn: true, escalate: true })]));

    await waitFor('four alerts', () => h.alertsOf(code).length >= 4, { timeoutMs: 20_000 });
    await sleep(1500); // grace period: a duplicate would arrive within it
    expect(kindsOf(code)).toEqual(['warning', 'overdue', 'escalation:1', 'escalation:2']);
    expect(h.alertsOf(code).map((a) => a.type)).toEqual(['vn.tthc.deadline.warning', 'vn.tthc.dossier.overdue', 'vn.tthc.deadline.escalated', 'vn.tthc.deadline.escalated']);
    expect(h.alertsOf(code).map((a) => a.id)).toEqual([`warning:${code}:dossier:v1`, `overdue:${code}:v1`, `escalation:l1:${code}:dossier:v1`, `escalation:l2:${code}:dossier:v1`]);
    expect(h.alertsOf(code)[0]?.data.reason).toContain('xin lỗi');
    expect(h.alertsOf(code).every((a) => a.key === code && a.data.legalBasis === 'ND 118/2025/NĐ-CP; QĐ 766/QĐ-TTg')).toBe(true);
    expect(await h.mongo.collection('alerts').countDocuments({ dossierCode: code })).toBe(4);
  });

  test('when a dossier with warning, due and escalations is tracked, then Redis holds exactly one job, its next stage; when that fires, the next stage is scheduled in its place', async () => {
    const code = dossierCode();
    // The warning fires 2 s before due.
    const dueAt = inMs(8000);
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt, warn: true, escalate: true })]));
    await waitFor('the warning timer', () => jobExists(deadlineJobId(code, 1, { stage: 'warning' })));
    expect(await heldJobs(code)).toEqual([deadlineJobId(code, 1, { stage: 'warning' })]);
    // The warning instant is planned to the whole second.
    expect((await nextFireAt(code))?.getTime()).toBe(Math.floor(Date.parse(dueAt) / 1000) * 1000 - 2000);

    await waitFor('the warning alert', () => h.alertsOf(code).length >= 1, { timeoutMs: 20_000 });
    // The warning handed over to the due stage: its timer is held, or (read after the job) it
    // already fired and stored its alert.
    const dueJob = await h.app.queue.getJob(deadlineJobId(code, 1));
    const overdueStored = await h.mongo.collection('alerts').countDocuments({ _id: `overdue:${code}:v1` } as never);
    expect(dueJob !== undefined || overdueStored === 1).toBe(true);

    await waitFor('every alert', () => h.alertsOf(code).length >= 4, { timeoutMs: 20_000 });
    await waitFor('no timer left', async () => (await heldJobs(code)).length === 0);
    expect(await nextFireAt(code)).toBeNull();
  });

  test('when a deadline is learned after its escalation instants passed, then one firing raises the overdue alert and every level due, in order, and records them all', async () => {
    const code = dossierCode();
    // Due a minute ago: overdue and both levels (2 s, 4 s later) wait only for the settle time.
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(-60_000), warn: true, escalate: true })]));

    await waitFor('three alerts', () => h.alertsOf(code).length >= 3, { timeoutMs: 20_000 });
    await sleep(1500); // grace period: a duplicate would arrive within it
    // No warning: the deadline was past when it was learned.
    expect(kindsOf(code)).toEqual(['overdue', 'escalation:1', 'escalation:2']);
    // One firing stored them: the same instant raised each.
    expect(new Set(h.alertsOf(code).map((a) => a.data.raisedAt)).size).toBe(1);
    const stored = await h.mongo.collection('sla_deadlines').findOne({ _id: `${code}|dossier` } as never);
    expect([...((stored?.['raised'] as string[]) ?? [])].sort()).toEqual(['due', 'escalation:1', 'escalation:2']);
    expect(stored?.['nextFireAt']).toBeNull();
    expect(await heldJobs(code)).toEqual([]);
  });

  test('when 300 deadlines fall due in the same second with four fetchers of ten lanes, then each overdue alert is raised exactly once, none before its instant', async () => {
    const codes = Array.from({ length: 300 }, () => dossierCode());
    const dueAt = new Date(Math.ceil((Date.now() + 4000) / 1000) * 1000).toISOString();
    await Promise.all(codes.map((code) => h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt })]))));

    const crowd = new Set(codes);
    const overdue = () => h.alerts.filter((a) => crowd.has(a.data.dossierCode) && a.data.kind === 'overdue');
    await waitFor('300 overdue alerts', () => overdue().length >= 300, { timeoutMs: 30_000 });
    await sleep(1500); // grace period: a duplicate would arrive within it
    expect(overdue().map((a) => a.data.dossierCode).sort()).toEqual([...codes].sort());
    expect(await h.mongo.collection('alerts').countDocuments({ dossierCode: { $in: codes }, kind: 'overdue' })).toBe(300);
    // Every one of them was raised at or after its due instant, never before.
    expect(overdue().every((a) => Date.parse(String(a.data.raisedAt)) >= Date.parse(dueAt))).toBe(true);
  });

  test('when a processing step passes its due instant, then the overdue alert names the step agency as responsible', async () => {
    const code = dossierCode();
    await h.publishSnapshot(
      openSnapshot(code, 1, [
        entry({ dueAt: inMs(3600_000) }),
        entry({ key: 'step:2', kind: 'step', dueAt: inMs(1000), agencyCode: 'G01.002.000', label: 'Thẩm định hồ sơ', legalBasis: 'Quy trình nội bộ' }),
      ]),
    );
    const alert = await waitFor('the step alert', () => h.alertsOf(code)[0]);
    expect(alert).toMatchObject({
      type: 'vn.tthc.dossier.overdue',
      id: `overdue:${code}:step:2:v1`,
      data: { kind: 'overdue', deadlineKind: 'step', deadlineKey: 'step:2', responsibleAgencyCode: 'G01.002.000', agencyCode: 'G01.001.000', label: 'Thẩm định hồ sơ', legalBasis: 'Quy trình nội bộ' },
    });
    await sleep(1000); // grace period: a second alert would arrive within it
    expect(h.alertsOf(code)).toHaveLength(1);
  });

  test('when a petition deadline passes unhandled, then vn.tthc.petition.unhandled is raised', async () => {
    const code = `PAKN-${dossierCode()}`;
    await h.publishSnapshot(
      openSnapshot(code, 1, [entry({ key: 'petition:answer', kind: 'petition-answer', dueAt: inMs(1000), agencyCode: 'G01.002.000', label: 'Trả lời PAKN', legalBasis: 'QĐ 766/QĐ-TTg (15 ngày làm việc)' })], {
        subject: 'petition',
        statusCode: null,
      }),
    );
    const alert = await waitFor('the petition alert', () => h.alertsOf(code)[0]);
    expect(alert).toMatchObject({ type: 'vn.tthc.petition.unhandled', data: { subject: 'petition', deadlineKind: 'petition-answer', responsibleAgencyCode: 'G01.002.000' } });
  });

  test('when the due date changes, then the timer of the old version is removed from Redis; redelivered and older snapshots raise nothing twice', async () => {
    const code = dossierCode();
    const v1 = openSnapshot(code, 1, [entry({ dueAt: inMs(3600_000), version: 1, warn: true, escalate: true })]);
    await h.publishSnapshot(v1);
    const v1Ids = [
      deadlineJobId(code, 1, { stage: 'warning' }),
      deadlineJobId(code, 1),
      deadlineJobId(code, 1, { stage: 'escalation', level: 1 }),
      deadlineJobId(code, 1, { stage: 'escalation', level: 2 }),
    ];
    await waitFor('the one version-1 timer, its warning', () => jobExists(v1Ids[0]!));
    expect(await Promise.all(v1Ids.map(jobExists))).toEqual([true, false, false, false]);

    const v2 = openSnapshot(code, 2, [entry({ dueAt: inMs(2500), version: 2 })]);
    await h.publishSnapshot(v2);
    await waitFor('the version-2 timer', () => jobExists(deadlineJobId(code, 2)));
    expect(await Promise.all(v1Ids.map(jobExists))).toEqual([false, false, false, false]);

    // At-least-once delivery: the newer snapshot again, then the older one.
    await h.publishSnapshot(v2);
    await h.publishSnapshot(v1);
    await waitFor('the overdue alert of version 2', () => h.alertsOf(code).length > 0);
    await sleep(1500); // grace period: an alert of the older version would arrive within it
    expect(h.alertsOf(code).map((a) => a.id)).toEqual([`overdue:${code}:v2`]);
    expect(await Promise.all(v1Ids.map(jobExists))).toEqual([false, false, false, false]);
    const stored = await h.mongo.collection('sla_deadlines').findOne({ _id: `${code}|dossier` } as never);
    expect(stored).toMatchObject({ version: 2, revision: 2, raised: ['due'] });
  });

  test('when a snapshot one revision ahead leaves a deadline entry as it was, then the entry is not written; further ahead it is; an older one arriving late is still refused', async () => {
    const code = dossierCode();
    const e = entry({ dueAt: inMs(3_600_000), warn: true, escalate: true });
    const { stored, unchanged } = await trackedFromRevision1(code, e);
    await h.publishSnapshot(openSnapshot(code, 2, [e]));
    await waitFor('revision 2 seen and left unwritten', async () => (await unchanged()) === 1);
    expect(await stored()).toMatchObject({ revision: 1, status: 'open' });
    await h.publishSnapshot(openSnapshot(code, 4, [e]));
    await waitFor('revision 4 written', async () => (await stored())?.revision === 4);
    // Revision 3 paused the deadline; arriving after 4 it must not take the entry back.
    await h.publishSnapshot(openSnapshot(code, 3, [{ ...e, status: 'paused' }], { paused: true }));
    await h.publishSnapshot(openSnapshot(code, 5, [e]));
    await waitFor('revision 5 seen and left unwritten', async () => (await unchanged()) === 2);
    expect(await stored()).toMatchObject({ revision: 4, status: 'open' });
  });

  test('when workflow stamps an entry unchanged since the stored revision, then a snapshot several revisions ahead is not written; a stamp after it is; a late older one is still refused', async () => {
    const code = dossierCode();
    const e = entry({ dueAt: inMs(3_600_000), warn: true, escalate: true, changedAt: 1 });
    const { stored, unchanged } = await trackedFromRevision1(code, e);
    // Revisions 2–6 recorded alerts or moved other things: the entry looks as it did at 1.
    await h.publishSnapshot(openSnapshot(code, 7, [e]));
    await waitFor('revision 7 seen and left unwritten', async () => (await unchanged()) === 1);
    expect(await stored()).toMatchObject({ revision: 1, status: 'open' });
    // Without a stamp the same snapshot is written: a revision in between might differ.
    await h.publishSnapshot(openSnapshot(code, 9, [{ ...e, changedAt: undefined }]));
    await waitFor('revision 9 written', async () => (await stored())?.revision === 9);
    // Paused at 10, open again at 12 with the stamp 12: the stored 9 does not cover 10–11.
    await h.publishSnapshot(openSnapshot(code, 12, [{ ...e, changedAt: 12 }]));
    await waitFor('revision 12 written', async () => (await stored())?.revision === 12);
    await h.publishSnapshot(openSnapshot(code, 10, [{ ...e, status: 'paused', changedAt: 10 }], { paused: true }));
    await h.publishSnapshot(openSnapshot(code, 15, [{ ...e, changedAt: 12 }]));
    await waitFor('revision 15 seen and left unwritten', async () => (await unchanged()) === 2);
    expect(await stored()).toMatchObject({ revision: 12, status: 'open' });
  });

  test('when a deadline is met before it is due, then its timer is removed, no next instant is kept and nothing is raised', async () => {
    const code = dossierCode();
    const dueAt = inMs(8000);
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt, warn: true, escalate: true })]));
    await waitFor('the warning timer', () => jobExists(deadlineJobId(code, 1, { stage: 'warning' })));
    await h.publishSnapshot(openSnapshot(code, 2, [entry({ dueAt, status: 'met' })], { phase: 'closed', closedAt: new Date().toISOString() }));
    await waitFor('the timer to go', async () => (await heldJobs(code)).length === 0);
    expect(await nextFireAt(code)).toBeNull();
    // Part of the scenario: the due instant has to pass for "nothing raised" to mean anything.
    await sleep(Date.parse(dueAt) - Date.now() + 1500);
    expect(h.alertsOf(code)).toHaveLength(0);
  });

  test('when a newer snapshot of a subject has no deadline entries, then its stored entries are settled as removed and their timers go', async () => {
    const code = dossierCode();
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(60_000) }), entry({ key: 'step:1', kind: 'step', dueAt: inMs(50_000) })]));
    await waitFor('both timers', async () => (await heldJobs(code)).length === 2);
    await h.publishSnapshot(openSnapshot(code, 2, [], { dueAt: null, deadlineVersion: 0 }));
    await waitFor('the entries to be removed', async () => {
      const statuses = await statusesOf(code);
      return statuses.length === 2 && statuses.every((st) => st === 'removed');
    });
    await waitFor('the timers to go', async () => (await heldJobs(code)).length === 0);
  });

  test('when a snapshot on the state topic is not valid, then it goes to the dead-letter topic and later snapshots still work', async () => {
    const poison = `poison-${dossierCode()}`;
    await h.publishRaw(poison, JSON.stringify({ specversion: '1.0', id: 'x', source: 'urn:x', type: 'vn.tthc.dossier.state-changed', data: { dossierCode: 42 } }));
    const code = dossierCode();
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(500) })]));
    await waitFor('the later alert', () => h.alertsOf(code)[0]);
    const letter = await waitFor('the dead letter', () => h.deadLetters.find((l) => l.data.key === poison));
    expect(letter).toMatchObject({ type: 'vn.tthc.dead-letter', data: { originalTopic: h.topics.dossierState, errorCode: 'invalid-event' } });
  });
});
