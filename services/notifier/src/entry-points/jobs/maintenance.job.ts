import { JOB_NAMES } from '@tthc/contracts';
import { jobProcessor, type Logger, type Metrics } from '@tthc/platform';
import { checkEscalation, type NotifyDeps } from '../../domain/notify-alert.use-case';
import { sendDigests, type DigestDeps } from '../../domain/send-digests.use-case';
import { notifierMaintenanceJobs, type NotifierMaintenanceHandlers } from './catalog';

/** The notifier's maintenance queue: acknowledgement deadlines and the morning digest. */
export function maintenanceProcessor(deps: NotifyDeps & DigestDeps & { logger: Logger; metrics: Metrics }) {
  const escalations = deps.metrics.counter('notifier_escalation_checks_total', 'Acknowledgement deadlines reached', ['outcome']);
  const digests = deps.metrics.counter('notifier_digest_runs_total', 'Digest runs', ['outcome']);

  const handlers: NotifierMaintenanceHandlers = {
    async [JOB_NAMES.checkEscalations](payload) {
      const outcome = await checkEscalation(payload, deps);
      escalations.inc({ outcome });
      if (outcome === 'escalated') deps.logger.info({ alertId: payload.alertId, level: payload.level }, 'alert escalated: not acknowledged in time');
      return outcome;
    },
    async [JOB_NAMES.sendDigests](payload) {
      const outcome = await sendDigests(deps);
      digests.inc({ outcome: outcome.queued > 0 ? 'queued' : 'nothing' });
      deps.logger.info({ ...outcome, reason: payload.reason }, 'digest run');
      return outcome;
    },
  };
  return jobProcessor(notifierMaintenanceJobs, handlers);
}
