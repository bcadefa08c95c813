import { randomUUID } from 'node:crypto';
import { Schema, mongo, type Connection, type Model } from 'mongoose';
import { createBatcher, type Settled } from '@tthc/platform';
import { COLLECTIONS, type DeadlineEntryV1, type DossierPhase, type SubjectKind, type Timeliness } from '@tthc/contracts';
import type { SubjectDocument } from '@tthc/read-models';
import type { CalendarMove, CalendarPin, StoredSubject, SubjectRepository } from '../domain/apply-fact.use-case';
import type { OpenSubjectStore } from '../domain/recompute-calendar.use-case';
import type { UnknownSubjectStore } from '../domain/expire-unknown.use-case';
import { hasReception, type VersionBump } from '../domain/derive-subject';
import type { Fact, Finding, SubjectStateBase } from '../domain/subject';

/**
 * The derived state is stored whole (`state`) and its main fields again flat next to the
 * history, so that the reporting service can filter and sort (agency, phase, due date) without
 * replaying histories. Instants are Dates in the flat fields, ISO strings inside `state`.
 * Readers see the collection as `SubjectDocument` (`@tthc/read-models`); extending it makes a
 * field written here that the readers' type does not allow a compile error.
 */
interface SubjectDoc extends SubjectDocument {
  _id: string;
  code: string;
  subject: SubjectKind;
  revision: number;
  history: Fact[];
  state: SubjectStateBase;
  versionBumps: VersionBump[];
  lastCalendarMove: CalendarMove | null;
  frozenCalendars: CalendarPin[] | null;
  hasReception: boolean;
  firstStoredAt: Date;
  agencyCode: string | null;
  procedureCode: string | null;
  channel: string | null;
  phase: DossierPhase;
  statusCode: number | null;
  receivedAt: Date | null;
  dueAt: Date | null;
  deadlineVersion: number;
  closedAt: Date | null;
  endAt: Date | null;
  timeliness: Timeliness | null;
  paused: boolean;
  overdue: boolean;
  overdueAt: Date | null;
  atRisk: boolean;
  deadlines: DeadlineEntryV1[];
  findings: Finding[];
  updatedAt: Date;
  /** Names the write that produced this revision: tells a batched write whether it was the one that matched. */
  writeToken?: string;
}

const subjectSchema = new Schema<SubjectDoc>(
  {
    _id: { type: String },
    code: { type: String, required: true },
    subject: { type: String, required: true },
    revision: { type: Number, required: true },
    history: { type: Schema.Types.Mixed, default: [] },
    state: { type: Schema.Types.Mixed, required: true },
    versionBumps: { type: Schema.Types.Mixed, default: [] },
    lastCalendarMove: { type: Schema.Types.Mixed, default: null },
    frozenCalendars: { type: Schema.Types.Mixed, default: null },
    hasReception: { type: Boolean, required: true },
    firstStoredAt: { type: Date, required: true },
    agencyCode: { type: String, default: null },
    procedureCode: { type: String, default: null },
    channel: { type: String, default: null },
    phase: { type: String, required: true },
    statusCode: { type: Number, default: null },
    receivedAt: { type: Date, default: null },
    dueAt: { type: Date, default: null },
    deadlineVersion: { type: Number, default: 0 },
    closedAt: { type: Date, default: null },
    endAt: { type: Date, default: null },
    timeliness: { type: String, default: null },
    paused: { type: Boolean, default: false },
    overdue: { type: Boolean, default: false },
    overdueAt: { type: Date, default: null },
    atRisk: { type: Boolean, default: false },
    deadlines: { type: Schema.Types.Mixed, default: [] },
    findings: { type: Schema.Types.Mixed, default: [] },
    updatedAt: { type: Date, required: true },
    writeToken: { type: String },
  },
  { collection: COLLECTIONS.dossiers, versionKey: false, minimize: false },
);
// Serves the reporting lists: open dossiers of an agency ordered by due date.
subjectSchema.index({ agencyCode: 1, phase: 1, dueAt: 1 });
// Serves the compare-and-set write `{ _id, revision }`. MongoDB answers it from the _id index
// alone; the MongoDB-wire server used without Docker only uses an index whose keys match the
// filter, and would otherwise scan the collection on every write.
subjectSchema.index({ _id: 1, revision: 1 }, { unique: true });
// Serves the calendar recompute: every open subject.
subjectSchema.index({ phase: 1 });
// Serves the unknown-subject sweep.
subjectSchema.index({ hasReception: 1, firstStoredAt: 1 });

const toDate = (iso: string | null | undefined) => (iso == null ? null : new Date(iso));

function toDoc(d: StoredSubject): SubjectDoc {
  const s = d.state;
  // JSON round trip: `undefined` members would be stored as null and read back differently.
  const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  return {
    _id: d.code,
    code: d.code,
    subject: d.subject,
    revision: d.revision,
    history: plain(d.history),
    state: plain(s),
    versionBumps: d.versionBumps,
    lastCalendarMove: d.lastCalendarMove ?? null,
    frozenCalendars: d.frozenCalendars ?? null,
    hasReception: hasReception(d.history),
    firstStoredAt: new Date(d.firstStoredAt),
    agencyCode: s.agencyCode,
    procedureCode: s.procedureCode,
    channel: (s as { channel?: string | null }).channel ?? null,
    phase: s.phase,
    statusCode: s.statusCode,
    receivedAt: toDate(s.receivedAt),
    dueAt: toDate(s.dueAt),
    deadlineVersion: s.deadlineVersion,
    closedAt: toDate(s.closedAt),
    endAt: toDate(s.endAt),
    timeliness: s.timeliness,
    paused: s.paused,
    overdue: s.overdue,
    overdueAt: toDate(s.overdueAt),
    atRisk: s.atRisk,
    deadlines: plain(s.deadlines),
    findings: plain(s.findings),
    updatedAt: new Date(),
  };
}

