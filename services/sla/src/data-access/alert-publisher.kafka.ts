import type { Producer } from 'kafkajs';
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
      // One send for the batch: alerts falling due together cost one round trip, not one each
      // (the platform's producer cuts it where a partition would pass Kafka's size limit).
      await producer.send({ topic, acks: -1, messages: alerts.map(message) });
    },
  };
}
