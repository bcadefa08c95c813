import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { agencyFilter } from './agency-filter.mongo';
import { publicData, type AlertView, type DossierView, type ReportingReadModel } from '../domain/dossier-view';

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d == null ? null : new Date(d as string).toISOString());
const text = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));

/**
 * Reads the collections written by workflow (dossiers) and sla (alerts). Reporting never
 * writes them; it goes through the native collection API because the schemas belong to their
 * writers.
 */
export function createMongoReadModel(conn: Connection): ReportingReadModel {
  const dossiers = conn.collection(COLLECTIONS.dossiers);
  const alerts = conn.collection(COLLECTIONS.alerts);
  return {
    async findDossier(code) {
      // Only what the view shows is read: the state, findings and deadlines stay in the store.
      const d = await dossiers.findOne({ _id: code } as never, {
        projection: { agencyCode: 1, procedureCode: 1, phase: 1, statusCode: 1, receivedAt: 1, dueAt: 1, overdue: 1, overdueAt: 1, closedAt: 1, history: 1 },
      });
      if (!d) return null;
      // Workflow stores the history already in event order.
      const history = Array.isArray(d['history']) ? (d['history'] as Array<Record<string, unknown>>) : [];
      return {
        code: String(d._id),
        agencyCode: typeof d['agencyCode'] === 'string' ? d['agencyCode'] : null,
        procedureCode: typeof d['procedureCode'] === 'string' ? d['procedureCode'] : null,
        status: String(d['phase']),
        statusCode: typeof d['statusCode'] === 'number' ? d['statusCode'] : null,
        receivedAt: iso(d['receivedAt']),
        dueAt: iso(d['dueAt']),
        overdue: Boolean(d['overdue']),
        overdueAt: iso(d['overdueAt']),
        closedAt: iso(d['closedAt']),
        history: history.map((f) => ({ id: text(f['id']), source: text(f['source']), type: text(f['type']), time: text(f['time']), occurredAt: text(f['occurredAt']), data: publicData(text(f['type']), f['data']) })),
      } satisfies DossierView;
    },
    async listAlerts(q) {
      const and: Array<Record<string, unknown>> = [];
      const agency = agencyFilter(q.scope);
      if (agency) and.push(agency);
      if (q.dossierCode) and.push({ dossierCode: q.dossierCode });
      if (q.type) and.push({ type: q.type });
      if (q.since) and.push({ raisedAt: { $gte: q.since } });
      const docs = await alerts
        .find((and.length ? { $and: and } : {}) as never)
        .sort({ raisedAt: -1 })
        .limit(q.limit)
        .toArray();
      return docs.map(
        (a): AlertView => ({
          id: String(a._id),
          type: String(a['type']),
          dossierCode: String(a['dossierCode']),
          agencyCode: (a['agencyCode'] as string | null) ?? null,
          dueAt: iso(a['dueAt'])!,
          raisedAt: iso(a['raisedAt'])!,
        }),
      );
    },
  };
}
