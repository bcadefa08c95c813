import type { Admin } from 'kafkajs';
import { deadlineJobId } from '@tthc/contracts';
import { dossierCode, probeKafka, requireEnv, sleep, uniqueName, waitFor } from '@tthc/testkit';
import { counterValue, entry, inMs, openSnapshot, portalHistory, startSla, type SlaHarness } from './sla-harness';

// workflow's consumer group as sla sees it: positions this test commits by hand on the real
// broker, so "workflow is behind" is a fact of the broker, not of a fake.
const WORKFLOW_GROUP = uniqueName('workflow');
let h: SlaHarness;
let admin: Admin;
let factsTopic: string;

/** A fact handed over to workflow that workflow has not applied yet. */
async function queueFactForWorkflow(code: string) {
  const producer = probeKafka(requireEnv('KAFKA_BROKERS')).producer();
  await producer.connect();
  await producer.send({ topic: factsTopic, messages: [{ key: code, value: JSON.stringify({ type: 'vn.tthc.dossier.resolved', subject: code }) }] });
  await producer.disconnect();
}
/** workflow commits past everything queued (as it does after applying and publishing). */
async function workflowCatchesUp() {
  const ends = await admin.fetchTopicOffsets(factsTopic);
  await admin.setOffsets({ groupId: WORKFLOW_GROUP, topic: factsTopic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
}
const checks = (outcome: string) => counterValue(h, 'sla_deadline_checks_total', { outcome });
const storedAlerts = (code: string) => h.mongo.collection('alerts').countDocuments({ dossierCode: code });

beforeAll(async () => {
  h = await startSla({ SLA_UPSTREAM_CONSUMER_GROUP: WORKFLOW_GROUP, SLA_BACKLOG_GRACE_SECONDS: '1', SLA_BACKLOG_HOLD_MAX_SECONDS: '60', RECONCILE_EVERY_SECONDS: '3600' });
  factsTopic = h.topics.dossierEvents;
  admin = probeKafka(requireEnv('KAFKA_BROKERS')).admin();
  await admin.connect();
  // sla's watermark asks for the topic's ends from its start, which may create it meanwhile; a
  // metadata race then fails the create, so the topic is only required to answer in the end.
  await waitFor('the facts topic', async () => {
    await admin.createTopics({ topics: [{ topic: factsTopic, numPartitions: 2 }], waitForLeaders: true }).catch(() => false);
    return (await admin.fetchTopicOffsets(factsTopic).catch(() => [])).length > 0;
  }, { timeoutMs: 30_000 });
  // workflow has read the topic once: from now on its position is compared with the end.
  await workflowCatchesUp();
});
afterAll(async () => {
  await admin?.disconnect();
  await h?.stop();
});

describe('a timer firing while the facts behind sla are still queued', () => {
  test('when the resolution of a dossier waits in workflow\'s backlog at its due instant, then no overdue alert is raised; once workflow applies it, the deadline is met and none ever is', async () => {
    const code = dossierCode();
    // Due well after the fact is queued: a fact queued within the grace (1 s here) before the
    // firing is not waited for.
    const dueAt = inMs(4000);
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt })]));
    await waitFor('the timer', async () => (await h.app.queue.getJob(deadlineJobId(code, 1))) !== undefined);
    const heldBefore = await checks('held');
    // The portal resolved the dossier on time; the fact is queued, workflow has not read it.
    await queueFactForWorkflow(code);

    await waitFor('the firing held', async () => (await checks('held')) > heldBefore, { timeoutMs: 20_000 });
    await sleep(2000);
    expect(await storedAlerts(code)).toBe(0);

    // workflow applies the fact: its snapshot first, then its position.
    await h.publishSnapshot(openSnapshot(code, 2, [entry({ dueAt, status: 'met' })], { phase: 'closed', closedAt: new Date(Date.parse(dueAt) - 60_000).toISOString() }));
    await workflowCatchesUp();
    await waitFor('the deadline met', async () => (await h.mongo.collection('sla_deadlines').findOne({ subjectCode: code }))?.['status'] === 'met');
    await waitFor('the timer gone', async () => (await h.app.queue.getJob(deadlineJobId(code, 1))) === undefined, { timeoutMs: 20_000 });
    await sleep(1500);
    expect(await storedAlerts(code)).toBe(0);
    expect(h.alertsOf(code)).toEqual([]);
  });

  test('when workflow is behind with facts that do not close the deadline, then the overdue alert waits for workflow without looking again, and comes once, woken as soon as workflow has caught up', async () => {
    // A firing's own look again comes only after 10 minutes (beyond the longest wait, 60 s):
    // an alert within the wait below was brought forward by the instance holding it.
    await h.restartApp(undefined, { SLA_BACKLOG_RECHECK_SECONDS: '600' });
    const code = dossierCode();
    await queueFactForWorkflow(dossierCode());
    const released = await counterValue(h, 'sla_backlog_hold_releases_total', { reason: 'backlog-applied' });
    const heldBefore = await checks('held');
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(3000) })]));
    await sleep(6000);
    expect(await storedAlerts(code)).toBe(0);
    // Held once, not once a second: each look is a round trip of its job through Redis.
    expect((await checks('held')) - heldBefore).toBe(1);
    // What an operator sees meanwhile: the facts applied trail by the time the fact has waited.
    expect(await counterValue(h, 'sla_input_watermark_lag_seconds')).toBeGreaterThan(3);

    const caughtUpAt = Date.now();
    await workflowCatchesUp();
    const alert = await waitFor('the overdue alert', () => h.alertsOf(code)[0], { timeoutMs: 30_000 });
    expect(alert.data.kind).toBe('overdue');
    expect(Date.parse(String(alert.data.raisedAt))).toBeGreaterThanOrEqual(caughtUpAt);
    expect(await counterValue(h, 'sla_backlog_hold_releases_total', { reason: 'backlog-applied' })).toBeGreaterThan(released);
    expect((await checks('held')) - heldBefore).toBe(1);
    await sleep(1000);
    expect(await storedAlerts(code)).toBe(1);
  });

  test('when workflow never catches up, then the alert comes once the longest wait has passed, counted as a wait that ran out', async () => {
    await h.restartApp(undefined, { SLA_BACKLOG_HOLD_MAX_SECONDS: '3' });
    const code = dossierCode();
    await queueFactForWorkflow(dossierCode());
    const dueAt = inMs(3000);
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt })]));
    const alert = await waitFor('the overdue alert', () => h.alertsOf(code)[0], { timeoutMs: 30_000 });
    expect(Date.parse(String(alert.data.raisedAt)) - Date.parse(dueAt)).toBeGreaterThanOrEqual(3000);
    expect(await counterValue(h, 'sla_backlog_hold_releases_total', { reason: 'wait-ran-out' })).toBe(1);
  });
});

