import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { toSubjectRecord, type SubjectRecord } from '@tthc/metrics';
import { agencyFilter } from './agency-filter.mongo';
import type { CalendarAuditQuery, DossierListQuery, MetricsReadModel, Page } from '../domain/metrics-read-model';

/**
 * Dates are Dates in documents written by workflow, but older documents may hold ISO strings;
 * MongoDB compares values of one type only, so both forms are asked for.
 */
const before = (field: string, at: Date) => [{ [field]: { $lt: at } }, { [field]: { $lt: at.toISOString() } }];
const notBefore = (field: string, at: Date) => [{ [field]: { $gte: at } }, { [field]: { $gte: at.toISOString() } }];

// History and findings can be large and are never needed for counting.
const COUNTING_PROJECTION = { history: 0, findings: 0, versionBumps: 0, deadlines: 0 };

export function createMongoMetricsReadModel(conn: Connection): MetricsReadModel {
  const dossiers = conn.collection(COLLECTIONS.dossiers);
  const audits = conn.collection(COLLECTIONS.calendarAudits);
  return {
    async subjectsFor({ openSince, end }, scope) {
      const and: Array<Record<string, unknown>> = [
        { $or: before('receivedAt', end) },
        { $or: [{ phase: { $ne: 'closed' } }, ...notBefore('endAt', openSince), ...notBefore('closedAt', openSince)] },
      ];
      const agency = agencyFilter(scope);
      if (agency) and.push(agency);
      const out: SubjectRecord[] = [];
      for await (const doc of dossiers.find({ $and: and } as never, { projection: COUNTING_PROJECTION })) {
        const r = toSubjectRecord(doc as Record<string, unknown>);
        if (r) out.push(r);
      }
      return out;
    },
    async listOpenSubjects(q: DossierListQuery): Promise<Page<SubjectRecord>> {
      // A subject without an agency is shown to nobody (no key can be checked against it), so
      // it is left out of the total too.
      const and: Array<Record<string, unknown>> = [{ phase: 'open' }, { agencyCode: { $nin: [null, ''] } }];
      const agency = agencyFilter(q.scope);
      if (agency) and.push(agency);
      if (q.procedureCode) and.push({ procedureCode: q.procedureCode });
      if (q.subject === 'petition') and.push({ subject: 'petition' });
      if (q.subject === 'dossier') and.push({ subject: { $ne: 'petition' } });
      if (q.overdue !== undefined) and.push(q.overdue ? { overdue: true } : { overdue: { $ne: true } });
      if (q.atRisk !== undefined) {
        const dueSoon = q.atRiskDueBefore ? before('dueAt', q.atRiskDueBefore) : [];
        and.push(q.atRisk ? { overdue: { $ne: true }, $or: [{ atRisk: true }, ...dueSoon] } : { atRisk: { $ne: true } });
      }
      const filter = { $and: and } as never;
      const [total, docs] = await Promise.all([
        dossiers.countDocuments(filter),
        dossiers
          .find(filter, { projection: COUNTING_PROJECTION })
          .sort({ dueAt: 1, _id: 1 })
          .skip((q.page - 1) * q.pageSize)
          .limit(q.pageSize)
          .toArray(),
      ]);
      return { total, items: docs.map((d) => toSubjectRecord(d as Record<string, unknown>)).filter((r): r is SubjectRecord => r !== null) };
    },
    async listCalendarAudits(q: CalendarAuditQuery) {
      const filter = (q.calendarId ? { calendarId: q.calendarId } : {}) as never;
      const [total, docs] = await Promise.all([
        audits.countDocuments(filter),
        audits.find(filter).sort({ appliedAt: -1, _id: 1 }).skip((q.page - 1) * q.pageSize).limit(q.pageSize).toArray(),
      ]);
      return {
        total,
        items: docs.map((d) => {
          const appliedAt = d['appliedAt'];
          return {
            _id: String(d._id),
            calendarId: String(d['calendarId'] ?? ''),
            fromVersion: (d['fromVersion'] as string | null | undefined) ?? null,
            toVersion: String(d['toVersion'] ?? ''),
            appliedAt: appliedAt instanceof Date ? appliedAt.toISOString() : String(appliedAt ?? ''),
            affected: Array.isArray(d['affected']) ? (d['affected'] as Array<Record<string, unknown>>) : [],
            unchangedOpenCount: Number(d['unchangedOpenCount'] ?? 0),
          };
        }),
      };
    },
  };
}
