/**
 * What a stored catalog version looks like and the read port over the store. They live on the
 * pure side so HTTP routes and domain code can depend on the port while only the wiring
 * (app.ts) reaches for the MongoDB implementation in `@tthc/catalog/storage`.
 */
import type { CatalogEntry, ProcedureFilter } from './catalog';

export interface StoredProcedure extends CatalogEntry {
  readonly key: string;
  readonly catalogLabel: string | null;
  readonly effectiveFrom: string | null;
  readonly effectiveSince: Date;
  readonly current: boolean;
  readonly importedAt: Date;
  readonly updatedAt: Date;
}

export interface StoredProcedureFilter extends ProcedureFilter {
  /** List the versions in force at this instant (default: now). */
  readonly at?: Date;
}

/** Reads of the stored catalog: the version in force at an instant. */
export interface ProcedureStore {
  /** The version of `code` in force at `at` (default: now), or null. */
  find(code: string, at?: Date): Promise<StoredProcedure | null>;
  /** The procedures in force at `filter.at`, one version per code, ordered by code. */
  list(filter?: StoredProcedureFilter): Promise<StoredProcedure[]>;
}
