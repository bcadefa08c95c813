import { z } from 'zod';
import { cloudEventEnvelope, type CloudEvent } from '../cloud-event.schema';
import { DOSSIER_RECEIVED_V1, dossierReceivedV1 } from './dossier-received.v1';
import { DOSSIER_RESOLVED_V1, dossierResolvedV1 } from './dossier-resolved.v1';
import * as L from './dossier-lifecycle.v1';
import * as P from './petition.v1';
import { DOSSIER_RATED_V1, dossierRatedV1 } from './dossier-rated.v1';

/** Event types a portal may send to intake, with the schema of their `data`. */
export const INBOUND_DOSSIER_EVENTS = {
  [DOSSIER_RECEIVED_V1]: dossierReceivedV1,
  [DOSSIER_RESOLVED_V1]: dossierResolvedV1,
  [L.DOSSIER_REFUSED_V1]: L.dossierRefusedV1,
  [L.DOSSIER_PROCESSING_STARTED_V1]: L.dossierProcessingStartedV1,
  [L.DOSSIER_STEP_ASSIGNED_V1]: L.dossierStepAssignedV1,
  [L.DOSSIER_STEP_COMPLETED_V1]: L.dossierStepCompletedV1,
  [L.DOSSIER_SUPPLEMENT_REQUESTED_V1]: L.dossierSupplementRequestedV1,
  [L.DOSSIER_SUPPLEMENT_RECEIVED_V1]: L.dossierSupplementReceivedV1,
  [L.DOSSIER_FINANCIAL_OBLIGATION_REQUESTED_V1]: L.dossierFinancialObligationRequestedV1,
  [L.DOSSIER_FINANCIAL_OBLIGATION_FULFILLED_V1]: L.dossierFinancialObligationFulfilledV1,
  [L.DOSSIER_WITHDRAWN_V1]: L.dossierWithdrawnV1,
  [L.DOSSIER_SUSPENDED_V1]: L.dossierSuspendedV1,
  [L.DOSSIER_RESUMED_V1]: L.dossierResumedV1,
  [L.DOSSIER_RETURNED_V1]: L.dossierReturnedV1,
  [L.DOSSIER_APOLOGY_ISSUED_V1]: L.dossierApologyIssuedV1,
  [DOSSIER_RATED_V1]: dossierRatedV1,
  [P.PETITION_RECEIVED_V1]: P.petitionReceivedV1,
  [P.PETITION_TRANSFERRED_V1]: P.petitionTransferredV1,
  [P.PETITION_REJECTED_V1]: P.petitionRejectedV1,
  [P.PETITION_SUPPLEMENT_REQUESTED_V1]: P.petitionSupplementRequestedV1,
  [P.PETITION_ANSWERED_V1]: P.petitionAnsweredV1,
  [P.PETITION_PUBLISHED_V1]: P.petitionPublishedV1,
} as const;

type Inbound = typeof INBOUND_DOSSIER_EVENTS;
export type InboundEventType = keyof Inbound;
/** Any inbound event, its `data` typed by its `type`. */
export type InboundDossierEvent = { [T in InboundEventType]: CloudEvent<T, z.infer<Inbound[T]>> }[InboundEventType];
export type InboundData<T extends InboundEventType> = z.infer<Inbound[T]>;

export const DOSSIER_EVENT_TYPES = Object.keys(INBOUND_DOSSIER_EVENTS).filter((t) => t.startsWith('vn.tthc.dossier.')) as InboundEventType[];
export const PETITION_EVENT_TYPES = Object.keys(INBOUND_DOSSIER_EVENTS).filter((t) => t.startsWith('vn.tthc.petition.')) as InboundEventType[];

export function isPetitionEventType(type: string): boolean {
  return type.startsWith('vn.tthc.petition.');
}

/**
 * Portal status code (TrangThaiHoSo) each dossier event moves the dossier to; `null` when the
 * event does not change the code by itself (an apology keeps the current code).
 */
