import { dossierCode, waitFor } from '@tthc/testkit';
import { entry, inMs, openSnapshot, startSla, type SlaHarness } from './sla-harness';

let h: SlaHarness;
beforeAll(async () => {
  // A short period so the scheduled reconciliation, not the test, repairs the loss.
  h = await startSla({ RECONCILE_EVERY_SECONDS: '1' });
});
afterAll(async () => {
  await h?.stop();
});

describe('Redis losing its data with nobody stepping in', () => {
  test('when every queue key is deleted before a deadline falls due, then the schedule and the timer come back and the alert is raised once', async () => {
    const code = dossierCode();
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(4000) })]));
    await waitFor('the timer', async () => (await h.app.queue.getJob(`due.${encodeURIComponent(code)}.v1`)) !== undefined);
    expect(await h.flushQueueKeys()).toBeGreaterThan(0);

    await waitFor('the reconciliation schedule to come back', async () => (await h.app.maintenance.getJobScheduler('sla-reconcile-timers')) !== undefined);
    const alert = await waitFor('the alert', () => h.alertsOf(code)[0], { timeoutMs: 20_000 });
    expect(alert.id).toBe(`overdue:${code}:v1`);
    const runs = async () => Number(/ (\d+)$/m.exec(await h.app.metrics.registry.getSingleMetricAsString('sla_timer_reconciliations_total'))?.[1] ?? 0);
    const seen = await runs();
    await waitFor('two more reconciliation runs', async () => (await runs()) >= seen + 2);
    expect(h.alertsOf(code)).toHaveLength(1);
  });

  test('when the queue keys are emptied including both job schedulers, then the in-process watch puts the schedules back and reconciles the timers without waiting for a schedule', async () => {
    const code = dossierCode();
    // Far enough ahead that only reconciliation, not the timer firing, can bring its job back.
    await h.publishSnapshot(openSnapshot(code, 1, [entry({ dueAt: inMs(3600_000) })]));
    const jobId = `due.${encodeURIComponent(code)}.v1`;
    await waitFor('the timer', async () => (await h.app.queue.getJob(jobId)) !== undefined);
    const restored = async (schedule: string) =>
      Number(new RegExp(`schedule="${schedule}".* (\\d+)$`, 'm').exec(await h.app.metrics.registry.getSingleMetricAsString('sla_job_schedules_restored_total'))?.[1] ?? 0);
    const before = { reconcile: await restored('sla-reconcile-timers'), delayCounts: await restored('sla-delay-counts') };

    expect(await h.flushQueueKeys()).toBeGreaterThan(0);

    await waitFor('both schedules back', async () => (await h.app.maintenance.getJobScheduler('sla-reconcile-timers')) !== undefined && (await h.app.maintenance.getJobScheduler('sla-delay-counts')) !== undefined);
    await waitFor('the timer back', async () => (await h.app.queue.getJob(jobId)) !== undefined);
    expect(await (await h.app.queue.getJob(jobId))?.getState()).toBe('delayed');
    // Only the watch puts schedules back: nothing left in Redis could.
    expect(await restored('sla-reconcile-timers')).toBeGreaterThan(before.reconcile);
    expect(await restored('sla-delay-counts')).toBeGreaterThan(before.delayCounts);
    expect(h.alertsOf(code)).toHaveLength(0);
  });
});
