/**
 * The catalog in MongoDB. Every version of a procedure is kept, keyed `${code}@${version}`,
 * because a dossier is judged by the instrument in force when it was received (docs/legal-rules.md
 * rule 1): a catalog amended in March must not move the deadline of a dossier received in
 * February.
 */
import { createHash } from 'node:crypto';

import { canonicalJson } from '@tthc/calendar';
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '@tthc/platform';

import { Catalog } from './catalog';
import type { ProcedureStore, StoredProcedure, StoredProcedureFilter } from './procedure-store';
import type { CatalogFile, Procedure } from './procedure.schema';

/** Not in `@tthc/contracts` COLLECTIONS yet; the catalog package is its only writer. */
export const PROCEDURES_COLLECTION = 'procedures';

// A catalog date is a date of Vietnamese law: it starts at midnight in Vietnam, which has kept
// UTC+07:00 without daylight saving since 1975.
const LEGAL_DATE_OFFSET = '+07:00';

interface ProcedureDoc {
  /** `${code}@${catalogVersion}` */
  _id: string;
  code: string;
  catalogId: string;
  catalogVersion: string;
  catalogLabel: string | null;
  procedure: Procedure;
  effectiveFrom: string | null;
  /** When this version takes effect: `effectiveFrom` at 00:00 +07:00, else its first import. */
  effectiveSince: Date;
  contentHash: string;
  /** The newest version of the code (latest `effectiveSince`), whether or not in force yet. */
  current: boolean;
  importedAt: Date;
  updatedAt: Date;
}

const procedureSchema = new Schema<ProcedureDoc>(
  {
    _id: { type: String },
    code: { type: String, required: true },
    catalogId: { type: String, required: true },
    catalogVersion: { type: String, required: true },
    catalogLabel: { type: String, default: null },
    procedure: { type: Schema.Types.Mixed, required: true },
    effectiveFrom: { type: String, default: null },
    effectiveSince: { type: Date, required: true },
    contentHash: { type: String, required: true },
    current: { type: Boolean, default: false },
    importedAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: PROCEDURES_COLLECTION, versionKey: false, minimize: false },
);
// Serves findProcedure: the latest version of a code that took effect before an instant.
procedureSchema.index({ code: 1, effectiveSince: -1 });

export function procedureModel(conn: Connection): Model<ProcedureDoc> {
  return modelOn<ProcedureDoc>(conn, 'CatalogProcedure', procedureSchema);
}

/**
 * Creates the collection and its indexes. `connectMongo` opens connections with autoIndex off,
 * and then `Model.init()` alone builds no index, so they are created explicitly here.
 */
export async function ensureProcedureIndexes(conn: Connection): Promise<void> {
  const model = procedureModel(conn);
  await model.init();
  await model.createIndexes();
}

export interface ImportResult {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Things the operator should know: content changed under an unchanged version, … */
  readonly warnings: readonly string[];
}

export interface ImportOptions {
  /** The import instant (tests); defaults to now. */
  readonly now?: Date;
}

export const procedureKey = (code: string, version: string): string => `${code}@${version}`;

function legalMidnight(date: string): Date {
  return new Date(`${date}T00:00:00${LEGAL_DATE_OFFSET}`);
}

// A zod result can carry `undefined` members, which BSON would store as null and the hash
// would not see; a JSON round trip gives the stored and the hashed form the same shape.
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function toStored(doc: ProcedureDoc): StoredProcedure {
  return {
    key: doc._id,
    procedure: doc.procedure,
    catalogId: doc.catalogId,
    catalogVersion: doc.catalogVersion,
    catalogLabel: doc.catalogLabel,
    effectiveFrom: doc.effectiveFrom,
    effectiveSince: new Date(doc.effectiveSince),
    current: doc.current,
    importedAt: new Date(doc.importedAt),
    updatedAt: new Date(doc.updatedAt),
  };
}

type Ranked = Pick<ProcedureDoc, '_id' | 'effectiveSince' | 'importedAt'>;

