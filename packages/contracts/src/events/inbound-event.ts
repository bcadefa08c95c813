import { cloudEventEnvelope } from '../cloud-event.schema';
import { DUTY_FULFILLED_V1, dutyFulfilledV1, dutyKeyOf, type DutyFulfilledEvent } from './duty.v1';
import { parseInboundDossierEvent, subjectCodeOf, type FieldIssue, type InboundDossierEvent, type ParseResult } from './registry';

/**
 * Everything a portal may post to intake: the facts of dossiers and petitions (workflow's
 * business, `INBOUND_DOSSIER_EVENTS`) and the fulfilment of a periodic duty (sla's). Workflow
 * reads only the first kind, so it keeps parsing with `parseInboundDossierEvent`.
 */
export type InboundEvent = InboundDossierEvent | DutyFulfilledEvent;

export function isDutyEvent(e: InboundEvent): e is DutyFulfilledEvent {
  return e.type === DUTY_FULFILLED_V1;
}

/** Like `parseInboundDossierEvent`, with the duty event too; issues are named the same way. */
export function parseInboundEvent(raw: unknown, pointerPrefix = ''): ParseResult<InboundEvent> {
  const env = cloudEventEnvelope.safeParse(raw);
  if (!env.success || env.data.type !== DUTY_FULFILLED_V1) return parseInboundDossierEvent(raw, pointerPrefix);
  const data = dutyFulfilledV1.safeParse(env.data.data);
  if (!data.success) {
    const issues: FieldIssue[] = data.error.issues.map((i) => ({ pointer: `${pointerPrefix}/data${i.path.map((p) => `/${String(p)}`).join('')}`, detail: i.message }));
    return { ok: false, issues };
  }
  return { ok: true, value: { ...env.data, type: DUTY_FULFILLED_V1, data: data.data } as DutyFulfilledEvent };
}

/** The Kafka key of any inbound event: the subject code, or the duty and agency. */
export function inboundKeyOf(e: InboundEvent): string {
  return isDutyEvent(e) ? dutyKeyOf(e.data) : subjectCodeOf(e);
}
