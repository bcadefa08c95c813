import { deadlineJobId } from '@tthc/contracts';
import { dossierCode, sleep, waitFor } from '@tthc/testkit';
import { counterValue, entry, inMs, openSnapshot, startSla, type SlaHarness } from './sla-harness';

let h: SlaHarness;
beforeAll(async () => {
  // A horizon of seconds and a loader every second stand for six hours and a minute.
  h = await startSla({ TIMER_HORIZON_SECONDS: '5', RECONCILE_EVERY_SECONDS: '1' });
});
afterAll(async () => {
  await h?.stop();
});

const stored = async (code: string) => (await h.mongo.collection('sla_deadlines').findOne({ _id: `${code}|dossier` } as never)) as { nextFireAt?: Date | null } | null;
const jobExists = async (code: string) => (await h.app.queue.getJob(deadlineJobId(code, 1))) !== undefined;
/** A counter of the instance's due-stage timers. */
const dueTimers = (name: 'sla_timers_loaded_total' | 'sla_timers_recreated_total') => counterValue(h, name, { stage: 'due' });

describe('timers held only within the horizon', () => {
  test('when a deadline is due beyond the horizon, then no job is held; when the horizon reaches it, the loader schedules it and the alert is raised once', async () => {
    const code = dossierCode();
    const dueAt = inMs(25_000);
    const recreatedBefore = await dueTimers('sla_timers_recreated_total');
    const loadedBefore = await dueTimers('sla_timers_loaded_total');
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt })]));
    await waitFor('the tracked deadline', async () => (await stored(code))?.nextFireAt ?? undefined);
    expect((await stored(code))?.nextFireAt?.getTime()).toBe(Date.parse(dueAt));
    expect(await jobExists(code)).toBe(false);

    await waitFor('the loader to schedule the timer', () => jobExists(code), { timeoutMs: 30_000 });
    // The loader counts a timer once it has read the deadline again after scheduling it, so the
    // job can be seen before either counter moves.
    const moved = async () => (await dueTimers('sla_timers_loaded_total')) > loadedBefore || (await dueTimers('sla_timers_recreated_total')) > recreatedBefore;
    await waitFor('the loader to count the timer', async () => (await moved()) || undefined, { timeoutMs: 10_000 });
    // Routine loading, not a timer Redis lost: counted apart, so an alert on recreated timers
    // does not fire every time a deadline comes within the horizon.
    expect(await dueTimers('sla_timers_loaded_total')).toBeGreaterThan(loadedBefore);
    expect(await dueTimers('sla_timers_recreated_total')).toBe(recreatedBefore);
    const alert = await waitFor('the alert', () => h.alertsOf(code)[0], { timeoutMs: 30_000 });
    expect(alert.id).toBe(`overdue:${code}:v1`);
    await sleep(1500); // grace period: a second alert would arrive within it
    expect(h.alertsOf(code)).toHaveLength(1);
    expect((await stored(code))?.nextFireAt).toBeNull();
  });

  test('when Redis loses every queue key, then the loader brings back the near-term timer only, and the far deadline keeps its instant in MongoDB', async () => {
    const near = dossierCode();
    const far = dossierCode();
    await h.publishSnapshot(openSnapshot(near, 1, [entry({ dueAt: inMs(4000) })]));
    await h.publishSnapshot(openSnapshot(far, 1, [entry({ dueAt: inMs(3600_000) })]));
    await waitFor('both tracked', async () => (await stored(near))?.nextFireAt && (await stored(far))?.nextFireAt);
    expect(await h.flushQueueKeys()).toBeGreaterThan(0);

    const alert = await waitFor('the near alert', () => h.alertsOf(near)[0], { timeoutMs: 30_000 });
    expect(alert.id).toBe(`overdue:${near}:v1`);
    expect(await jobExists(far)).toBe(false);
    expect((await stored(far))?.nextFireAt).toBeInstanceOf(Date);
    expect(h.alertsOf(far)).toHaveLength(0);
  });
});
