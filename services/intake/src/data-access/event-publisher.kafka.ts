import { CompressionTypes, type Producer } from 'kafkajs';
import { cloudEventRecord, inboundKeyOf, isDutyEvent, type InboundEvent, type TopicMap } from '@tthc/contracts';
import type { EventPublisher } from '../domain/accept-events.use-case';

/**
 * Events are keyed by dossier (or petition) code so every fact of one subject lands on one partition, in
 * the order intake accepted it. A duty's fulfilment is sla's business, not a case's: it goes to
 * the duty topic, keyed by duty and agency.
 */
export function createKafkaEventPublisher(producer: Producer, topics: Pick<TopicMap, 'dossierEvents' | 'dutyEvents'>, timeoutMs: number, compression: 'none' | 'gzip' = 'none'): EventPublisher {
  const compressionType = compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  return {
    // One send per request: kafkajs groups its records by partition into one produce request per broker.
    async publish(events: InboundEvent[]) {
      const recordOf = (e: InboundEvent) => {
        const record = cloudEventRecord(inboundKeyOf(e), e);
        // Type and id beside the structured value let tools filter records without parsing them.
        return { ...record, headers: { ...record.headers, ce_type: e.type, ce_id: e.id } };
      };
      const duties = events.filter(isDutyEvent);
      const cases = duties.length === 0 ? events : events.filter((e) => !isDutyEvent(e));
      const batches = [
        { topic: topics.dossierEvents, messages: cases.map(recordOf) },
        { topic: topics.dutyEvents, messages: duties.map(recordOf) },
      ].filter((b) => b.messages.length > 0);
      const send = producer.sendBatch({ acks: -1, timeout: timeoutMs, compression: compressionType, topicMessages: batches });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Kafka did not acknowledge within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([send, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
