import { deadlineJobId } from '@tthc/contracts';
import { dossierCode, sleep, waitFor } from '@tthc/testkit';
import { counterValue, entry, inMs, openSnapshot, startSla, type SlaHarness } from './sla-harness';
import { trackedDeadline } from './support/tracked-deadline.builder';

let h: SlaHarness;
beforeAll(async () => {
  // The scheduled run is pushed far out so the test decides when reconciliation happens.
  h = await startSla({ SLA_WARNING_LEAD: '2s', SLA_ESCALATION_STEPS: '2s,4s', RECONCILE_EVERY_SECONDS: '3600' });
});
afterAll(async () => {
  await h?.stop();
});

const idsOf = (code: string) => h.alertsOf(code).map((a) => a.id);
/** Due-stage timers any reconciliation of this instance has scheduled again. */
const recreatedDueTimers = () => counterValue(h, 'sla_timers_recreated_total', { stage: 'due' });

describe('timer reconciliation after Redis lost its data', () => {
  test('when the queue keys are deleted mid-sequence, then reconciliation recreates the next timer of each deadline, the later stages follow, and every alert is still raised exactly once', async () => {
    const a = dossierCode();
    const b = dossierCode();
    await h.publishSnapshot(openSnapshot(a, 1, [entry({ dueAt: inMs(3000), warn: true, escalate: true })]));
    await h.publishSnapshot(openSnapshot(b, 1, [entry({ dueAt: inMs(6000) })]));
    await waitFor('the warning of A', () => h.alertsOf(a).length === 1);

    expect(await h.flushQueueKeys()).toBeGreaterThan(0);
    // B's due instant (and A's) pass while Redis holds no timer.
    await sleep(Math.max(0, Date.parse(h.alertsOf(a)[0]!.data.dueAt) + 4000 - Date.now()));
    expect(h.alertsOf(b)).toHaveLength(0);

    const first = await h.app.reconcile('test');
    // One timer per deadline: A's next stage after its warning. Its escalations follow as
    // each firing hands over to the next stage (past instants fire at once).
    expect(first.recreated.filter((r) => r.subjectCode === a).map((r) => r.stage)).toEqual(['due']);
    expect(first.recreated.filter((r) => r.subjectCode === b).map((r) => r.stage)).toEqual(['due']);

    await waitFor('every alert', () => h.alertsOf(a).length >= 4 && h.alertsOf(b).length >= 1, { timeoutMs: 20_000 });
    // A grace period, not a wait for an event: a duplicate would arrive within it.
    await sleep(1500);
    expect(idsOf(a).sort()).toEqual([`escalation:l1:${a}:dossier:v1`, `escalation:l2:${a}:dossier:v1`, `overdue:${a}:v1`, `warning:${a}:dossier:v1`]);
    expect(idsOf(b)).toEqual([`overdue:${b}:v1`]);

    // Everything raised is recorded, so another run recreates nothing and raises nothing.
    const second = await h.app.reconcile('test');
    expect(second.recreated.filter((r) => r.subjectCode === a || r.subjectCode === b)).toEqual([]);
    await sleep(1000); // grace period: nothing may be raised again
    expect(idsOf(a)).toHaveLength(4);
    expect(idsOf(b)).toHaveLength(1);
    const metric = await h.app.metrics.registry.getSingleMetricAsString('sla_timers_recreated_total');
    expect(metric).toMatch(/sla_timers_recreated_total\{stage="due",service="sla"\} [1-9]/);
  });

  test('when Redis loses the delayed set but keeps a timer job hash, then reconciliation schedules that timer again and the alert is raised once', async () => {
    const code = dossierCode();
    // Far enough out that the timer is still waiting when reconciliation has run, on a loaded machine too.
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(8000) })]));
    const jobId = deadlineJobId(code, 1);
    await waitFor('the timer', async () => (await h.app.queue.getJob(jobId)) !== undefined);
    const recreatedBefore = await recreatedDueTimers();
    // Only the set that makes the job run is lost; the job hash survives as an orphan.
    const redis = await h.app.queue.client;
    expect(await redis.del(h.app.queue.keys.delayed!)).toBe(1);
    expect(await (await h.app.queue.getJob(jobId))?.getState()).toBe('unknown');

    const run = await h.app.reconcile('test');
    // The first test emptied Redis, schedules included; the service's watch restores them and
    // runs a reconciliation of its own, which may be the one that meets this orphan first.
    expect(run.recreated.filter((r) => r.subjectCode === code && (r.key !== 'dossier' || r.stage !== 'due'))).toEqual([]);
    expect(await recreatedDueTimers()).toBeGreaterThan(recreatedBefore);
    expect(await (await h.app.queue.getJob(jobId))?.getState()).toBe('delayed');
    await waitFor('the alert', () => h.alertsOf(code)[0], { timeoutMs: 20_000 });
    await sleep(1000); // grace period: a second alert would arrive within it
    expect(idsOf(code)).toEqual([`overdue:${code}:v1`]);
  });

  test('when a first-release deadline document is stored, then start-up migrates it to the per-key shape and its timer is reconciled', async () => {
    const code = dossierCode();
    const dueAt = new Date(Date.now() + 1000);
    await h.mongo.collection('sla_deadlines').insertOne({ _id: code, agencyCode: 'G01.001.000', procedureCode: '1.001234', phase: 'open', dueAt, deadlineVersion: 1, revision: 1, overdueAt: null } as never);
    const { createDeadlineRepository } = await import('../src/data-access/deadline.repository');
    expect(await createDeadlineRepository(h.mongo).migrateFirstRelease()).toBe(1);
    expect(await h.mongo.collection('sla_deadlines').findOne({ _id: code } as never)).toBeNull();
    expect(await h.mongo.collection('sla_deadlines').findOne({ _id: `${code}|dossier` } as never)).toMatchObject({ subjectCode: code, key: 'dossier', version: 1, status: 'open' });

    const run = await h.app.reconcile('test');
    expect(run.recreated).toContainEqual({ subjectCode: code, key: 'dossier', stage: 'due' });
    const alert = await waitFor('the migrated deadline alert', () => h.alertsOf(code)[0]);
    expect(alert.id).toBe(`overdue:${code}:v1`);
  });

  test('when a deadline document was written before nextFireAt was kept, then start-up marks it due now and the loader plans it and schedules its timer', async () => {
    const code = dossierCode();
    const dueAt = new Date(Date.now() + 1500);
    // The shape the previous release wrote: no nextFireAt.
    const older = {
      _id: `${code}|dossier`,
      ...trackedDeadline({ subjectCode: code, dueAt, legalBasis: 'ND 118/2025/NĐ-CP', since: new Date(), warn: false, escalate: false }),
    };
    await h.mongo.collection('sla_deadlines').insertOne(older as never);
    const { createDeadlineRepository } = await import('../src/data-access/deadline.repository');
    expect(await createDeadlineRepository(h.mongo).markUnplanned()).toBeGreaterThanOrEqual(1);

    const run = await h.app.reconcile('test');
    expect(run.recreated).toContainEqual({ subjectCode: code, key: 'dossier', stage: 'due' });
    expect((await h.mongo.collection('sla_deadlines').findOne({ _id: `${code}|dossier` } as never))?.['nextFireAt']).toEqual(dueAt);
    const alert = await waitFor('the older deadline alert', () => h.alertsOf(code)[0]);
    expect(alert.id).toBe(`overdue:${code}:v1`);
  });
});