// Newest first: the later effective start wins; of two starting together, the later import.
function newerFirst(a: Ranked, b: Ranked): number {
  return (
    new Date(b.effectiveSince).getTime() - new Date(a.effectiveSince).getTime() ||
    new Date(b.importedAt).getTime() - new Date(a.importedAt).getTime() ||
    (a._id < b._id ? 1 : a._id > b._id ? -1 : 0)
  );
}

async function refreshCurrentFlags(model: Model<ProcedureDoc>, codes: readonly string[]): Promise<void> {
  if (codes.length === 0) return;
  const versions = await model
    .find({ code: { $in: codes } }, { code: 1, effectiveSince: 1, importedAt: 1, current: 1 })
    .lean<Pick<ProcedureDoc, '_id' | 'code' | 'effectiveSince' | 'importedAt' | 'current'>[]>()
    .exec();
  const byCode = new Map<string, typeof versions>();
  for (const version of versions) byCode.set(version.code, [...(byCode.get(version.code) ?? []), version]);
  const changes: { _id: string; current: boolean }[] = [];
  for (const list of byCode.values()) {
    const newest = [...list].sort(newerFirst)[0];
    for (const version of list) {
      const current = version._id === newest?._id;
      // Only flips are written, so a repeated import writes nothing at all.
      if (version.current !== current) changes.push({ _id: version._id, current });
    }
  }
  if (changes.length === 0) return;
  await model.collection.bulkWrite(
    changes.map(({ _id, current }) => ({ updateOne: { filter: { _id }, update: { $set: { current } } } })) as never,
    { ordered: false },
  );
}

/**
 * Stores every procedure of a catalog version. Idempotent: importing the same file again
 * changes nothing and reports every procedure as unchanged. A procedure whose content changed
 * under the same version is overwritten (counted as updated, with a warning), because the
 * version in the key is the operator's statement of which instrument this is.
 */
export async function importCatalog(conn: Connection, catalog: Catalog | CatalogFile, options: ImportOptions = {}): Promise<ImportResult> {
  const file = catalog instanceof Catalog ? catalog.file : catalog;
  const model = procedureModel(conn);
  await ensureProcedureIndexes(conn);
  const now = options.now ?? new Date();
  const label = file.label ?? null;
  const incoming = file.procedures.map((procedure) => {
    const stored = plain(procedure);
    const contentHash = createHash('sha256')
      .update(canonicalJson({ catalogId: file.catalogId, catalogLabel: label, procedure: stored }))
      .digest('hex');
    return { key: procedureKey(procedure.code, file.version), procedure: stored, contentHash };
  });
  const existing = await model
    .find({ _id: { $in: incoming.map((entry) => entry.key) } }, { contentHash: 1, importedAt: 1, catalogId: 1, current: 1 })
    .lean<Pick<ProcedureDoc, '_id' | 'contentHash' | 'importedAt' | 'catalogId' | 'current'>[]>()
    .exec();
  const previous = new Map(existing.map((doc) => [doc._id, doc]));

  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  const changedCodes: string[] = [];
  const fromOtherCatalog: string[] = [];
  const writes: ProcedureDoc[] = [];
  for (const { key, procedure, contentHash } of incoming) {
    const before = previous.get(key);
    if (before?.contentHash === contentHash) {
      unchanged++;
      continue;
    }
    if (before === undefined) inserted++;
    else {
      updated++;
      changedCodes.push(procedure.code);
      if (before.catalogId !== file.catalogId) fromOtherCatalog.push(`${procedure.code} (was ${before.catalogId})`);
    }
    const importedAt = before ? new Date(before.importedAt) : now;
    writes.push({
      _id: key,
      code: procedure.code,
      catalogId: file.catalogId,
      catalogVersion: file.version,
      catalogLabel: label,
      procedure,
      effectiveFrom: procedure.effectiveFrom ?? null,
      effectiveSince: procedure.effectiveFrom === undefined ? importedAt : legalMidnight(procedure.effectiveFrom),
      contentHash,
      current: before?.current ?? false,
      importedAt,
      updatedAt: now,
    });
  }
  if (writes.length > 0) {
    await model.collection.bulkWrite(
      writes.map((doc) => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } })) as never,
      { ordered: false },
    );
  }
  await refreshCurrentFlags(model, [...new Set(writes.map((doc) => doc.code))]);

  const warnings: string[] = [];
  if (changedCodes.length > 0) {
    warnings.push(
      `${changedCodes.length} procedure(s) changed under the unchanged version ${file.version} and were overwritten ` +
        `(${changedCodes.slice(0, 10).join(', ')}${changedCodes.length > 10 ? ', …' : ''}); give an amended catalog a new version to keep the old one`,
    );
  }
  if (fromOtherCatalog.length > 0) {
    warnings.push(`procedure code(s) previously imported from another catalog under the same version: ${fromOtherCatalog.slice(0, 10).join(', ')}`);
  }
  return { inserted, updated, unchanged, warnings };
}

