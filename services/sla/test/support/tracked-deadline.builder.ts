import type { TrackedDeadline } from '../../src/domain/deadline';

/** An open dossier deadline that warns and escalates; tests override what they are about. */
export function trackedDeadline(over: Partial<TrackedDeadline> & Pick<TrackedDeadline, 'subjectCode' | 'dueAt'>): TrackedDeadline {
  return {
    key: 'dossier',
    subject: 'dossier',
    kind: 'dossier',
    agencyCode: 'G01.001.000',
    responsibleAgencyCode: 'G01.001.000',
    procedureCode: '1.001234',
    label: null,
    legalBasis: 'ND 118/2025',
    version: 1,
    since: new Date('2026-11-20T02:00:00Z'),
    status: 'open',
    phase: 'open',
    warn: true,
    escalate: true,
    revision: 1,
    raised: [],
    siblings: ['dossier'],
    ...over,
  };
}
