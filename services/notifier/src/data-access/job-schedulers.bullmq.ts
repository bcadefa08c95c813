import type { Queue } from 'bullmq';
import { JOB_NAMES } from '@tthc/contracts';
import type { Clock, DeliveryScheduler, EscalationScheduler } from '../domain/notification';

const delayUntil = (at: Date, clock: Clock) => Math.max(0, at.getTime() - clock.now().getTime());

/** The job id is the delivery id: BullMQ ignores a second add while the first job exists. */
export function createBullmqDeliveryScheduler(queue: Queue, clock: Clock): DeliveryScheduler {
  return {
    async enqueue(deliveryId, at) {
      await queue.add(JOB_NAMES.deliverMessage, { deliveryId }, { jobId: deliveryId, delay: delayUntil(at, clock) });
    },
  };
}

export function escalationJobId(alertId: string, level: number): string {
  return `escalate.${encodeURIComponent(alertId)}.l${level}`;
}

export function createBullmqEscalationScheduler(queue: Queue, clock: Clock): EscalationScheduler {
  return {
    async scheduleCheck(alertId, level, at) {
      await queue.add(JOB_NAMES.checkEscalations, { alertId, level }, { jobId: escalationJobId(alertId, level), delay: delayUntil(at, clock) });
    },
  };
}
