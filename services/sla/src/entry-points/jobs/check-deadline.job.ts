import { DelayedError, type Job } from 'bullmq';
import { jobProcessor, type Logger, type Metrics } from '@tthc/platform';
import { JOB_NAMES, type CheckDeadlineJobV1 } from '@tthc/contracts';
import { checkDeadline } from '../../domain/check-deadline.use-case';
import type { AlertRepository, Clock, DeadlineRepository, RelaySignal, TimerHorizon, TimerScheduler } from '../../domain/deadline';
import type { TimerPlanner } from '../../domain/timer-plan';
import { holdKeyOf, type BacklogHold } from '../../domain/backlog-hold';
import { slaDeadlineJobs } from './catalog';

export function checkDeadlineProcessor(deps: {
  deadlines: DeadlineRepository;
  alerts: AlertRepository;
  relay: RelaySignal;
  clock: Clock;
  planner: TimerPlanner;
  timers: TimerScheduler;
  horizon: TimerHorizon;
  backlog?: BacklogHold;
  parked?: ParkedFirings;
  logger: Logger;
  metrics: Metrics;
}) {
  const outcomes = deps.metrics.counter('sla_deadline_checks_total', 'Deadline timer firings', ['outcome', 'stage']);
  const followed = deps.metrics.counter('sla_stages_raised_with_firing_total', 'Later stages already due when a timer fired, raised by that firing rather than by a timer of their own', ['stage', 'outcome']);
  const releases = deps.metrics.counter('sla_backlog_hold_releases_total', 'Firings that waited for the facts queued before them, by why the wait ended: backlog-applied, source-caught-up (a late arrival whose agency\'s history passed its due instant), wait-ran-out (SLA_BACKLOG_HOLD_MAX_SECONDS), broker-away', ['reason']);
  const lateness = deps.metrics.histogram('sla_alert_detection_delay_seconds', 'Time from a timer instant to its alert being stored', ['stage'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 60]);

  const check = async (payload: CheckDeadlineJobV1, job: Job, token?: string): Promise<string> => {
    const result = await checkDeadline(payload, deps);
    outcomes.inc({ outcome: result.outcome, stage: payload.stage });
    if (result.outcome === 'not-due-yet') {
      // Timers can fire early after a clock adjustment or a policy change; wait again.
      await job.moveToDelayed(result.fireAt.getTime(), token);
      throw new DelayedError();
    }
    if (result.outcome === 'held') {
      // The job keeps its id and its place as the deadline's one timer; it only moves later.
      await job.moveToDelayed(result.retryAt.getTime(), token);
      // Parked once delayed, so that a wake never finds it still active.
      deps.parked?.park(holdKeyOf(payload), job);
      throw new DelayedError();
    }
    if (result.outcome === 'raised' || result.outcome === 'already-raised') {
      if (result.held) {
        releases.inc({ reason: result.held.reason });
        if (result.held.reason === 'wait-ran-out') deps.logger.warn({ dossierCode: payload.dossierCode, deadlineKey: payload.deadlineKey, heldMs: result.held.ms }, 'facts queued before this timer fired were still not applied; alerting without them');
      }
      // The firing's own stage first, then the later stages that were due as well.
      result.raised.forEach((r, i) => {
        if (i > 0) followed.inc({ stage: r.stage, outcome: r.inserted ? 'raised' : 'already-raised' });
        if (!r.inserted) return;
        lateness.observe({ stage: r.stage }, (deps.clock.now().getTime() - r.fireAt.getTime()) / 1000);
        deps.logger.info({ dossierCode: payload.dossierCode, deadlineKey: payload.deadlineKey, alertId: r.alertId, kind: r.kind }, 'alert stored');
      });
    }
    return result.outcome;
  };
  return jobProcessor(slaDeadlineJobs, { [JOB_NAMES.checkDeadline]: check });
}

/**
 * The jobs of the firings this process holds, by hold key. A held firing used to look again
 * every second, each look a round trip of its job through Redis (moved to delayed, promoted,
 * fetched, moved back): a portal handing over a long history kept thousands of firings cycling,
 * and those cycles took about a third of sla's time in the pipeline bench. Parked here, a firing
 * sleeps until the hold says it can go (`wake`, on each round of the watermark) and is brought
 * forward then; its own delay is only the look of last resort.
 */
export interface ParkedFirings {
  park(key: string, job: Job): void;
  /** Brings forward the parked jobs of the firings `releasable` names, and forgets those no longer waiting. */
  wake(releasable: () => readonly string[], stillWaiting: (key: string) => boolean): Promise<void>;
}

export function createParkedFirings(logger: Logger): ParkedFirings {
  const parked = new Map<string, Job>();
  let waking = false;
  let prunedAt = 0;
  return {
    park: (key, job) => void parked.set(key, job),
    async wake(releasable, stillWaiting) {
      // A wake still promoting: the next round asks again.
      if (waking) return;
      waking = true;
      try {
        const due = releasable().flatMap((key) => {
          const job = parked.get(key);
          parked.delete(key);
          return job ? [job] : [];
        });
        // Jobs whose firing the hold forgot (their deadline closed, or another instance raised
        // them) are let go; not on every round, as thousands may be parked.
        if (Date.now() - prunedAt > 10_000) {
          prunedAt = Date.now();
          for (const key of parked.keys()) if (!stillWaiting(key)) parked.delete(key);
        }
        await Promise.all(
          due.map((job) =>
            // Not delayed any more (it fired on its own, or its deadline closed and the timer
            // went): nothing to bring forward.
            job.promote().catch((err: Error) => logger.debug({ jobId: job.id, err: err.message }, 'held firing not brought forward')),
          ),
        );
      } finally {
        waking = false;
      }
    },
  };
}
