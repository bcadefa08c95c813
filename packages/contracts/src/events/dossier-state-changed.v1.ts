import { z } from 'zod';
import { isoInstant } from '../cloud-event.schema';
import { deadlineKind, subjectKind } from './sla-alert.v1';

export const DOSSIER_STATE_CHANGED_V1 = 'vn.tthc.dossier.state-changed' as const;

/** Portal status codes (TrangThaiHoSo) 1–10. */
export const PORTAL_STATUS = {
  registered: 1,
  received: 2,
  refused: 3,
  processing: 4,
  supplementRequested: 5,
  financialObligation: 6,
  withdrawn: 7,
  suspended: 8,
  resolved: 9,
  returned: 10,
} as const;

export const dossierPhase = z.enum(['awaiting-reception', 'open', 'closed']);
export type DossierPhase = z.infer<typeof dossierPhase>;

/**
 * One deadline of a dossier or petition as workflow computed it with the calendar.
 * `open`: timers run; `paused`: no timer, the clock is stopped (awaiting the citizen);
 * `met` / `missed`: settled, the end instant was on or before / after `dueAt`.
 */
export const deadlineStatus = z.enum(['open', 'paused', 'met', 'missed']);
export type DeadlineStatus = z.infer<typeof deadlineStatus>;

export const deadlineEntryV1 = z.object({
  /** Unique within the subject: `dossier`, `step:2`, `petition:answer`, … */
  key: z.string(),
  kind: deadlineKind,
  dueAt: isoInstant,
  /** Increments each time this key's `dueAt` changes; timers and alert ids are keyed by it. */
  version: z.number().int().min(1),
  status: deadlineStatus,
  /** Agency answerable for this deadline (the step's agency, the petition's holder). */
  agencyCode: z.string().nullable(),
  label: z.string().nullable(),
  legalBasis: z.string(),
  /** Raise the pre-due warning (for a dossier: the last day to apologise). */
  warn: z.boolean(),
  /** Escalate after due at the configured working-time levels. */
  escalate: z.boolean(),
  /**
   * The subject revision since which this entry, and what a deadline tracker copies of its
   * subject (kind, agency, procedure, phase, the list of keys), has not changed: every
   * snapshot from this revision on shows it alike. Absent before this field was added, and for
   * entries workflow could not compare with the revision before.
   */
  changedAt: z.number().int().min(1).optional(),
});
export type DeadlineEntryV1 = z.infer<typeof deadlineEntryV1>;

/** Portal classification of a closed dossier (or of an open one judged at a period end). */
export const timeliness = z.enum(['early', 'on-time', 'late']);
export type Timeliness = z.infer<typeof timeliness>;

/**
 * Snapshot published by workflow after every applied fact. Consumers keep the highest
 * `revision` they saw, so redelivery and replays are harmless.
 */
export const dossierStateChangedV1 = z.object({
  dossierCode: z.string(),
  agencyCode: z.string().nullable(),
  procedureCode: z.string().nullable(),
  phase: dossierPhase,
  statusCode: z.number().int().min(1).max(10).nullable(),
  receivedAt: isoInstant.nullable(),
  dueAt: isoInstant.nullable(),
  /** Increments each time `dueAt` changes; timers are keyed by it. */
  deadlineVersion: z.number().int().min(0),
  closedAt: isoInstant.nullable(),
  revision: z.number().int().min(1),
  /** Added with the lifecycle release; absent in older snapshots. */
  subject: subjectKind.default('dossier'),
  /** Every deadline of the subject, settled ones included. Empty for older snapshots. */
  deadlines: z.array(deadlineEntryV1).default([]),
  /** Clock stopped (awaiting a supplement, or a pausing financial obligation). */
  paused: z.boolean().default(false),
  /** Portal end instant (NgayKetThucXuLy) chosen by the closing-state priority. */
  endAt: isoInstant.nullable().default(null),
  timeliness: timeliness.nullable().default(null),
});
export type DossierStateChangedV1 = z.infer<typeof dossierStateChangedV1>;
