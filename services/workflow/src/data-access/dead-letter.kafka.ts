import type { Producer } from 'kafkajs';
import { publishDeadLetter } from '@tthc/platform';
import type { FactDeadLetters } from '../domain/expire-unknown.use-case';
import { isAlertFact } from '../domain/subject';

/**
 * Dead letters for stored facts (not for a consumed message: the consumer runner does those).
 * The Kafka position of a stored fact is not kept, so `partition` is -1 and `offset` "-1";
 * `value` is the fact as a CloudEvent, ready to be replayed to the dossier-events topic.
 */
export function createFactDeadLetters(producer: Producer, opts: { topic: string; dossierEventsTopic: string; alertsTopic: string; consumerGroup: string }): FactDeadLetters {
  return {
    async send(subject, fact, errorCode, reason) {
      // The stored extras (key, order, catalog look-up) are ours, not the sender's. The sender
      // goes back into the authcontext attributes: a replay without them would be trusted as
      // a system fact.
      const { key: _key, occurredAt: _occurredAt, lookup: _lookup, auth, ...envelope } = fact as typeof fact & { lookup?: unknown };
      const authContext = auth ? { authtype: 'api_key', authid: auth.id, authclaims: auth.scope } : {};
      await publishDeadLetter(producer, opts.topic, {
        originalTopic: isAlertFact(fact) ? opts.alertsTopic : opts.dossierEventsTopic,
        partition: -1,
        offset: '-1',
        key: subject.code,
        value: JSON.stringify({ specversion: '1.0', ...envelope, ...authContext }),
        consumerGroup: opts.consumerGroup,
        reason,
        errorCode,
      });
    },
  };
}
