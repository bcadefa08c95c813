import type { Producer } from 'kafkajs';
import { cloudEventRecord, DELAY_COUNTS_COMPUTED_V1, type CloudEvent, type DelayCountsComputedV1 } from '@tthc/contracts';
import type { DelayCountsPublisher, DelayCountsRow } from '../domain/delay-counts.use-case';

/** Messages per produce request; keeps each request well under the broker's size limit. */
const CHUNK = 500;

export function createKafkaDelayCountsPublisher(producer: Producer, topic: string): DelayCountsPublisher {
  return {
    async publish(rows: DelayCountsRow[]) {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const messages = rows.slice(i, i + CHUNK).map(({ id, ...data }) => {
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
        await producer.send({ topic, acks: -1, messages });
      }
    },
  };
}
