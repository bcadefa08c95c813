/**
 * `@tthc/catalog/storage`: the versioned MongoDB store of the catalog. A separate entry point
 * because it loads mongoose; only data-access code and wiring import it.
 */
export {
  PROCEDURES_COLLECTION,
  createMongoProcedureStore,
  ensureProcedureIndexes,
  findProcedure,
  findProceduresAt,
  importCatalog,
  listProcedureVersions,
  listProcedures,
  procedureKey,
  procedureModel,
  type ImportOptions,
  type ImportResult,
} from './procedure.repository';
export type { ProcedureStore, StoredProcedure, StoredProcedureFilter } from './procedure-store';
