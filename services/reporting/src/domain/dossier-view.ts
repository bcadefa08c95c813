import {
  ALERT_TYPES,
  DOSSIER_RECEIVED_V1,
  DOSSIER_RESOLVED_V1,
  DOSSIER_APOLOGY_ISSUED_V1,
  DOSSIER_RATED_V1,
  DOSSIER_FINANCIAL_OBLIGATION_REQUESTED_V1,
  DOSSIER_REFUSED_V1,
  DOSSIER_STEP_ASSIGNED_V1,
  DOSSIER_STEP_COMPLETED_V1,
  PETITION_PUBLISHED_V1,
  PETITION_RECEIVED_V1,
  PETITION_TRANSFERRED_V1,
} from '@tthc/contracts';
import type { AgencyScope } from './agency-scope';
import type { StoredCase } from './case-record.use-case';

export interface HistoryEntryView {
  id: string;
  source: string;
  type: string;
  time: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface AlertView {
  id: string;
  type: string;
  dossierCode: string;
  agencyCode: string | null;
  dueAt: string;
  raisedAt: string;
}

export interface AlertQuery {
  /** Exact: alerts of these agencies only. */
  scope: AgencyScope;
  dossierCode?: string;
  type?: string;
  since?: Date;
  limit: number;
}

export interface ReportingReadModel {
  /** The stored dossier or petition, history included; the route shapes it into the case record. */
  findCase(code: string): Promise<StoredCase | null>;
  listAlerts(q: AlertQuery): Promise<AlertView[]>;
}

/** Every fact names its subject, its agency and when it happened. */
const COMMON_FIELDS = ['dossierCode', 'petitionCode', 'agencyCode', 'occurredAt'] as const;

const ALERT_FIELDS = [
  'alertId',
  'kind',
  'level',
  'subject',
  'deadlineKey',
  'deadlineKind',
  'responsibleAgencyCode',
  'procedureCode',
  'label',
  'dueAt',
  'deadlineVersion',
  'raisedAt',
  'workingMinutesLate',
  'reason',
  'legalBasis',
] as const;

/**
 * The fields each fact type may show besides {@link COMMON_FIELDS}. An allow-list rather than
 * a list of personal fields to remove: the applicant, the petitioner and whatever a portal
 * adds under another name (ChuHoSo, SoGiayTo, an address…) stay out without being named.
 * Free text written at the desk (`reason` of a refusal or suspension, a petition's `title`)
 * is left out as well, since it routinely quotes the citizen; the alert's `reason` is
 * composed by the SLA service and is kept.
 */
const SHOWN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  [DOSSIER_RECEIVED_V1]: ['procedureCode', 'receivedAt', 'appointmentAt', 'channel'],
  [DOSSIER_RESOLVED_V1]: ['resolvedAt'],
  [DOSSIER_REFUSED_V1]: ['procedureCode'],
  [DOSSIER_STEP_ASSIGNED_V1]: ['stepNo', 'stepAgencyCode', 'stepName', 'allottedHours'],
  [DOSSIER_STEP_COMPLETED_V1]: ['stepNo'],
  [DOSSIER_FINANCIAL_OBLIGATION_REQUESTED_V1]: ['amountVnd'],
  [DOSSIER_APOLOGY_ISSUED_V1]: ['newAppointmentAt', 'channels'],
  [PETITION_RECEIVED_V1]: ['field', 'channel', 'concernsDossierCode'],
  [DOSSIER_RATED_V1]: ['level', 'channel'],
  [PETITION_TRANSFERRED_V1]: ['toAgencyCode'],
  [PETITION_PUBLISHED_V1]: ['url'],
  ...Object.fromEntries(Object.values(ALERT_TYPES).map((t) => [t, ALERT_FIELDS])),
};

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/**
 * The part of a stored fact's data that may leave the service: the allowed fields of its type,
 * and of those only plain values (a list of plain values at most), so nothing nested inside an
 * allowed name can carry personal data out either.
 */
export function publicData(type: string, data: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!data || typeof data !== 'object' || Array.isArray(data)) return out;
  const source = data as Record<string, unknown>;
  const extra = Object.hasOwn(SHOWN_FIELDS, type) ? SHOWN_FIELDS[type]! : [];
  for (const field of [...COMMON_FIELDS, ...extra]) {
    if (!Object.hasOwn(source, field)) continue;
    const value = source[field];
    if (isScalar(value)) out[field] = value;
    else if (Array.isArray(value) && value.every(isScalar)) out[field] = [...value];
  }
  return out;
}
