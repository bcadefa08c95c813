import { z } from 'zod';
import { isoInstant } from '../cloud-event.schema';
import { DOSSIER_OVERDUE_V1 } from './dossier-overdue.v1';

/**
 * Alert event types on the alerts topic. All share `slaAlertV1`; the type says what happened
 * so a consumer can subscribe to one kind without reading the payload.
 */
export const ALERT_TYPES = {
  /** Due soon: for a dossier, the last moment to apologise and set a new appointment. */
  warning: 'vn.tthc.deadline.warning',
  /** A dossier (or one of its steps) passed its due instant while open. */
  overdue: DOSSIER_OVERDUE_V1,
  /** Still open N working days after due: escalation level N. */
  escalated: 'vn.tthc.deadline.escalated',
  /** A petition deadline (transfer, reject, supplement, answer, publish) passed unhandled. */
  petitionUnhandled: 'vn.tthc.petition.unhandled',
  /** A period of a periodic duty (the leaders' dialogue, …) ended without the duty done. */
  dutyOverdue: 'vn.tthc.duty.overdue',
} as const;
export type AlertEventType = (typeof ALERT_TYPES)[keyof typeof ALERT_TYPES];
export const alertEventTypes = Object.values(ALERT_TYPES) as [AlertEventType, ...AlertEventType[]];

export const alertKind = z.enum(['warning', 'overdue', 'escalation']);
export type AlertKind = z.infer<typeof alertKind>;

/** What an open deadline is about; `key` tells deadlines of the same kind apart (`step:2`). */
export const deadlineKind = z.enum([
  'dossier',
  /** The one-stop unit hands the dossier to the competent agency (docs/legal-rules.md rule 4). */
  'forwarding',
  'step',
  'petition-transfer',
  'petition-reject',
  'petition-supplement',
  'petition-answer',
  'petition-publish',
  /** One period of a periodic duty of an agency (duties file). */
  'duty',
]);
export type DeadlineKind = z.infer<typeof deadlineKind>;

export const subjectKind = z.enum(['dossier', 'petition']);
export type SubjectKind = z.infer<typeof subjectKind>;

/**
 * What an alert is about: a case (dossier or petition), or a period of a periodic duty, which
 * sla follows from the duties file and workflow never holds.
 */
export const alertSubject = z.enum([...subjectKind.options, 'duty']);
export type AlertSubject = z.infer<typeof alertSubject>;

/**
 * One alert raised by the SLA service. The id is stable for (kind, level, subject, deadline
 * key, deadline version), so however often a timer fires the fact is raised once.
 * `dossierCode` carries the subject's code for petitions too (the Kafka key of its history).
 */
export const slaAlertV1 = z.object({
  alertId: z.string(),
  kind: alertKind.default('overdue'),
  /** 0 for warning and overdue; 1, 2, 3… for escalation levels. */
  level: z.number().int().min(0).default(0),
  subject: alertSubject.default('dossier'),
  dossierCode: z.string(),
  deadlineKey: z.string().default('dossier'),
  deadlineKind: deadlineKind.default('dossier'),
  /** Agency owning the dossier or petition. */
  agencyCode: z.string().nullable(),
  /** Agency that held the late step or the petition when the deadline passed. */
  responsibleAgencyCode: z.string().nullable().default(null),
  procedureCode: z.string().nullable(),
  /** Step name or petition deadline label, for messages. */
  label: z.string().nullable().default(null),
  dueAt: isoInstant,
  deadlineVersion: z.number().int().min(0),
  raisedAt: isoInstant,
  /** Working minutes between due and raise (0 for warnings and at due). */
  workingMinutesLate: z.number().int().min(0).default(0),
  reason: z.string(),
  /** The rule that makes this a fact, e.g. "QĐ 766/QĐ-TTg; ND 118/2025 (hẹn trả)". */
  legalBasis: z.string().default(''),
});
export type SlaAlertV1 = z.infer<typeof slaAlertV1>;
export type SlaAlertInputV1 = z.input<typeof slaAlertV1>;

/**
 * Stable alert id. The dossier's own overdue alert keeps the id format of the first release
 * (`overdue:<code>:v<n>`) so alerts stored before the lifecycle release stay recognised.
 */
export function alertIdFor(a: { kind: AlertKind; level?: number; dossierCode: string; deadlineKey?: string; deadlineVersion: number }): string {
  const key = a.deadlineKey ?? 'dossier';
  if (a.kind === 'overdue' && key === 'dossier') return `overdue:${a.dossierCode}:v${a.deadlineVersion}`;
  const level = a.kind === 'escalation' ? `:l${a.level ?? 1}` : '';
  return `${a.kind}${level}:${a.dossierCode}:${key}:v${a.deadlineVersion}`;
}

/** The CloudEvent type an alert is published under. */
export function alertEventType(a: { kind: AlertKind; subject: AlertSubject }): AlertEventType {
  if (a.kind === 'warning') return ALERT_TYPES.warning;
  if (a.kind === 'escalation') return ALERT_TYPES.escalated;
  if (a.subject === 'duty') return ALERT_TYPES.dutyOverdue;
  return a.subject === 'petition' ? ALERT_TYPES.petitionUnhandled : ALERT_TYPES.overdue;
}
