import { randomUUID } from 'node:crypto';

export { collectTopic, probeKafka, probeProducer, type CollectedMessage } from '@tthc/testkit';

/** A CloudEvent of any inbound or alert type. */
export function cloudEvent(type: string, data: Record<string, unknown>, time = new Date().toISOString()) {
  return { specversion: '1.0', id: randomUUID(), source: 'urn:portal:workflow-test', type, time, data };
}
