import {
  DOSSIER_OVERDUE_V1,
  cloudEventEnvelope,
  dossierOverdueV1,
  parseInboundDossierEvent,
} from '@tthc/contracts';
import { PoisonMessageError, parseJsonValue, type ConsumedMessage, type Logger } from '@tthc/platform';
import { applyFact, type DossierRepository, type StatePublisher } from '../../domain/apply-fact.use-case';
import { occurredAtOf, type Fact } from '../../domain/dossier-state';

/**
 * Turns a Kafka message into a dossier fact. Facts from intake must be valid inbound events
 * (anything else is poison); on the alerts topic only overdue alerts concern the dossier and
 * other alert types are skipped.
 */
export function toFact(msg: ConsumedMessage, alertsTopic: string): Fact | null {
  const raw = parseJsonValue(msg.message);
  if (msg.topic === alertsTopic) {
    const env = cloudEventEnvelope.safeParse(raw);
    if (!env.success) throw new PoisonMessageError('invalid-event', `invalid CloudEvent: ${env.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    if (env.data.type !== DOSSIER_OVERDUE_V1) return null;
    const data = dossierOverdueV1.safeParse(env.data.data);
    if (!data.success) throw new PoisonMessageError('invalid-event', `invalid overdue alert: ${data.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    const fact = { key: `${env.data.source}\n${env.data.id}`, id: env.data.id, source: env.data.source, type: DOSSIER_OVERDUE_V1, time: env.data.time, data: data.data } as const;
    return { ...fact, occurredAt: occurredAtOf(fact) };
  }
  const parsed = parseInboundDossierEvent(raw);
  if (!parsed.ok) {
    throw new PoisonMessageError('invalid-event', `invalid dossier event: ${parsed.issues.map((i) => `${i.pointer} ${i.detail}`).join('; ')}`);
  }
  const e = parsed.value;
  const base = { key: `${e.source}\n${e.id}`, id: e.id, source: e.source, time: e.time };
  const fact = { ...base, type: e.type, data: e.data } as Fact;
  return { ...fact, occurredAt: occurredAtOf(fact) };
}

export function dossierEventsHandler(deps: { repo: DossierRepository; publisher: StatePublisher; logger: Logger; alertsTopic: string }) {
  return async (msg: ConsumedMessage): Promise<void> => {
    const fact = toFact(msg, deps.alertsTopic);
    if (!fact) return;
    const code = fact.data.dossierCode;
    const { outcome, dossier } = await applyFact(code, fact, deps);
    deps.logger.debug({ dossierCode: code, type: fact.type, outcome, revision: dossier.revision }, 'fact applied');
  };
}
