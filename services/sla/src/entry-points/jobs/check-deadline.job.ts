import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger, Metrics } from '@tthc/platform';
import { JOB_NAMES } from '@tthc/contracts';
import { checkDeadline } from '../../domain/check-deadline.use-case';
import type { AlertPublisher, AlertRepository, Clock, DeadlineRepository } from '../../domain/deadline';
import { slaJobCatalog } from './catalog';

export function checkDeadlineProcessor(deps: {
  deadlines: DeadlineRepository;
  alerts: AlertRepository;
  publisher: AlertPublisher;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}) {
  const outcomes = deps.metrics.counter('sla_deadline_checks_total', 'Deadline timer firings', ['outcome']);
  const lateness = deps.metrics.histogram('sla_overdue_detection_delay_seconds', 'Time from due instant to overdue alert', [], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 60]);

  return async (job: Job, token?: string): Promise<string> => {
    if (job.name !== JOB_NAMES.checkDeadline) throw new UnrecoverableError(`unknown job ${job.name}`);
    const payload = slaJobCatalog[JOB_NAMES.checkDeadline].schema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
    const result = await checkDeadline(payload.data, deps);
    outcomes.inc({ outcome: result.outcome });
    if (result.outcome === 'not-due-yet') {
      // Timers can fire early after a clock adjustment; wait again instead of completing.
      await job.moveToDelayed(result.dueAt.getTime(), token);
      throw new DelayedError();
    }
    if (result.outcome === 'raised') {
      lateness.observe((deps.clock.now().getTime() - result.dueAt.getTime()) / 1000);
      deps.logger.info({ dossierCode: payload.data.dossierCode, alertId: result.alertId }, 'dossier overdue');
    }
    return result.outcome;
  };
}
