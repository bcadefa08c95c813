import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { JOB_NAMES } from '@tthc/contracts';
import type { Logger, Metrics } from '@tthc/platform';
import { deliverMessage, type DeliverDeps } from '../../domain/deliver-message.use-case';
import { deliverMessageJob } from './catalog';

export function deliverMessageProcessor(deps: DeliverDeps & { logger: Logger; metrics: Metrics }) {
  const outcomes = deps.metrics.counter('notifier_deliveries_total', 'Delivery attempts by channel and outcome', ['outcome']);
  const dead = deps.metrics.counter('notifier_dead_deliveries_total', 'Deliveries given up after the last attempt', ['channel']);

  return async (job: Job, token?: string): Promise<string> => {
    if (job.name !== JOB_NAMES.deliverMessage) throw new UnrecoverableError(`unknown job ${job.name}`);
    const payload = deliverMessageJob.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
    const attempt = job.attemptsMade + 1;
    const result = await deliverMessage(payload.data.deliveryId, { number: attempt, last: attempt >= (job.opts.attempts ?? 1) }, deps);
    outcomes.inc({ outcome: result.outcome === 'failed' ? (result.dead ? 'dead' : 'retry') : result.outcome });
    switch (result.outcome) {
      case 'not-yet':
        // Fired early (clock adjustment, or a re-queue of a record meant for later): wait again.
        await job.moveToDelayed(result.at.getTime(), token);
        throw new DelayedError();
      case 'failed':
        if (result.dead) {
          dead.inc({ channel: result.channel });
          deps.logger.error({ deliveryId: payload.data.deliveryId, attempts: attempt, reason: result.error }, result.permanent ? 'delivery dead: refused without retry' : 'delivery dead after last attempt');
          // The record is already dead; BullMQ must not spend the remaining attempts on it.
          throw new UnrecoverableError(result.error);
        }
        deps.logger.warn({ deliveryId: payload.data.deliveryId, attempt, reason: result.error }, 'delivery failed, will retry');
        throw new Error(result.error);
      case 'sent':
        deps.logger.info({ deliveryId: payload.data.deliveryId, attempt }, 'delivery sent');
        return 'sent';
      default:
        return result.outcome;
    }
  };
}
