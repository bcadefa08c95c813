import type { Connection } from 'mongoose';
import { listCalendarAudits, listOpenSubjects, openSubjectBatches, subjectsFor } from '@tthc/read-models';
import { agencyFilter } from './agency-filter.mongo';
import type { CalendarAuditQuery, DossierListQuery, MetricsReadModel } from '../domain/metrics-read-model';

/** Reads workflow's dossiers and calendar audits through the queries `@tthc/read-models` declares. */
export function createMongoMetricsReadModel(conn: Connection): MetricsReadModel {
  return {
    subjectsFor: (window, scope) => subjectsFor(conn, window, agencyFilter(scope)),
    listOpenSubjects: ({ scope, ...q }: DossierListQuery) => listOpenSubjects(conn, { ...q, agencies: agencyFilter(scope) }),
    openSubjectBatches: ({ scope, ...q }, limit) => openSubjectBatches(conn, { ...q, agencies: agencyFilter(scope) }, limit),
    async listCalendarAudits(q: CalendarAuditQuery) {
      const { total, items } = await listCalendarAudits(conn, q);
      return {
        total,
        items: items.map((d) => ({
          _id: String(d._id),
          calendarId: d.calendarId ?? '',
          fromVersion: d.fromVersion ?? null,
          toVersion: d.toVersion ?? '',
          appliedAt: d.appliedAt instanceof Date ? d.appliedAt.toISOString() : String(d.appliedAt ?? ''),
          affected: Array.isArray(d.affected) ? d.affected : [],
          unchangedOpenCount: Number(d.unchangedOpenCount ?? 0),
        })),
      };
    },
  };
}
