import type { Connection } from 'mongoose';
import { findSubject, isoOf, listAlerts } from '@tthc/read-models';
import { agencyFilter } from './agency-filter.mongo';
import { publicData, type AlertView, type DossierView, type ReportingReadModel } from '../domain/dossier-view';

const text = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));

/**
 * Reads the collections written by workflow (dossiers) and sla (alerts) through the queries
 * their writers declare in `@tthc/read-models`; reporting never writes them.
 */
export function createMongoReadModel(conn: Connection): ReportingReadModel {
  return {
    async findDossier(code) {
      // Only what the view shows is read: the state, findings and deadlines stay in the store.
      const d = await findSubject(conn, code, ['agencyCode', 'procedureCode', 'phase', 'statusCode', 'receivedAt', 'dueAt', 'overdue', 'overdueAt', 'closedAt', 'history']);
      if (!d) return null;
      // Workflow stores the history already in event order.
      const history = Array.isArray(d.history) ? d.history : [];
      return {
        code: String(d._id),
        agencyCode: typeof d.agencyCode === 'string' ? d.agencyCode : null,
        procedureCode: typeof d.procedureCode === 'string' ? d.procedureCode : null,
        status: String(d.phase),
        statusCode: typeof d.statusCode === 'number' ? d.statusCode : null,
        receivedAt: isoOf(d.receivedAt),
        dueAt: isoOf(d.dueAt),
        overdue: Boolean(d.overdue),
        overdueAt: isoOf(d.overdueAt),
        closedAt: isoOf(d.closedAt),
        history: history.map((f) => ({ id: text(f.id), source: text(f.source), type: text(f.type), time: text(f.time), occurredAt: text(f.occurredAt), data: publicData(text(f.type), f.data) })),
      } satisfies DossierView;
    },
    async listAlerts(q) {
      const docs = await listAlerts(conn, {
        agencies: agencyFilter(q.scope),
        ...(q.dossierCode ? { dossierCode: q.dossierCode } : {}),
        ...(q.type ? { type: q.type } : {}),
        ...(q.since ? { since: q.since } : {}),
        limit: q.limit,
      });
      return docs.map(
        (a): AlertView => ({
          id: String(a._id),
          type: String(a.type),
          dossierCode: String(a.dossierCode),
          agencyCode: a.agencyCode ?? null,
          dueAt: isoOf(a.dueAt)!,
          raisedAt: isoOf(a.raisedAt)!,
        }),
      );
    },
  };
}
