/**
 * CloudEvents Kafka protocol binding, structured content mode: the record's value is the whole
 * event as JSON and its `content-type` header says so, which is how any CloudEvents consumer (the
 * SDKs' Kafka bindings, Knative's KafkaSource, …) tells an event from an opaque record. The key
 * stays the subject's code so one subject's events keep their order.
 */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json; charset=UTF-8';

export interface CloudEventRecord {
  /** Null only for a dead letter of a message that had no key. */
  key: string | null;
  value: string;
  headers: { 'content-type': string };
}

export function cloudEventRecord(key: string | null, event: object): CloudEventRecord {
  return { key, value: JSON.stringify(event), headers: { 'content-type': CLOUDEVENTS_JSON } };
}
