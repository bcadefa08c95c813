import type { Connection, mongo } from 'mongoose';
import { COLLECTIONS, type AlertSubject, type DeadlineKind, type DeadlineStatus, type DossierPhase } from '@tthc/contracts';

/** `removed`: the key left the subject's snapshots (a step dropped by a re-derivation). */
export type StoredDeadlineStatus = DeadlineStatus | 'removed';

/**
 * A document of sla's `sla_deadlines` collection: one per (subject code, deadline key). The
 * optional fields are absent in documents written by the first release.
 */
export type DeadlineDocument = {
  /** `deadlineDocId(subjectCode, key)`. */
  _id: string;
  subjectCode: string;
  key: string;
  subject: AlertSubject;
  kind: DeadlineKind;
  agencyCode?: string | null;
  responsibleAgencyCode?: string | null;
  procedureCode?: string | null;
  label?: string | null;
  legalBasis?: string;
  dueAt: Date;
  version: number;
  since?: Date;
  status: StoredDeadlineStatus;
  phase: DossierPhase;
  warn?: boolean;
  escalate?: boolean;
  revision: number;
  raised?: string[];
  siblings?: string[] | null;
  /** When the next stage not yet raised fires; null when none; absent before it was kept. */
  nextFireAt?: Date | null;
  /** sla's key of the rules, policy and calendars `nextFireAt` was planned under; absent when not planned. */
  planKey?: string;
};

export const deadlineDocId = (subjectCode: string, key: string): string => `${subjectCode}|${key}`;

export function deadlineDocuments(conn: Connection): mongo.Collection<DeadlineDocument> {
  return conn.collection<DeadlineDocument>(COLLECTIONS.deadlines);
}
