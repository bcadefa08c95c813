import type { Queue } from 'bullmq';
import { JOB_NAMES, deadlineJobId, type CheckDeadlineJobV1 } from '@tthc/contracts';
import type { Clock, TimerScheduler } from '../domain/deadline';

/**
 * One delayed job per (dossier, deadline version). Adding an existing job id is a no-op in
 * BullMQ, which makes scheduling idempotent; a changed due date gets a new version and thus a
 * new job, and the old one is removed (or, if it already runs, finds itself stale).
 */
export function createBullmqTimerScheduler(queue: Queue<CheckDeadlineJobV1>, clock: Clock): TimerScheduler {
  return {
    async schedule(dossierCode, deadlineVersion, fireAt) {
      const delay = Math.max(0, fireAt.getTime() - clock.now().getTime());
      await queue.add(JOB_NAMES.checkDeadline, { dossierCode, deadlineVersion }, { jobId: deadlineJobId(dossierCode, deadlineVersion), delay });
    },
    async cancel(dossierCode, deadlineVersion) {
      // A running (locked) job cannot be removed; it re-reads the state and does nothing.
      await queue.remove(deadlineJobId(dossierCode, deadlineVersion)).catch(() => 0);
    },
  };
}
