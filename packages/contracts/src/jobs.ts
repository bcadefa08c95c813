import { z } from 'zod';

/** Which moment of a deadline a timer stands for. */
export const timerStage = z.enum(['warning', 'due', 'escalation']);
export type TimerStage = z.infer<typeof timerStage>;

/**
 * Payload of `sla.check-deadline.v1`: references only, the state is re-read when it fires.
 * The fields after `deadlineVersion` came with the lifecycle release; their defaults are what
 * jobs queued by the first release meant.
 */
export const checkDeadlineJobV1 = z.object({
  dossierCode: z.string(),
  deadlineVersion: z.number().int().min(0),
  deadlineKey: z.string().default('dossier'),
  stage: timerStage.default('due'),
  /** Escalation level (1, 2, …); 0 otherwise. */
  level: z.number().int().min(0).default(0),
});
export type CheckDeadlineJobV1 = z.infer<typeof checkDeadlineJobV1>;

/** Repeatable job of the SLA service: compare open deadlines in MongoDB with Redis timers. */
export const reconcileTimersJobV1 = z.object({ reason: z.string().default('schedule') });
export type ReconcileTimersJobV1 = z.infer<typeof reconcileTimersJobV1>;

/** Repeatable job of the SLA service: compute and publish delay counts per agency and period. */
export const publishDelayCountsJobV1 = z.object({ reason: z.string().default('schedule') });
export type PublishDelayCountsJobV1 = z.infer<typeof publishDelayCountsJobV1>;

/** Repeatable job of the workflow service: dead-letter subjects that never got a reception. */
export const expireUnknownJobV1 = z.object({ reason: z.string().default('schedule') });
export type ExpireUnknownJobV1 = z.infer<typeof expireUnknownJobV1>;

/** Payload of `notifier.deliver.v1`: a reference only; the delivery record lives in MongoDB. */
export const deliverMessageJobV1 = z.object({
  deliveryId: z.string().min(1),
  // Set by a run that sent the message but could not store `sent`: the retry only stores it.
  sentAt: z.iso.datetime().optional(),
});
export type DeliverMessageJobV1 = z.infer<typeof deliverMessageJobV1>;

/** Payload of `notifier.check-escalations.v1`: the alert whose acknowledgement deadline is reached. */
export const checkEscalationJobV1 = z.object({ alertId: z.string().min(1), level: z.number().int().min(1) });
export type CheckEscalationJobV1 = z.infer<typeof checkEscalationJobV1>;

/** Repeatable job of the notifier: the morning digest. */
export const sendDigestsJobV1 = z.object({ reason: z.string().default('schedule') });
export type SendDigestsJobV1 = z.infer<typeof sendDigestsJobV1>;

/**
 * BullMQ job ids may not contain `:` and may not be all digits; dossier codes are free text
 * up to 64 characters, so the code is percent-encoded (which also encodes `:`).
 */
export function deadlineJobId(dossierCode: string, deadlineVersion: number, timer: { deadlineKey?: string; stage?: TimerStage; level?: number } = {}): string {
  const key = timer.deadlineKey ?? 'dossier';
  const stage = timer.stage ?? 'due';
  // The first release's id for the dossier's due timer is kept so its queued jobs are found.
  if (key === 'dossier' && stage === 'due') return `due.${encodeURIComponent(dossierCode)}.v${deadlineVersion}`;
  const level = stage === 'escalation' ? `.l${timer.level ?? 1}` : '';
  return `${stage}${level}.${encodeURIComponent(dossierCode)}.${encodeURIComponent(key)}.v${deadlineVersion}`;
}
