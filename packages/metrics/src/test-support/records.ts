import { toSubjectRecord, type SubjectRecord } from '../subject-record';

/** A stored document in workflow's flat shape, with only what a test cares about. */
export function doc(fields: Record<string, unknown>): Record<string, unknown> {
  return { agencyCode: 'G01.001.000', procedureCode: 'P1', phase: 'open', subject: 'dossier', ...fields };
}

export function rec(fields: Record<string, unknown>): SubjectRecord {
  const r = toSubjectRecord(doc(fields));
  if (!r) throw new Error('fixture without a code');
  return r;
}
