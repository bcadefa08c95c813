import type { Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_V1, type CloudEvent, type DeadLetterV1 } from '@tthc/contracts';
import type { FactDeadLetters } from '../domain/expire-unknown.use-case';
import { isAlertFact } from '../domain/derive-subject';

/**
 * Dead letters for stored facts (not for a consumed message: the consumer runner does those).
 * The Kafka position of a stored fact is not kept, so `partition` is -1 and `offset` "-1";
 * `value` is the fact as a CloudEvent, ready to be replayed to the dossier-events topic.
 */
export function createFactDeadLetters(producer: Producer, opts: { topic: string; dossierEventsTopic: string; alertsTopic: string; consumerGroup: string }): FactDeadLetters {
  return {
    async send(subject, fact, errorCode, reason) {
      // The stored extras (key, order, catalog look-up) are ours, not the sender's.
      const { key: _key, occurredAt: _occurredAt, lookup: _lookup, ...envelope } = fact as typeof fact & { lookup?: unknown };
      const data: DeadLetterV1 = {
        originalTopic: isAlertFact(fact) ? opts.alertsTopic : opts.dossierEventsTopic,
        partition: -1,
        offset: '-1',
        key: subject.code,
        value: JSON.stringify({ specversion: '1.0', ...envelope }),
        consumerGroup: opts.consumerGroup,
        reason,
        errorCode,
        failedAt: new Date().toISOString(),
      };
      const event: CloudEvent<typeof DEAD_LETTER_V1, DeadLetterV1> = {
        specversion: '1.0',
        id: randomUUID(),
        source: `urn:tthc:${opts.consumerGroup}`,
        type: DEAD_LETTER_V1,
        time: data.failedAt,
        data,
      };
      await producer.send({ topic: opts.topic, acks: -1, messages: [{ key: subject.code, value: JSON.stringify(event) }] });
    },
  };
}
