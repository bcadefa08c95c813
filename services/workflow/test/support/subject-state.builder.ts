import type { DeadlineEntryV1 } from '@tthc/contracts';
import type { SubjectStateBase } from '../../src/domain/subject';

/** A deadline entry: the dossier's main one, open, unless overridden. */
export function deadlineEntry(over: Partial<DeadlineEntryV1> = {}): DeadlineEntryV1 {
  return { key: 'dossier', kind: 'dossier', dueAt: '2026-12-04T10:00:00Z', version: 1, status: 'open', agencyCode: 'G01', label: null, legalBasis: '', warn: true, escalate: true, ...over };
}

/** An open dossier's derived state with its main deadline, for domain tests. */
export function subjectState(over: Partial<SubjectStateBase> = {}): SubjectStateBase {
  return {
    code: 'D1',
    subject: 'dossier',
    agencyCode: 'G01',
    procedureCode: null,
    phase: 'open',
    statusCode: 2,
    receivedAt: null,
    dueAt: '2026-12-04T10:00:00Z',
    deadlineVersion: 1,
    closedAt: null,
    endAt: null,
    timeliness: null,
    paused: false,
    deadlines: [deadlineEntry()],
    overdue: false,
    overdueAt: null,
    atRisk: false,
    findings: [],
    rejected: [],
    ...over,
  };
}
