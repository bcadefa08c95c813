import { CompressionTypes, type Producer } from 'kafkajs';
import { cloudEventRecord, subjectCodeOf, type InboundDossierEvent } from '@tthc/contracts';
import type { EventPublisher } from '../domain/accept-events.use-case';

/**
 * Events are keyed by dossier (or petition) code so every fact of one subject lands on one partition, in
 * the order intake accepted it.
 */
export function createKafkaEventPublisher(producer: Producer, topic: string, timeoutMs: number, compression: 'none' | 'gzip' = 'none'): EventPublisher {
  const compressionType = compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  return {
    // One send per request: kafkajs groups its records by partition into one produce request per broker.
    async publish(events: InboundDossierEvent[]) {
      const send = producer.send({
        topic,
        acks: -1,
        timeout: timeoutMs,
        compression: compressionType,
        messages: events.map((e) => {
          const record = cloudEventRecord(subjectCodeOf(e), e);
          // Type and id beside the structured value let tools filter records without parsing them.
          return { ...record, headers: { ...record.headers, ce_type: e.type, ce_id: e.id } };
        }),
      });
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
