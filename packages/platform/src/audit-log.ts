import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { canAccessAgency, type AgencyScope } from './http/api-keys';

/**
 * One configuration write: who (a key id, never the key; or `cli:<user>` for the operator
 * commands), when, what and on which target. The reform office reads them through reporting.
 */
export interface AuditEntry {
  id: string;
  at: Date;
  /** `key:<keyId>` or `cli:<os user>`. */
  actor: string;
  /** The key's role, or `operator` for a command. */
  role: string;
  /** e.g. `subscription.created`, `alert.acknowledged`, `catalog.imported`, `calendar.applied`. */
  action: string;
  /** What was written: a subscription id, an alert id, a catalog version, a calendar version. */
  target: string;
  /** The agency the write concerns, when one does; scopes who may read the entry. */
  agencyCode: string | null;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  scope: AgencyScope;
  action?: string;
  since?: Date;
  page: number;
  pageSize: number;
}

export interface AuditLog {
  record(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: Date }): Promise<void>;
  list(q: AuditQuery): Promise<{ items: AuditEntry[]; total: number }>;
  init(): Promise<void>;
}

type AuditDoc = Omit<AuditEntry, 'id'> & { _id: string };

export function createAuditLog(conn: Connection): AuditLog {
  const col = conn.collection<AuditDoc>(COLLECTIONS.auditLog);
  return {
    async init() {
      await col.createIndex({ at: -1 });
      await col.createIndex({ action: 1, at: -1 });
    },
    async record(entry) {
      await col.insertOne({ _id: randomUUID(), at: entry.at ?? new Date(), actor: entry.actor, role: entry.role, action: entry.action, target: entry.target, agencyCode: entry.agencyCode, details: entry.details });
    },
    async list(q) {
      const filter: Record<string, unknown> = {};
      if (q.action) filter['action'] = q.action;
      if (q.since) filter['at'] = { $gte: q.since };
      // Entries without an agency (catalog, calendar) concern everybody the reader covers.
      const docs = await col.find(filter as never).sort({ at: -1 }).toArray();
      const visible = docs.filter((d) => (d.agencyCode === null ? true : d.agencyCode === '*' ? q.scope.agencies === '*' : canAccessAgency(q.scope, d.agencyCode)));
      const start = (q.page - 1) * q.pageSize;
      return {
        total: visible.length,
        items: visible.slice(start, start + q.pageSize).map(({ _id, ...rest }) => ({ id: _id, ...rest })),
      };
    },
  };
}