describe('the one-time migrations of stored deadlines', () => {
  test('when sla has started once on a database, then later starts find the migrations recorded and do not read the deadlines for old shapes again', async () => {
    const { DEADLINE_SHAPE_MIGRATION } = await import('../src/data-access/deadline.repository');
    expect(await h.mongo.collection('sla_migrations').findOne({ _id: DEADLINE_SHAPE_MIGRATION } as never)).toMatchObject({ at: expect.any(Date) });
    // A first-release document written after that (no instance of that release may still run):
    // a later start leaves it, which shows the start no longer scans for such documents.
    const code = dossierCode();
    await h.mongo.collection('sla_deadlines').insertOne({ _id: code, agencyCode: 'G01.001.000', procedureCode: '1.001234', phase: 'open', dueAt: new Date(Date.now() + 3_600_000), deadlineVersion: 1, revision: 1, overdueAt: null } as never);
    await h.restartApp();
    expect(await h.mongo.collection('sla_deadlines').findOne({ _id: code } as never)).toMatchObject({ deadlineVersion: 1 });
    await h.mongo.collection('sla_deadlines').deleteOne({ _id: code } as never);
  });
});

describe('a reconciliation walk longer than one page', () => {
  let small: SlaHarness;
  beforeAll(async () => {
    // Pages of 7: the deadlines below take several pages of each walk.
    small = await startSla({ RECONCILE_EVERY_SECONDS: '3600', RECONCILE_PAGE_SIZE: '7' });
  });
  afterAll(async () => {
    await small?.stop();
  });

  test('when Redis is emptied with more open deadlines than a page and sla starts over, then the horizon pass and the re-planning walk reach every deadline, each page after page, and each near one gets its timer back', async () => {
    const codes = Array.from({ length: 40 }, () => dossierCode());
    const far = Array.from({ length: 20 }, () => dossierCode());
    // Due in 10–49 minutes: inside the horizon, none fires during the test.
    for (const [i, code] of codes.entries()) await small.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs((10 + i) * 60_000) })]));
    // Due in 20 days: beyond the horizon, only the re-planning walk reads them.
    for (const code of far) await small.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(20 * 86_400_000), warn: true })]));
    await waitFor('every timer scheduled', async () => (await Promise.all(codes.map((c) => small.app.queue.getJob(deadlineJobId(c, 1))))).every(Boolean), { timeoutMs: 30_000 });
    await waitFor('every far deadline stored', async () => (await small.mongo.collection('sla_deadlines').countDocuments({ subjectCode: { $in: far } })) === far.length, { timeoutMs: 30_000 });

    expect(await small.flushQueueKeys()).toBeGreaterThan(0);
    // As if planned under another configuration: every open deadline must be planned again.
    await small.mongo.collection('sla_deadlines').updateMany({}, { $unset: { planKey: '' } });
    const run = await small.app.reconcile('start');
    // The horizon pass comes first and plans the near ones; the walk reads the rest (the
    // service's own periodic-duty periods are open deadlines too), in pages of 7.
    expect(run.replanned).toBeGreaterThanOrEqual(far.length);
    expect(run.deadlines).toBeGreaterThanOrEqual(codes.length);
    expect(await small.mongo.collection('sla_deadlines').countDocuments({ status: 'open', planKey: { $exists: false } })).toBe(0);
    // The first pass over the horizon (before the re-planning walk) recreates them; the last finds them there.
    expect(run.recreated.filter((r) => !r.subjectCode.startsWith('DUTY:')).map((r) => r.subjectCode).sort()).toEqual([...codes].sort());
    for (const code of codes) expect(await (await small.app.queue.getJob(deadlineJobId(code, 1)))?.getState()).toBe('delayed');
  });
});

