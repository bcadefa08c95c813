import { CalendarInputError } from '@tthc/calendar';
import { alertEventTypes, cloudEventEnvelope, occurredAtOfEvent, parseInboundDossierEvent, slaAlertV1, subjectCodeOf } from '@tthc/contracts';
import { PoisonMessageError, parseJsonValue, parseScopeClaims, type ConsumedMessage, type Logger, type Metrics } from '@tthc/platform';
import { applyFacts, type ApplyDeps, type FactResult } from '../../domain/apply-fact.use-case';
import type { Fact, FactAuth } from '../../domain/subject';
import type { CalendarChangeGate } from '../calendar-change.gate';

const ALERT_TYPES = new Set<string>(alertEventTypes);
const OWNERSHIP_CODES = new Set<string>(['not-owner', 'foreign-reception', 'foreign-code', 'key-conflict']);

/**
 * The sender intake stamped (CloudEvents authcontext). No `authclaims` means a system fact.
 * Claims that are there but unreadable are refused rather than trusted: reading them as "no
 * sender" would turn a damaged stamp into full trust.
 */
export function authOf(event: Record<string, unknown>): FactAuth | undefined {
  const claims = event['authclaims'];
  if (claims === undefined || claims === null) return undefined;
  if (typeof claims !== 'string' || parseScopeClaims(claims) === null) throw new PoisonMessageError('invalid-auth-context', 'authclaims is not an agency scope');
  const id = event['authid'];
  return { id: typeof id === 'string' && id.length > 0 ? id : 'unknown', scope: claims };
}

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
    // A periodic duty's period is sla's alone: no case of workflow's holds it.
    if (data.data.subject === 'duty') return null;
    const e = env.data;
    const auth = authOf(e);
    const fact = { key: `${e.source}\n${e.id}`, id: e.id, source: e.source, type: e.type, time: e.time, occurredAt: data.data.raisedAt, data: data.data, ...(auth ? { auth } : {}) } as Fact;
    return { code: data.data.dossierCode, fact };
  }
  const parsed = parseInboundDossierEvent(raw);
  if (!parsed.ok) {
    throw new PoisonMessageError('invalid-event', `invalid dossier event: ${parsed.issues.map((i) => `${i.pointer} ${i.detail}`).join('; ')}`);
  }
  const e = parsed.value;
  const auth = authOf(e as unknown as Record<string, unknown>);
  const fact = { key: `${e.source}\n${e.id}`, id: e.id, source: e.source, type: e.type, time: e.time, occurredAt: occurredAtOfEvent(e), data: e.data, ...(auth ? { auth } : {}) } as Fact;
  return { code: subjectCodeOf(e), fact };
}

/**
 * The consumer's handlers: `handle` applies one message; `handleLane` applies the messages of
 * one subject fetched together in one read and one write (`applyFacts`), each message still
 * answered on its own (applied, duplicate, or refused and dead-lettered).
 */
export function subjectEventsHandler(deps: ApplyDeps & { logger: Logger; metrics: Metrics; alertsTopic: string; gate: CalendarChangeGate }) {
  const refused = deps.metrics.counter(
    'workflow_sender_refusals_total',
    'Facts refused (rejected on arrival, or evicted once the owner was known) because their sending key does not cover the owner',
    ['error_code', 'action'],
  );
  const apply = (code: string, facts: Fact[]) => deps.gate.shared(() => applyFacts(code, facts, deps));

  /** Throws what the runner must know about a fact that was not applied; logs the rest. */
  const settle = (code: string, fact: Fact, result: FactResult): void => {
    if ('error' in result) {
      // An instant the calendar cannot place (years it does not cover, a span beyond its
      // limit) fails the same way on every retry: the fact is dead-lettered with the calendar's
      // reason instead of holding back the subjects behind it.
      if (result.error instanceof CalendarInputError) throw new PoisonMessageError('calendar-input', `${fact.type} (${fact.id}) of ${code} cannot be placed on the calendar: ${result.error.message}`, result.error);
      throw result.error;
    }
    if (result.outcome === 'rejected') {
      if (OWNERSHIP_CODES.has(result.errorCode)) {
        refused.inc({ error_code: result.errorCode, action: 'rejected' });
        deps.logger.warn({ code, type: fact.type, id: fact.id, keyId: fact.auth?.id, errorCode: result.errorCode, reason: result.reason }, 'fact refused: the sending key does not speak for this subject');
      }
      // Not stored: the runner dead-letters the message with this reason, later facts flow on.
      throw new PoisonMessageError(result.errorCode, `${fact.type} (${fact.id}) cannot be applied to ${code}: ${result.reason}`);
    }
    if (result.outcome === 'applied') {
      for (const e of result.evicted) {
        refused.inc({ error_code: e.errorCode, action: 'evicted' });
        deps.logger.warn({ code, type: e.fact.type, id: e.fact.id, keyId: e.fact.auth?.id, errorCode: e.errorCode, reason: e.reason }, 'stored fact evicted: its sending key does not cover the owner now known');
      }
    }
    deps.logger.debug({ code, type: fact.type, outcome: result.outcome, revision: result.subject.revision }, 'fact applied');
  };

  const handle = async (msg: ConsumedMessage): Promise<void> => {
    const parsed = toFact(msg, deps.alertsTopic);
    if (!parsed) {
      deps.logger.debug({ topic: msg.topic, offset: msg.message.offset }, 'event type not addressed to workflow');
      return;
    }
    const [result] = await apply(parsed.code, [parsed.fact]);
    settle(parsed.code, parsed.fact, result ?? { error: new Error(`no outcome for ${parsed.fact.id}`) });
  };

  const handleLane = async (msgs: readonly ConsumedMessage[]): Promise<Array<{ ok: true } | { error: unknown }>> => {
    const answers = new Array<{ ok: true } | { error: unknown }>(msgs.length);
    const bySubject = new Map<string, Array<{ index: number; fact: Fact }>>();
    msgs.forEach((msg, index) => {
      try {
        const parsed = toFact(msg, deps.alertsTopic);
        if (!parsed) answers[index] = { ok: true };
        else bySubject.set(parsed.code, [...(bySubject.get(parsed.code) ?? []), { index, fact: parsed.fact }]);
      } catch (err) {
        answers[index] = { error: err };
      }
    });
    for (const [code, items] of bySubject) {
      const results = await apply(code, items.map((item) => item.fact));
      items.forEach((item, k) => {
        try {
          settle(code, item.fact, results[k] ?? { error: new Error(`no outcome for ${item.fact.id}`) });
          answers[item.index] = { ok: true };
        } catch (err) {
          answers[item.index] = { error: err };
        }
      });
    }
    return answers;
  };

  return { handle, handleLane };
}
