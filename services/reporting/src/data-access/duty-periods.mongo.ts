import type { Connection } from 'mongoose';
import { listDutyPeriods } from '@tthc/read-models';
import { dutyStatus, type DutyReadModel } from '../domain/duty-view';
import { agencyFilter } from './agency-filter.mongo';

/** Reads sla's `duty_periods` through the query it declares in `@tthc/read-models`. */
export function createMongoDutyReadModel(conn: Connection): DutyReadModel {
  return {
    async listDuties(q) {
      const docs = await listDutyPeriods(conn, { agencies: agencyFilter(q.scope), ...(q.status ? { status: q.status } : {}), now: q.now, limit: q.limit });
      return docs.map((d) => ({
        code: d._id,
        dutyId: d.dutyId,
        title: { vi: d.title.vi, en: d.title.en },
        legalBasis: d.legalBasis,
        agencyCode: d.agencyCode,
        period: d.period,
        startDate: d.startDate,
        endDate: d.endDate,
        dueAt: d.dueAt.toISOString(),
        status: dutyStatus({ fulfilled: d.fulfilment !== null, dueAt: d.dueAt }, q.now),
        // Who sent it (key id, source) stays in the store: the reader needs the evidence only.
        fulfilment: d.fulfilment ? { date: d.fulfilment.date, minutes: d.fulfilment.minutes, link: d.fulfilment.link } : null,
      }));
    },
  };
}
