import type { Connection, mongo } from 'mongoose';
import { COLLECTIONS, type AlertEventType, type SlaAlertV1 } from '@tthc/contracts';
import type { AgencyFilter } from './query-filter';

/**
 * A document of sla's `alerts` collection: one per raised alert, `_id` = the alert's stable id
 * (`alertId` of the event). The stored fields are the event's, with Dates for instants.
 */
export type AlertDocument = Omit<SlaAlertV1, 'alertId' | 'dueAt' | 'raisedAt'> & {
  _id: string;
  /** The CloudEvent type without the `vn.tthc.` prefix (`dossier.overdue`, `deadline.warning`, …). */
  type: string;
  eventType: AlertEventType;
  dueAt: Date;
  raisedAt: Date;
  /** When Kafka acknowledged the alert; null while the sla relay still holds it. */
  publishedAt: Date | null;
  /** The relay instance holding the unpublished alert, and until when (sla's outbox lease). */
  relayOwner?: string | null;
  relayLeaseUntil?: Date | null;
};

export function alertDocuments(conn: Connection): mongo.Collection<AlertDocument> {
  return conn.collection<AlertDocument>(COLLECTIONS.alerts);
}

export interface AlertListQuery {
  agencies: AgencyFilter | null;
  dossierCode?: string;
  type?: string;
  since?: Date;
  limit: number;
}

/** Alerts newest first. */
export async function listAlerts(conn: Connection, q: AlertListQuery): Promise<AlertDocument[]> {
  const and: Array<Record<string, unknown>> = [];
  if (q.agencies) and.push(q.agencies);
  if (q.dossierCode) and.push({ dossierCode: q.dossierCode });
  if (q.type) and.push({ type: q.type });
  if (q.since) and.push({ raisedAt: { $gte: q.since } });
  const filter = (and.length ? { $and: and } : {}) as mongo.Filter<AlertDocument>;
  return alertDocuments(conn).find(filter).sort({ raisedAt: -1 }).limit(q.limit).toArray();
}