describe('the start walk re-plans only what was planned under other rules, policy or calendars', () => {
  let h2: SlaHarness;
  beforeAll(async () => {
    h2 = await startSla({ RECONCILE_EVERY_SECONDS: '3600', RECONCILE_PAGE_SIZE: '7' });
  });
  afterAll(async () => {
    await h2?.stop();
  });

  const storedOf = async (codes: string[]) =>
    (await h2.mongo.collection('sla_deadlines').find({ subjectCode: { $in: codes } } as never).toArray()) as unknown as Array<{ subjectCode: string; nextFireAt: Date; planKey?: string }>;

  test('when sla starts again with the same configuration, then the walk reads no deadline; when the warning lead changed, then every open deadline is planned again under the new key and the next start reads none', async () => {
    const codes = Array.from({ length: 20 }, () => dossierCode());
    // Due in 20 days, with a warning: beyond the horizon, so only the stored instant tells.
    for (const code of codes) await h2.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(20 * 86_400_000), warn: true, escalate: true })]));
    await waitFor('every deadline stored', async () => (await storedOf(codes)).length === codes.length, { timeoutMs: 30_000 });
    const before = await storedOf(codes);
    const oldKey = before[0]!.planKey;
    expect(oldKey).toEqual(expect.any(String));
    expect(before.every((d) => d.planKey === oldKey)).toBe(true);

    // The same configuration: nothing to plan again, whatever the number of open deadlines.
    await h2.app.reconcile('start');
    expect((await h2.app.reconcile('start')).replanned).toBe(0);

    // A deployment with another warning lead: every stored warning instant is wrong now.
    await h2.restartApp(undefined, { SLA_WARNING_LEAD: '3wd' });
    const after = await waitFor('the start run to plan every deadline again', async () => {
      const docs = await storedOf(codes);
      return docs.every((d) => d.planKey && d.planKey !== oldKey) ? docs : undefined;
    }, { timeoutMs: 30_000 });
    const newKey = after[0]!.planKey;
    expect(after.every((d) => d.planKey === newKey)).toBe(true);
    const earlier = new Map(before.map((d) => [d.subjectCode, d.nextFireAt.getTime()]));
    // Three working days before due instead of one: each warning moved earlier.
    for (const d of after) expect(d.nextFireAt.getTime()).toBeLessThan(earlier.get(d.subjectCode)!);
    expect((await h2.app.reconcile('start')).replanned).toBe(0);
  });

  test('when a document carries no key (written before keys were kept), then the start walk plans it and stamps the key', async () => {
    const code = dossierCode();
    await h2.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(20 * 86_400_000), warn: true })]));
    const [stored] = await waitFor('the deadline stored', async () => ((await storedOf([code])).length ? storedOf([code]) : undefined), { timeoutMs: 30_000 });
    await h2.mongo.collection('sla_deadlines').updateOne({ subjectCode: code } as never, { $unset: { planKey: '' } } as never);
    const run = await h2.app.reconcile('start');
    expect(run.replanned).toBe(1);
    const [again] = await storedOf([code]);
    expect(again!.planKey).toBe(stored!.planKey);
    expect(again!.nextFireAt.getTime()).toBe(stored!.nextFireAt.getTime());
  });
});
