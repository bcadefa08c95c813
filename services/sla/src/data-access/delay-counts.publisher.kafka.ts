import type { Producer } from 'kafkajs';
import { inRunsOfBytes } from '@tthc/platform';
import { cloudEventRecord, DELAY_COUNTS_COMPUTED_V1, type CloudEvent, type DelayCountsComputedV1 } from '@tthc/contracts';
import type { DelayCountsPublisher, DelayCountsRow } from '../domain/delay-counts.use-case';

export function createKafkaDelayCountsPublisher(producer: Producer, topic: string): DelayCountsPublisher {
  return {
    async publish(rows: DelayCountsRow[]) {
      const records = rows.map(({ id, ...data }) => {
        // Same row and same asOf → same id, so a retried run is recognised as a duplicate.
        const event: CloudEvent<typeof DELAY_COUNTS_COMPUTED_V1, DelayCountsComputedV1> = {
          specversion: '1.0',
          id: `${id}@${data.asOf}`,
          source: 'urn:tthc:sla',
          type: DELAY_COUNTS_COMPUTED_V1,
          time: data.computedAt,
          subject: id,
          data,
        };
        return cloudEventRecord(data.agencyCode, event);
      });
      // Requests under Kafka's size limit per partition, whatever the number of agencies.
      for (const messages of inRunsOfBytes(records)) await producer.send({ topic, acks: -1, messages });
    },
  };
}
