import type { Connection } from 'mongoose';
import { findSubject, isoOf, listAlerts } from '@tthc/read-models';
import { agencyFilter } from './agency-filter.mongo';
import type { StoredCase, StoredCaseFinding } from '../domain/case-record.use-case';
import type { AlertView, ReportingReadModel } from '../domain/dossier-view';

const text = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));

const orNull = (v: unknown) => (typeof v === 'string' ? v : null);

/** Stored findings as the record reads them; an entry without a code names nothing and is skipped. */
function findingsOf(stored: unknown): StoredCaseFinding[] {
  if (!Array.isArray(stored)) return [];
  return stored
    .filter((f): f is Record<string, unknown> => typeof f === 'object' && f !== null && typeof (f as { code?: unknown }).code === 'string')
    .map((f) => ({ code: String(f.code), detail: text(f.detail), factKey: orNull(f.factKey), at: orNull(f.at) }));
}

/**
 * Reads the collections written by workflow (dossiers) and sla (alerts) through the queries
 * their writers declare in `@tthc/read-models`; reporting never writes them.
 */
export function createMongoReadModel(conn: Connection): ReportingReadModel {
  return {
    async findCase(code) {
      const d = await findSubject(conn, code, [
        'subject', 'agencyCode', 'procedureCode', 'phase', 'statusCode', 'receivedAt', 'dueAt', 'closedAt', 'endAt', 'overdue', 'overdueAt', 'atRisk', 'paused', 'timeliness', 'deadlines', 'findings', 'state', 'history',
      ]);
      if (!d) return null;
      const state = (d.state ?? {}) as Record<string, unknown>;
      // Documents written before subjects had a kind are dossiers.
      const subject = d.subject === 'petition' || state.subject === 'petition' ? 'petition' : 'dossier';
      return {
        code: String(d._id),
        subject,
        agencyCode: typeof d.agencyCode === 'string' ? d.agencyCode : null,
        procedureCode: typeof d.procedureCode === 'string' ? d.procedureCode : null,
        phase: String(d.phase),
        statusCode: typeof d.statusCode === 'number' ? d.statusCode : null,
        receivedAt: isoOf(d.receivedAt),
        dueAt: isoOf(d.dueAt),
        closedAt: isoOf(d.closedAt),
        endAt: isoOf(d.endAt),
        overdue: Boolean(d.overdue),
        overdueAt: isoOf(d.overdueAt),
        atRisk: Boolean(d.atRisk),
        paused: Boolean(d.paused),
        timeliness: d.timeliness ?? null,
        deadlines: Array.isArray(d.deadlines) ? d.deadlines : [],
        findings: findingsOf(d.findings),
        state,
        // Workflow stores the history already in event order.
        history: (Array.isArray(d.history) ? d.history : []).map((f) => ({ ...(typeof f.key === 'string' ? { key: f.key } : {}), id: text(f.id), source: text(f.source), type: text(f.type), time: text(f.time), occurredAt: text(f.occurredAt), data: f.data })),
      } satisfies StoredCase;
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
