import type { AlertRecord, AlertRecordRepository, Clock } from './notification';

/** One configuration write for the audit trail (the platform's audit log behind it). */
export interface AuditEntryInput {
  actor: string;
  role: string;
  action: 'subscription.created' | 'subscription.deleted' | 'alert.acknowledged';
  target: string;
  agencyCode: string | null;
  details: Record<string, unknown>;
}

export interface AuditRecorder {
  record(entry: AuditEntryInput): Promise<void>;
}

/** Who acknowledges: a key through the API, or a mailed link's recipient (a subscription). */
export type Acknowledger = { via: 'api'; keyId: string; role: string } | { via: 'link'; recipientId: string; role: string };

export interface AcknowledgeDeps {
  alertRecords: AlertRecordRepository;
  audit: AuditRecorder;
  clock: Clock;
}

/**
 * Stops the alert's escalation. The first acknowledgement wins and is the only one audited: a
 * second click changes nothing and so is not a write. `ackedBy` keeps the API's historical
 * `api-key:` form; the audit actor uses the platform's `key:` / `link:` forms.
 */
export async function acknowledgeAlert(alertId: string, who: Acknowledger, deps: AcknowledgeDeps): Promise<{ record: AlertRecord; changed: boolean } | null> {
  const ackedBy = who.via === 'api' ? `api-key:${who.keyId}` : `link:${who.recipientId}`;
  const result = await deps.alertRecords.ack(alertId, deps.clock.now(), ackedBy);
  if (!result?.changed) return result;
  const { alert } = result.record;
  await deps.audit.record({
    actor: who.via === 'api' ? `key:${who.keyId}` : `link:${who.recipientId}`,
    role: who.role,
    action: 'alert.acknowledged',
    target: alertId,
    agencyCode: alert.agencyCode,
    details: { via: who.via, kind: alert.kind, dossierCode: alert.dossierCode, level: result.record.notifiedLevel },
  });
  return result;
}
