import type { Producer } from 'kafkajs';
import { DOSSIER_OVERDUE_V1, type CloudEvent, type DossierOverdueV1 } from '@tthc/contracts';
import type { Alert, AlertPublisher } from '../domain/deadline';

export function createKafkaAlertPublisher(producer: Producer, topic: string): AlertPublisher {
  return {
    async publish(alert: Alert) {
      const data: DossierOverdueV1 = {
        alertId: alert.id,
        dossierCode: alert.dossierCode,
        agencyCode: alert.agencyCode,
        procedureCode: alert.procedureCode,
        dueAt: alert.dueAt.toISOString(),
        deadlineVersion: alert.deadlineVersion,
        raisedAt: alert.raisedAt.toISOString(),
        reason: alert.reason,
      };
      // The CloudEvent id is the alert id: consumers deduplicate on it.
      const event: CloudEvent<typeof DOSSIER_OVERDUE_V1, DossierOverdueV1> = {
        specversion: '1.0',
        id: alert.id,
        source: 'urn:tthc:sla',
        type: DOSSIER_OVERDUE_V1,
        time: data.raisedAt,
        subject: alert.dossierCode,
        data,
      };
      await producer.send({ topic, acks: -1, messages: [{ key: alert.dossierCode, value: JSON.stringify(event) }] });
    },
  };
}
