import type { Producer } from 'kafkajs';
import { inRunsOfBytes } from '@tthc/platform';
import { cloudEventRecord, type CloudEvent, type SlaAlertV1 } from '@tthc/contracts';
import type { Alert, AlertPublisher } from '../domain/deadline';

function message(alert: Alert) {
  const data: SlaAlertV1 = {
    alertId: alert.id,
    kind: alert.kind,
    level: alert.level,
    subject: alert.subject,
    dossierCode: alert.dossierCode,
    deadlineKey: alert.deadlineKey,
    deadlineKind: alert.deadlineKind,
    agencyCode: alert.agencyCode,
    responsibleAgencyCode: alert.responsibleAgencyCode,
    procedureCode: alert.procedureCode,
    label: alert.label,
    dueAt: alert.dueAt.toISOString(),
    deadlineVersion: alert.deadlineVersion,
    raisedAt: alert.raisedAt.toISOString(),
    workingMinutesLate: alert.workingMinutesLate,
    reason: alert.reason,
    legalBasis: alert.legalBasis,
  };
  // The CloudEvent id is the alert id: consumers deduplicate on it.
  const event: CloudEvent<string, SlaAlertV1> = {
    specversion: '1.0',
    id: alert.id,
    source: 'urn:tthc:sla',
    type: alert.eventType,
    time: data.raisedAt,
    subject: alert.dossierCode,
    data,
  };
  // Keyed by the subject so its alerts stay in order with the subject's other facts.
  return cloudEventRecord(alert.dossierCode, event);
}

export function createKafkaAlertPublisher(producer: Producer, topic: string): AlertPublisher {
  return {
    async publish(alerts) {
      if (alerts.length === 0) return;
      // A few requests for the batch: alerts falling due together cost a round trip per half
      // megabyte, not one each. A batch in one request was refused whole once a backlog's
      // alerts, all from subjects of one partition, passed Kafka's limit there, and the relay
      // then retried the same oldest alerts for ever.
      for (const messages of inRunsOfBytes(alerts.map(message))) await producer.send({ topic, acks: -1, messages });
    },
  };
}