/**
 * The version of a procedure in force at `at` (default: now): the one with the latest effective
 * start not after `at`. Null when the code is unknown or no version had taken effect by then.
 */
export async function findProcedure(conn: Connection, code: string, at: Date = new Date()): Promise<StoredProcedure | null> {
  const [doc] = await procedureModel(conn)
    .find({ code: code.trim(), effectiveSince: { $lte: at } })
    .sort({ effectiveSince: -1, importedAt: -1, _id: -1 })
    .limit(1)
    .lean<ProcedureDoc[]>()
    .exec();
  return doc ? toStored(doc) : null;
}

/**
 * `findProcedure` for many (code, instant) pairs in one query: every version of the codes asked
 * for is read once and the one in force at each instant picked with the same order.
 */
export async function findProceduresAt(conn: Connection, queries: ReadonlyArray<{ code: string; at: Date }>): Promise<Array<StoredProcedure | null>> {
  const codes = [...new Set(queries.map((q) => q.code.trim()))];
  const docs = await procedureModel(conn).find({ code: { $in: codes } }).lean<ProcedureDoc[]>().exec();
  const byCode = new Map<string, ProcedureDoc[]>();
  for (const doc of [...docs].sort(newerFirst)) byCode.set(doc.code, [...(byCode.get(doc.code) ?? []), doc]);
  return queries.map(({ code, at }) => {
    const inForce = byCode.get(code.trim())?.find((doc) => new Date(doc.effectiveSince).getTime() <= at.getTime());
    return inForce ? toStored(inForce) : null;
  });
}

/** Every stored version of a procedure, oldest effective start first. */
export async function listProcedureVersions(conn: Connection, code: string): Promise<StoredProcedure[]> {
  const docs = await procedureModel(conn).find({ code: code.trim() }).lean<ProcedureDoc[]>().exec();
  return docs.sort(newerFirst).reverse().map(toStored);
}

const fold = (text: string) => text.normalize('NFC').trim().toLocaleLowerCase('vi');

/** The procedures in force at `at`, one version per code, ordered by code. */
export async function listProcedures(conn: Connection, filter: StoredProcedureFilter = {}): Promise<StoredProcedure[]> {
  const at = filter.at ?? new Date();
  const docs = await procedureModel(conn).find({ effectiveSince: { $lte: at } }).lean<ProcedureDoc[]>().exec();
  const inForce = new Map<string, ProcedureDoc>();
  for (const doc of [...docs].sort(newerFirst)) if (!inForce.has(doc.code)) inForce.set(doc.code, doc);
  const field = filter.field === undefined ? undefined : fold(filter.field);
  return [...inForce.values()]
    // Filtered after choosing the version in force: an older version's level or field must not match.
    .filter((doc) => (field === undefined || fold(doc.procedure.field) === field) && (filter.level === undefined || doc.procedure.level === filter.level))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map(toStored);
}

/** The read port over one connection, for code that should not hold the connection itself. */
export function createMongoProcedureStore(conn: Connection): ProcedureStore {
  return {
    find: (code, at) => findProcedure(conn, code, at),
    list: (filter) => listProcedures(conn, filter),
  };
}