describe("a portal handing over its history, oldest first", () => {
  // An agency of this test alone: the other tests' snapshots name today's instants.
  const AGENCY = `G77.${String(Date.now() % 1000).padStart(3, '0')}.000`;

  // A held firing looks again on its own every second, as the restart case needs: the new
  // instance must meet the firing while the portal pauses, before it hears of the agency.
  const POLICY = { SLA_BACKLOG_HOLD_MAX_SECONDS: '60', SLA_LATE_ARRIVAL_SETTLE_SECONDS: '1', SLA_BACKFILL_QUIET_SECONDS: '10', SLA_BACKLOG_RECHECK_SECONDS: '1' };

  test('when a dossier already past due is handed over and its on-time resolution comes seconds later, after the late-arrival settle, then no overdue alert is raised; a dossier the history passes unresolved gets its alert once the history passes its due instant', async () => {
    await h.restartApp(undefined, POLICY);
    // The tests before left workflow behind; here every fact is applied as soon as it is handed over.
    await workflowCatchesUp();
    const history = portalHistory(h, AGENCY);
    const { fact: historyFact, pastDue, resolved } = history;
    const met = dossierCode();
    const unresolved = dossierCode();
    const released = await counterValue(h, 'sla_backlog_hold_releases_total', { reason: 'source-caught-up' });
    await h.publishSnapshot(pastDue(met, 20, 10));
    await h.publishSnapshot(pastDue(unresolved, 19, 8));
    // Six seconds of history from before either due instant: well past the 1 s settle.
    await history.run(18, 12);
    expect(await storedAlerts(met)).toBe(0);
    expect(await storedAlerts(unresolved)).toBe(0);
    // The resolution, on time, in its place in the history; then the history moves past the
    // first due instant only.
    await h.publishSnapshot(resolved(met, 20, 10, 11));
    await historyFact(9.5);
    await waitFor('the deadline met', async () => (await h.mongo.collection('sla_deadlines').findOne({ subjectCode: met }))?.['status'] === 'met');
    await sleep(2000);
    await historyFact(9);
    expect(await storedAlerts(unresolved)).toBe(0);

    await historyFact(7);
    const alert = await waitFor('the unresolved dossier\'s overdue alert', () => h.alertsOf(unresolved).find((a) => a.data.kind === 'overdue'), { timeoutMs: 30_000 });
    expect(alert.data.dossierCode).toBe(unresolved);
    expect(await counterValue(h, 'sla_backlog_hold_releases_total', { reason: 'source-caught-up' })).toBeGreaterThan(released);
    await sleep(1500);
    expect(await storedAlerts(met)).toBe(0);
    expect(h.alertsOf(met)).toEqual([]);
  });

  test('when sla restarts while a portal is handing over its history and the portal pauses across the restart, then the new instance, knowing nothing of the agency, still waits for it: a dossier past due whose on-time resolution comes after the pause raises no overdue alert', async () => {
    await h.restartApp(undefined, POLICY);
    await workflowCatchesUp();
    const history = portalHistory(h, `G79.${String(Date.now() % 1000).padStart(3, '0')}.000`);
    const met = dossierCode();
    await h.publishSnapshot(history.pastDue(met, 20, 10));
    await history.run(18, 15);
    await waitFor('the deadline tracked', async () => (await h.mongo.collection('sla_deadlines').findOne({ subjectCode: met })) !== null);
    // Its firing is waiting for the history in this instance; the next one starts knowing
    // nothing, and hears nothing of the agency while the portal pauses (well within the quiet
    // time), so only the wait for an agency not yet heard of keeps it from alerting meanwhile.
    await h.restartApp(undefined, POLICY);
    await sleep(7000);
    expect(await storedAlerts(met)).toBe(0);
    await history.run(15, 12);
    await resolvedOnTimeWithoutAlert(history, met);
  });

  test("when workflow republishes a subject of the agency for an alert just before a history starts, then that snapshot's instant does not stand for the history's: a dossier past due whose on-time resolution comes seconds later raises no overdue alert", async () => {
    await h.restartApp(undefined, { ...POLICY, SLA_BACKFILL_QUIET_SECONDS: '4' });
    await workflowCatchesUp();
    const agencyCode = `G80.${String(Date.now() % 1000).padStart(3, '0')}.000`;
    const history = portalHistory(h, agencyCode);
    // A subject of today, tracked at revision 1; the agency then stands still past the quiet time.
    const today = dossierCode();
    const todayEntry = entry({ dueAt: inMs(3_600_000), agencyCode, changedAt: 1 });
    await h.publishSnapshot(openSnapshot(today, 1, [todayEntry], { agencyCode }));
    await sleep(5000);
    // An alert recorded at revision 2: the entry is as it was at 1, and the snapshot names today.
    await h.publishSnapshot(openSnapshot(today, 2, [todayEntry], { agencyCode }));
    const met = dossierCode();
    await h.publishSnapshot(history.pastDue(met, 20, 10));
    await history.run(18, 13);
    await resolvedOnTimeWithoutAlert(history, met);
  });
});

/**
 * Nothing raised yet for `met` (received 20 days ago, due 10 days ago); its resolution 11 days
 * ago then comes in its place in the history, and still nothing is raised once it is applied.
 */
async function resolvedOnTimeWithoutAlert(history: ReturnType<typeof portalHistory>, met: string) {
  expect(await storedAlerts(met)).toBe(0);
  await h.publishSnapshot(history.resolved(met, 20, 10, 11));
  await history.fact(9.5);
  await waitFor('the deadline met', async () => (await h.mongo.collection('sla_deadlines').findOne({ subjectCode: met }))?.['status'] === 'met');
  await sleep(2000);
  expect(await storedAlerts(met)).toBe(0);
  expect(h.alertsOf(met)).toEqual([]);
}
