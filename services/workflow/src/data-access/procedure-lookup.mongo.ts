import type { Connection } from 'mongoose';
import { findProcedure } from '@tthc/catalog/storage';
import type { ProcedureLookup } from '../domain/apply-fact.use-case';

/** The catalog version in force at reception, reduced to what a derivation needs. */
export function createProcedureLookup(conn: Connection): ProcedureLookup {
  return {
    async find(procedureCode, at) {
      const stored = await findProcedure(conn, procedureCode, new Date(at));
      if (!stored) return null;
      // Only the plain entry is kept in the fact; the stored record's Dates would not survive
      // the history's JSON round trip unchanged.
      return JSON.parse(JSON.stringify({ procedure: stored.procedure, catalogId: stored.catalogId, catalogVersion: stored.catalogVersion }));
    },
  };
}