export const STATUS_OF_EVENT: Readonly<Record<string, number | null>> = {
  [DOSSIER_RECEIVED_V1]: 2,
  [L.DOSSIER_REFUSED_V1]: 3,
  [L.DOSSIER_PROCESSING_STARTED_V1]: 4,
  [L.DOSSIER_STEP_ASSIGNED_V1]: 4,
  [L.DOSSIER_STEP_COMPLETED_V1]: 4,
  [L.DOSSIER_SUPPLEMENT_REQUESTED_V1]: 5,
  [L.DOSSIER_SUPPLEMENT_RECEIVED_V1]: 4,
  [L.DOSSIER_FINANCIAL_OBLIGATION_REQUESTED_V1]: 6,
  [L.DOSSIER_FINANCIAL_OBLIGATION_FULFILLED_V1]: 4,
  [L.DOSSIER_WITHDRAWN_V1]: 7,
  [L.DOSSIER_SUSPENDED_V1]: 8,
  [L.DOSSIER_RESUMED_V1]: 4,
  [DOSSIER_RESOLVED_V1]: 9,
  [L.DOSSIER_RETURNED_V1]: 10,
  [L.DOSSIER_APOLOGY_ISSUED_V1]: null,
  // A rating is about the handling, not part of it.
  [DOSSIER_RATED_V1]: null,
};

export interface FieldIssue {
  /** JSON pointer into the submitted document, e.g. `/data/agencyCode` or `/2/time`. */
  pointer: string;
  /** In CloudEvents binary mode, the request header that carried the attribute (`ce-time`). */
  header?: string;
  detail: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

function toPointer(path: ReadonlyArray<PropertyKey>, prefix: string): string {
  return prefix + path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function issuesOf(error: z.ZodError, prefix: string): FieldIssue[] {
  return error.issues.map((i) => ({ pointer: toPointer(i.path, prefix), detail: i.message }));
}

/**
 * Validates one inbound CloudEvent: the envelope, the type and the `data` of that type.
 * Every bad field is reported, not only the first.
 */
export function parseInboundDossierEvent(raw: unknown, pointerPrefix = ''): ParseResult<InboundDossierEvent> {
  const env = cloudEventEnvelope.safeParse(raw);
  if (!env.success) return { ok: false, issues: issuesOf(env.error, pointerPrefix) };
  // Own properties only: a type such as "__proto__" or "constructor" must not reach Object's.
  const schema = Object.hasOwn(INBOUND_DOSSIER_EVENTS, env.data.type) ? INBOUND_DOSSIER_EVENTS[env.data.type as keyof typeof INBOUND_DOSSIER_EVENTS] : undefined;
  if (!schema) {
    return {
      ok: false,
      issues: [{ pointer: `${pointerPrefix}/type`, detail: `unknown event type; expected one of ${Object.keys(INBOUND_DOSSIER_EVENTS).join(', ')}` }],
    };
  }
  const data = schema.safeParse(env.data.data);
  if (!data.success) return { ok: false, issues: issuesOf(data.error, `${pointerPrefix}/data`) };
  return { ok: true, value: { ...env.data, data: data.data } as InboundDossierEvent };
}

/** Agency that owns an inbound event (used for authorisation). */
export function agencyOf(event: InboundDossierEvent): string {
  return event.data.agencyCode;
}

/** Dossier or petition code: the Kafka key, so one subject's events stay in order. */
export function subjectCodeOf(event: InboundDossierEvent): string {
  return 'petitionCode' in event.data ? event.data.petitionCode : event.data.dossierCode;
}

/** The instant the fact happened in the one-stop unit (the history's primary order). */
export function occurredAtOfEvent(event: InboundDossierEvent): string {
  const d = event.data as { occurredAt?: string; receivedAt?: string; resolvedAt?: string };
  return d.occurredAt ?? d.receivedAt ?? d.resolvedAt ?? event.time;
}
