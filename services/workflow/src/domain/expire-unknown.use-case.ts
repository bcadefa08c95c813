import type { StoredSubject } from './apply-fact.use-case';
import { hasReception } from './derive-subject';
import type { Fact } from './subject';

export interface UnknownSubjectStore {
  /** Subjects without a reception fact whose first fact was stored before `cutoff`. */
  listUnknownSince(cutoff: Date, limit: number): Promise<StoredSubject[]>;
  /** Removes the subject if it is still at `revision`; false when a fact arrived meanwhile. */
  remove(code: string, revision: number): Promise<boolean>;
}

export interface FactDeadLetters {
  send(subject: StoredSubject, fact: Fact, errorCode: string, reason: string): Promise<void>;
}

export interface ExpireResult {
  expired: string[];
  /** Facts arrived while the subject was being expired; it is left for the next sweep. */
  kept: string[];
}

/**
 * Facts that name a dossier or petition no reception ever introduced are dead-lettered once
 * the grace period is over, then the subject is removed so that a later reception starts
 * from a clean history. Dead letters go first: a crash in between repeats them (at least
 * once) instead of losing the facts.
 */
export async function expireUnknownSubjects(
  opts: { now: Date; graceSeconds: number; batchSize?: number },
  deps: { store: UnknownSubjectStore; deadLetters: FactDeadLetters },
): Promise<ExpireResult> {
  const cutoff = new Date(opts.now.getTime() - opts.graceSeconds * 1000);
  const result: ExpireResult = { expired: [], kept: [] };
  for (const subject of await deps.store.listUnknownSince(cutoff, opts.batchSize ?? 500)) {
    if (hasReception(subject.history)) continue;
    const reason = `no reception of ${subject.subject} ${subject.code} within the grace period of ${opts.graceSeconds} s (first fact stored at ${subject.firstStoredAt})`;
    for (const fact of subject.history) await deps.deadLetters.send(subject, fact, 'unknown-subject', reason);
    if (await deps.store.remove(subject.code, subject.revision)) result.expired.push(subject.code);
    else result.kept.push(subject.code);
  }
  return result;
}
