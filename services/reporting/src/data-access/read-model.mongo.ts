import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { publicData, type AlertView, type DossierView, type HistoryEntryView, type ReportingReadModel } from '../domain/dossier-view';

/** A history entry as workflow stores it: the public view's fields, with personal data still in. */
type StoredFact = HistoryEntryView;

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d == null ? null : new Date(d as string).toISOString());

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
      const d = await dossiers.findOne({ _id: code } as never);
      if (!d) return null;
      // Workflow stores the history already in event order.
      const history = (d['history'] as StoredFact[] | undefined) ?? [];
      return {
        code: String(d._id),
        agencyCode: (d['agencyCode'] as string | null) ?? null,
        procedureCode: (d['procedureCode'] as string | null) ?? null,
        status: String(d['phase']),
        statusCode: (d['statusCode'] as number | null) ?? null,
        receivedAt: iso(d['receivedAt']),
        dueAt: iso(d['dueAt']),
        overdue: Boolean(d['overdue']),
        overdueAt: iso(d['overdueAt']),
        closedAt: iso(d['closedAt']),
        history: history.map((f) => ({ id: f.id, source: f.source, type: f.type, time: f.time, occurredAt: f.occurredAt, data: publicData(f.data) })),
      } satisfies DossierView;
    },
    async listAlerts(q) {
      const filter: Record<string, unknown> = {};
      if (q.agencies !== '*') {
        const escape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        filter['$or'] = [{ agencyCode: { $in: [...q.agencies] } }, ...(q.agencyPrefixes ?? []).map((p) => ({ agencyCode: { $regex: `^${escape(p)}` } }))];
      }
      if (q.dossierCode) filter['dossierCode'] = q.dossierCode;
      if (q.type) filter['type'] = q.type;
      if (q.since) filter['raisedAt'] = { $gte: q.since };
      const docs = await alerts.find(filter).sort({ raisedAt: -1 }).limit(q.limit).toArray();
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
