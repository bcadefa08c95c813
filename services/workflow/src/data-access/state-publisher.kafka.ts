import type { Producer } from 'kafkajs';
import { createBatcher } from '@tthc/platform';
import { cloudEventRecord, DOSSIER_STATE_CHANGED_V1, type CloudEvent, type DossierStateChangedV1 } from '@tthc/contracts';
import type { StatePublisher, StoredSubject } from '../domain/apply-fact.use-case';

export function toStateChanged(d: StoredSubject): DossierStateChangedV1 {
  const s = d.state;
  return {
    dossierCode: d.code,
    agencyCode: s.agencyCode,
    procedureCode: s.procedureCode,
    phase: s.phase,
    statusCode: s.statusCode,
    receivedAt: s.receivedAt,
    dueAt: s.dueAt,
    deadlineVersion: s.deadlineVersion,
    closedAt: s.closedAt,
    revision: d.revision,
    subject: d.subject,
    deadlines: s.deadlines,
    paused: s.paused,
    endAt: s.endAt,
    timeliness: s.timeliness,
  };
}

/**
 * Snapshots published by the consumer's concurrent lanes go out in a few produce requests per
 * batch rather than one each, in order; Kafka keeps their order per subject, as batches never
 * overlap.
 */
export function createKafkaStatePublisher(producer: Producer, topic: string): StatePublisher {
  const send = createBatcher(async (subjects: readonly StoredSubject[]) => {
    // The platform's producer cuts the send where a partition would pass Kafka's size limit.
    await producer.send({ topic, acks: -1, messages: subjects.map(toRecord) });
    return subjects.map(() => ({ value: undefined }));
  }, { dependency: 'kafka' });
  return { publish: (d) => send(d) };
}

function toRecord(d: StoredSubject) {
  // The id is derived from the revision so a republished snapshot is recognisably the same.
  const event: CloudEvent<typeof DOSSIER_STATE_CHANGED_V1, DossierStateChangedV1> = {
    specversion: '1.0',
    id: `state:${d.code}:r${d.revision}`,
    source: 'urn:tthc:workflow',
    type: DOSSIER_STATE_CHANGED_V1,
    time: new Date().toISOString(),
    subject: d.code,
    data: toStateChanged(d),
  };
  return cloudEventRecord(d.code, event);
}
