import type { Connection } from 'mongoose';
import { createBatcher } from '@tthc/platform';
import { findProceduresAt } from '@tthc/catalog/storage';
import type { ProcedureLookup } from '../domain/apply-fact.use-case';

/**
 * The catalog version in force at reception, reduced to what a derivation needs. The lookups of
 * the receptions applied together are one query; nothing is cached, so an import is seen at once.
 */
export function createProcedureLookup(conn: Connection): ProcedureLookup {
  const lookup = createBatcher(async (queries: ReadonlyArray<{ code: string; at: Date }>) => {
    const found = await findProceduresAt(conn, queries);
    // Only the plain entry is kept in the fact; the stored record's Dates would not survive
    // the history's JSON round trip unchanged.
    return found.map((stored) => ({
      value: stored ? JSON.parse(JSON.stringify({ procedure: stored.procedure, catalogId: stored.catalogId, catalogVersion: stored.catalogVersion })) : null,
    }));
  }, { dependency: 'mongodb' });
  return { find: (procedureCode, at) => lookup({ code: procedureCode, at: new Date(at) }) };
}
