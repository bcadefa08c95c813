import type { Queue } from 'bullmq';
import type { Calendar } from '@tthc/calendar';
import { JOB_NAMES, type PublishDelayCountsJobV1 } from '@tthc/contracts';
import { periodContaining, type AgencyDirectory } from '@tthc/metrics';
import { restoreJobScheduler, type Logger, type Metrics } from '@tthc/platform';
import { periodsDue, publishDelayCounts, type DelayCountsPublisher, type DelayCountsStore } from '../../domain/delay-counts.use-case';
import { slaMaintenanceJobs } from './catalog';

/** Id of the repeatable run in BullMQ; upserting it again only changes its interval. */
export const DELAY_COUNTS_SCHEDULER_ID = 'sla-delay-counts';
const CLOSE_REASON = /^period-close:(\d{4}-\d{2})$/;

const jobOptions = slaMaintenanceJobs[JOB_NAMES.publishDelayCounts].options;

export interface DelayCountsJobDeps {
  /** The SLA maintenance queue (QUEUES.slaMaintenance); its one worker dispatches by job name. */
  queue: Queue;
  /** `init` prepares the store (its indexes) before the first run is scheduled. */
  store: DelayCountsStore & { init(): Promise<void> };
  /** Publishes on the delay-counts topic within the service's namespace. */
  publisher: DelayCountsPublisher;
  /** Its zone sets the period boundaries (national calendar: Asia/Ho_Chi_Minh). */
  calendar: Calendar;
  directory: AgencyDirectory;
  clock: { now(): Date };
  logger: Logger;
  metrics: Metrics;
  /** DELAY_COUNTS_EVERY_SECONDS (default 300). */
  everySeconds: number;
  /** DELAY_COUNTS_QUARTER_YEAR_EVERY_SECONDS (default 3600): the quarter's and year's rows at most this old. */
  quarterYearEverySeconds: number;
}

/**
 * `sla.publish-delay-counts.v1`: every `everySeconds`, and once just after each month
 * boundary, recompute the delay counts of the running month (and of the running quarter and
 * year when theirs are `quarterYearEverySeconds` old) from the dossiers, upsert them into
 * `delay_counts` and publish them on `tthc.delay-counts.v1`.
 *
 * Wiring (app.ts): `job.handle` goes in the maintenance worker's handler table; `await
 * job.start()` once MongoDB and Kafka are connected.
 */
export function createDelayCountsJob(deps: DelayCountsJobDeps) {
  const { store, publisher } = deps;
  const runs = deps.metrics.counter('sla_delay_counts_runs_total', 'Delay-count computations', ['reason']);
  const rowsGauge = deps.metrics.gauge('sla_delay_counts_rows', 'Agency × procedure × period rows of the last delay-count run');
  // A run that counts the quarter and year reads every subject of the running year, so its cost
  // grows through the year; these two show an operator how close it comes to its interval.
  const subjectsGauge = deps.metrics.gauge('sla_delay_counts_subjects', 'Subjects read by the last delay-count run (every subject of the running year when it counted the quarter and year)');
  const seconds = deps.metrics.histogram('sla_delay_counts_duration_seconds', 'Duration of a delay-count run, read to publish', [], [0.5, 1, 2, 5, 10, 30, 60, 120, 300]);
  let stopped = false;

  /**
   * A delayed job at the next local month boundary; its id names the month that closes, so
   * every instance (and every restart) schedules the same job once.
   */
  async function scheduleNextClose(): Promise<void> {
    if (stopped) return;
    const now = deps.clock.now();
    const month = periodContaining(now, 'month', deps.calendar);
    const delay = Math.max(0, Date.parse(month.end) - now.getTime());
    await deps.queue.add(JOB_NAMES.publishDelayCounts, { reason: `period-close:${month.key}` }, { ...jobOptions, jobId: `delay-counts-close-${month.key}`, delay });
  }

  async function schedule(): Promise<void> {
    await deps.queue.upsertJobScheduler(
      DELAY_COUNTS_SCHEDULER_ID,
      { every: deps.everySeconds * 1000 },
      { name: JOB_NAMES.publishDelayCounts, data: { reason: 'schedule' }, opts: jobOptions },
    );
    await scheduleNextClose();
  }

  async function run(reason: string) {
    const closed = CLOSE_REASON.exec(reason)?.[1] ?? null;
    const now = deps.clock.now();
    const timed = seconds.startTimer();
    const periods = await periodsDue({ now, closedMonthKey: closed, longEveryMs: deps.quarterYearEverySeconds * 1000 }, { calendar: deps.calendar, store });
    const result = await publishDelayCounts({ periods, now }, { store, publisher, calendar: deps.calendar, directory: deps.directory });
    runs.inc({ reason: closed ? 'period-close' : reason });
    const tookSeconds = timed();
    rowsGauge.set(result.rows);
    subjectsGauge.set(result.subjects);
    deps.logger.info({ reason, periods: result.periods, rows: result.rows, subjects: result.subjects, seconds: Number(tookSeconds.toFixed(2)) }, 'delay counts published');
    return result;
  }

  return {
    run,
    /** Handler for the maintenance worker's dispatch table. */
    async handle(payload: PublishDelayCountsJobV1) {
      const result = await run(payload.reason);
      if (CLOSE_REASON.test(payload.reason)) await scheduleNextClose();
      return result;
    },
    async start() {
      stopped = false;
      await store.init();
      await schedule();
    },
    /**
     * Puts the schedule and the month-close job back when Redis lost them (they live only
     * there); true when the schedule was missing.
     */
    async ensureScheduled(): Promise<boolean> {
      return !stopped && restoreJobScheduler(deps.queue, DELAY_COUNTS_SCHEDULER_ID, schedule);
    },
    async stop() {
      stopped = true;
    },
  };
}
