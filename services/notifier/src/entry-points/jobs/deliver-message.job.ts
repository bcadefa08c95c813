import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { JOB_NAMES, type DeliverMessageJobV1 } from '@tthc/contracts';
import { jobProcessor, type Logger, type Metrics } from '@tthc/platform';
import { deliverMessage, type DeliverDeps } from '../../domain/deliver-message.use-case';
import { notifierDeliveryJobs } from './catalog';

export function deliverMessageProcessor(deps: DeliverDeps & { logger: Logger; metrics: Metrics }) {
  const outcomes = deps.metrics.counter('notifier_deliveries_total', 'Delivery attempts by channel and outcome', ['outcome']);
  const dead = deps.metrics.counter('notifier_dead_deliveries_total', 'Deliveries given up after the last attempt', ['channel']);
  const resumed = deps.metrics.counter(
    'notifier_resumed_sends_total',
    'Sends repeated after an abandoned send lease (a crash mid-send): the recipient may hold a copy with the same Message-ID / webhook-id',
    ['channel'],
  );

  /**
   * BullMQ delays run on the real clock while the domain may run on another (tests, a clock
   * adjustment): the wait is the domain's distance to `at`, counted from the real now.
   */
  const delayUntil = async (job: Job, at: Date, token: string | undefined): Promise<never> => {
    await job.moveToDelayed(Date.now() + Math.max(0, at.getTime() - deps.clock.now().getTime()), token);
    throw new DelayedError();
  };

  const deliver = async (payload: DeliverMessageJobV1, job: Job, token?: string): Promise<string> => {
    const { deliveryId } = payload;
    const attempt = job.attemptsMade + 1;
    const result = await deliverMessage(deliveryId, { number: attempt, max: job.opts.attempts ?? 1, sentAt: payload.sentAt ? new Date(payload.sentAt) : undefined }, deps);
    outcomes.inc({ outcome: result.outcome === 'failed' ? (result.dead ? 'dead' : 'retry') : result.outcome });
    switch (result.outcome) {
      case 'not-yet':
        // Fired early (clock adjustment, or a re-queue of a record meant for later): wait again.
        return delayUntil(job, result.at, token);
      case 'in-flight':
        // Another worker holds the send lease; if it died, the lease runs out and this job takes over.
        return delayUntil(job, result.at, token);
      case 'unrecorded':
        // The message went out; only MongoDB missed it. Redis remembers it for the retry, which
        // then stores `sent` without sending again.
        await job.updateData({ ...payload, sentAt: result.sentAt.toISOString() });
        deps.logger.warn({ deliveryId, reason: result.error }, 'delivery sent but not recorded; will record on retry');
        throw new Error(`sent, not recorded: ${result.error}`);
      case 'failed':
        if (result.dead) {
          dead.inc({ channel: result.channel });
          deps.logger.error({ deliveryId, attempts: attempt, reason: result.error }, result.permanent ? 'delivery dead: refused without retry' : 'delivery dead after last attempt');
          // The record is already dead; BullMQ must not spend the remaining attempts on it.
          throw new UnrecoverableError(result.error);
        }
        deps.logger.warn({ deliveryId, attempt, reason: result.error }, 'delivery failed, will retry');
        throw new Error(result.error);
      case 'sent':
        if (result.resumed) {
          resumed.inc({ channel: result.channel });
          deps.logger.warn({ deliveryId }, 'delivery sent again after an abandoned send lease; the recipient may have a copy already');
        } else {
          deps.logger.info({ deliveryId, attempt }, 'delivery sent');
        }
        return 'sent';
      default:
        return result.outcome;
    }
  };
  return jobProcessor(notifierDeliveryJobs, { [JOB_NAMES.deliverMessage]: deliver });
}
