import { z } from 'zod';
import { cloudEventEnvelope, type CloudEvent } from '../cloud-event.schema';
import { DOSSIER_RECEIVED_V1, dossierReceivedV1, type DossierReceivedV1 } from './dossier-received.v1';
import { DOSSIER_RESOLVED_V1, dossierResolvedV1, type DossierResolvedV1 } from './dossier-resolved.v1';

/** Event types a portal may send to intake, with the schema of their `data`. */
export const INBOUND_DOSSIER_EVENTS = {
  [DOSSIER_RECEIVED_V1]: dossierReceivedV1,
  [DOSSIER_RESOLVED_V1]: dossierResolvedV1,
} as const;

export type InboundDossierEvent =
  | CloudEvent<typeof DOSSIER_RECEIVED_V1, DossierReceivedV1>
  | CloudEvent<typeof DOSSIER_RESOLVED_V1, DossierResolvedV1>;

export interface FieldIssue {
  /** JSON pointer into the submitted document, e.g. `/data/agencyCode` or `/2/time`. */
  pointer: string;
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
  const schema = INBOUND_DOSSIER_EVENTS[env.data.type as keyof typeof INBOUND_DOSSIER_EVENTS];
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

/** Agency that owns an inbound event (used for authorisation and partition routing). */
export function agencyOf(event: InboundDossierEvent): string {
  return event.data.agencyCode;
}