function fromDoc(doc: SubjectDoc): StoredSubject {
  return {
    code: doc._id,
    subject: doc.subject,
    revision: doc.revision,
    history: doc.history,
    state: doc.state,
    versionBumps: doc.versionBumps ?? [],
    firstStoredAt: new Date(doc.firstStoredAt).toISOString(),
    ...(doc.lastCalendarMove ? { lastCalendarMove: doc.lastCalendarMove } : {}),
    ...(doc.frozenCalendars ? { frozenCalendars: doc.frozenCalendars } : {}),
  };
}

export function subjectModel(conn: Connection): Model<SubjectDoc> {
  return (conn.models['Subject'] as Model<SubjectDoc> | undefined) ?? conn.model<SubjectDoc>('Subject', subjectSchema);
}

export type SubjectStore = SubjectRepository & OpenSubjectStore & UnknownSubjectStore & { init(): Promise<void> };

type Write = { kind: 'insert'; doc: SubjectDoc } | { kind: 'replace'; doc: SubjectDoc; expectedRevision: number };

interface WriteFailure {
  index: number;
  code?: number;
  errmsg?: string;
}

interface BulkFailure {
  writeErrors?: WriteFailure[] | WriteFailure;
  result?: { matchedCount?: number };
}

/**
 * The consumer applies many subjects at once, each through find → derive → write. Their reads
 * become one `$in` query and their writes one unordered bulk write (the compare-and-set on the
 * revision stays per document), instead of a round trip each.
 */
export function createSubjectRepository(conn: Connection): SubjectStore {
  const model = subjectModel(conn);
  const findMany = createBatcher(async (codes: readonly string[]): Promise<Array<Settled<StoredSubject | null>>> => {
    // Through the model, not `model.collection.find`: while mongoose is disconnected the
    // collection's find answers a promise instead of a cursor, and `toArray` would then fail as
    // a TypeError, which reads as poison, instead of as the outage it is.
    const docs = await model.find({ _id: { $in: [...new Set(codes)] } }).lean<SubjectDoc[]>().exec();
    const byId = new Map(docs.map((d) => [String(d._id), d]));
    return codes.map((code) => {
      const doc = byId.get(code);
      return { value: doc ? fromDoc(doc) : null };
    });
  });
  const writeMany = createBatcher((writes: readonly Write[]) => bulkWrite(model, writes));
  return {
    async init() {
      await model.init();
      await model.createIndexes();
    },
    find: (code) => findMany(code),
    insert: (d) => writeMany({ kind: 'insert', doc: toDoc(d) }),
    replace: (d, expectedRevision) => writeMany({ kind: 'replace', doc: toDoc(d), expectedRevision }),
    async listOpenCodes() {
      const docs = await model.find({ phase: 'open' }, { _id: 1 }).lean<Array<{ _id: string }>>().exec();
      return docs.map((d) => String(d._id));
    },
    async listUnknownSince(cutoff, limit) {
      const docs = await model
        .find({ hasReception: false, firstStoredAt: { $lt: cutoff } })
        .limit(limit)
        .lean<SubjectDoc[]>()
        .exec();
      return docs.map(fromDoc);
    },
    async remove(code, revision) {
      const res = await model.collection.deleteOne({ _id: code, revision } as never);
      return res.deletedCount === 1;
    },
  };
}

/**
 * One unordered bulk write. An insert that finds the subject already there (duplicate key) and
 * an update whose revision moved on are `false` for their caller alone, as with one write each.
 * MongoDB reports only how many updates matched in all; when that falls short, the write tokens
 * read back say which ones did.
 */
async function bulkWrite(model: Model<SubjectDoc>, writes: readonly Write[]): Promise<Array<Settled<boolean>>> {
  const tokens = writes.map(() => randomUUID());
  const ops = writes.map((w, i) => {
    const doc = { ...w.doc, writeToken: tokens[i] };
    if (w.kind === 'insert') return { insertOne: { document: doc } };
    const { _id, ...fields } = doc;
    return { updateOne: { filter: { _id, revision: w.expectedRevision }, update: { $set: fields } } };
  });
  let matched: number;
  const failed = new Map<number, WriteFailure>();
  try {
    const res = await model.collection.bulkWrite(ops as never, { ordered: false });
    matched = res.matchedCount;
  } catch (err) {
    const bulk = err as BulkFailure;
    if (bulk.writeErrors === undefined) throw err;
    for (const e of Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors]) failed.set(e.index, e);
    matched = bulk.result?.matchedCount ?? -1;
  }
  const updates = writes.map((w, i) => (w.kind === 'replace' && !failed.has(i) ? i : -1)).filter((i) => i >= 0);
  let won: Set<number> | null = null;
  if (matched !== updates.length && updates.length > 0) {
    const ids = updates.map((i) => writes[i]!.doc._id);
    const now = await model.find({ _id: { $in: ids } }, { writeToken: 1 }).lean<Array<{ writeToken?: string }>>().exec();
    const current = new Set(now.map((d) => d.writeToken));
    won = new Set(updates.filter((i) => current.has(tokens[i])));
  }
  return writes.map((w, i): Settled<boolean> => {
    const failure = failed.get(i);
    if (failure) {
      if (w.kind === 'insert' && failure.code === 11000) return { value: false };
      // The server's own error, so the consumer classifies it as it would a single write's.
      return { error: new mongo.MongoServerError({ message: `write of subject ${w.doc._id} failed: ${failure.errmsg ?? 'unknown'}`, errmsg: failure.errmsg, code: failure.code }) };
    }
    return { value: w.kind === 'insert' || won === null || won.has(i) };
  });
}
