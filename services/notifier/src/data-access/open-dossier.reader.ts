import type { Connection } from 'mongoose';
import { isDutyPeriodCode } from '@tthc/contracts';
import { isDutyPeriodFulfilled, isSubjectClosed, listOverdueOrAtRisk } from '@tthc/read-models';
import type { DigestItem, OpenDossierReader } from '../domain/notification';

/**
 * Reads the workflow's dossiers and sla's duty periods (never writes them). Older documents may lack `code` (the
 * `_id` is the code) and `atRisk` (treated as not at risk).
 */
export function createOpenDossierReader(conn: Connection, opts: { limit?: number } = {}): OpenDossierReader {
  return {
    async overdueOrAtRisk({ agencies }) {
      const docs = await listOverdueOrAtRisk(conn, { agencyCodes: agencies, limit: opts.limit ?? 500 });
      return docs.map(
        (d): DigestItem => ({
          dossierCode: d.code ?? d._id,
          procedureCode: d.procedureCode ?? null,
          agencyCode: d.agencyCode ?? null,
          dueAt: d.dueAt ? new Date(d.dueAt) : null,
          overdue: d.overdue === true,
        }),
      );
    },
    // A duty period is no subject of workflow's: it is settled by its fulfilment, which sla records.
    isClosed: (code) => (isDutyPeriodCode(code) ? isDutyPeriodFulfilled(conn, code) : isSubjectClosed(conn, code)),
  };
}
