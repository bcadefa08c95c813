import { alertEventTypes, cloudEventEnvelope, occurredAtOfEvent, parseInboundDossierEvent, slaAlertV1, subjectCodeOf } from '@tthc/contracts';
import { PoisonMessageError, parseJsonValue, type ConsumedMessage, type Logger } from '@tthc/platform';
import { applyFact, type ApplyDeps } from '../../domain/apply-fact.use-case';
import type { Fact } from '../../domain/subject';
import type { CalendarChangeGate } from '../calendar-change.gate';

const ALERT_TYPES = new Set<string>(alertEventTypes);

/**
 * Turns a Kafka message into a fact and the code of the subject it belongs to. Messages on the
 * dossier-events topic must be valid inbound events (anything else is poison); on the alerts
 * topic every SLA alert type is a fact of the subject named by its `dossierCode`, and other
 * types are not addressed to workflow.
 */
export function toFact(msg: ConsumedMessage, alertsTopic: string): { code: string; fact: Fact } | null {
  const raw = parseJsonValue(msg.message);
  if (msg.topic === alertsTopic) {
    const env = cloudEventEnvelope.safeParse(raw);
    if (!env.success) throw new PoisonMessageError('invalid-event', `invalid CloudEvent: ${env.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    if (!ALERT_TYPES.has(env.data.type)) return null;
    const data = slaAlertV1.safeParse(env.data.data);
    if (!data.success) throw new PoisonMessageError('invalid-event', `invalid alert: ${data.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const e = env.data;
    const fact = { key: `${e.source}\n${e.id}`, id: e.id, source: e.source, type: e.type, time: e.time, occurredAt: data.data.raisedAt, data: data.data } as Fact;
    return { code: data.data.dossierCode, fact };
  }
  const parsed = parseInboundDossierEvent(raw);
  if (!parsed.ok) {
    throw new PoisonMessageError('invalid-event', `invalid dossier event: ${parsed.issues.map((i) => `${i.pointer} ${i.detail}`).join('; ')}`);
  }
  const e = parsed.value;
  const fact = { key: `${e.source}\n${e.id}`, id: e.id, source: e.source, type: e.type, time: e.time, occurredAt: occurredAtOfEvent(e), data: e.data } as Fact;
  return { code: subjectCodeOf(e), fact };
}

export function subjectEventsHandler(deps: ApplyDeps & { logger: Logger; alertsTopic: string; gate: CalendarChangeGate }) {
  return async (msg: ConsumedMessage): Promise<void> => {
    const parsed = toFact(msg, deps.alertsTopic);
    if (!parsed) {
      deps.logger.debug({ topic: msg.topic, offset: msg.message.offset }, 'event type not addressed to workflow');
      return;
    }
    const { code, fact } = parsed;
    const result = await deps.gate.shared(() => applyFact(code, fact, deps));
    if (result.outcome === 'rejected') {
      // Not stored: the runner dead-letters the message with this reason, later facts flow on.
      throw new PoisonMessageError('impossible-transition', `${fact.type} (${fact.id}) cannot be applied to ${code}: ${result.reason}`);
    }
    deps.logger.debug({ code, type: fact.type, outcome: result.outcome, revision: result.subject.revision }, 'fact applied');
  };
}
