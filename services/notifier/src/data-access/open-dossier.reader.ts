import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import type { DigestItem, OpenDossierReader } from '../domain/notification';

interface DossierDoc {
  _id: string;
  code?: string;
  agencyCode?: string | null;
  procedureCode?: string | null;
  phase?: string;
  dueAt?: Date | null;
  overdue?: boolean;
  atRisk?: boolean;
}

/**
 * Reads the workflow's dossiers (never writes them). Older documents may lack `code` (the
 * `_id` is the code) and `atRisk` (treated as not at risk).
 */
export function createOpenDossierReader(conn: Connection, opts: { limit?: number } = {}): OpenDossierReader {
  return {
    async overdueOrAtRisk({ agencies }) {
      const filter: Record<string, unknown> = { phase: { $ne: 'closed' }, $or: [{ overdue: true }, { atRisk: true }] };
      if (agencies !== '*') filter.agencyCode = { $in: agencies };
      const docs = (await conn
        .collection(COLLECTIONS.dossiers)
        .find(filter, { projection: { history: 0 } })
        .sort({ dueAt: 1 })
        .limit(opts.limit ?? 500)
        .toArray()) as unknown as DossierDoc[];
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
    async isClosed(code) {
      const doc = await conn.collection(COLLECTIONS.dossiers).findOne({ _id: code as never }, { projection: { phase: 1 } });
      return doc?.phase === 'closed';
    },
  };
}
