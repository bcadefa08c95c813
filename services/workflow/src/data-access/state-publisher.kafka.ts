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

// Kafka refuses a record batch over its message.max.bytes (1 MB by default) whole. Under a
// backlog a batch of 1 000 snapshots passed it, and the batcher then sent them one by one.
const MAX_REQUEST_BYTES = 512 * 1024;

/** Consecutive runs of `records` of at most `maxBytes` of keys and values each (a larger record alone). */
export function inRunsOfBytes<R extends { key: string | null; value: string }>(records: readonly R[], maxBytes: number): R[][] {
  const runs: R[][] = [];
  let run: R[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = Buffer.byteLength(r.key ?? '') + Buffer.byteLength(r.value);
    if (run.length > 0 && bytes + size > maxBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(r);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * Snapshots published by the consumer's concurrent lanes go out in a few produce requests per
 * batch rather than one each, in order; Kafka keeps their order per subject, as batches never
 * overlap.
 */
export function createKafkaStatePublisher(producer: Producer, topic: string): StatePublisher {
  const send = createBatcher(async (subjects: readonly StoredSubject[]) => {
    for (const messages of inRunsOfBytes(subjects.map(toRecord), MAX_REQUEST_BYTES)) await producer.send({ topic, acks: -1, messages });
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
