import { Schema, type Connection, type Model } from 'mongoose';
import { changedFields, createDocumentBatcher, jsonCopy, modelOn } from '@tthc/platform';
import { COLLECTIONS, type DeadlineEntryV1, type DossierPhase, type SubjectKind, type Timeliness } from '@tthc/contracts';
import type { SubjectDocument } from '@tthc/read-models';
import type { CalendarMove, CalendarPin, StoredSubject, SubjectRecord, SubjectRepository } from '../domain/apply-fact.use-case';
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
  lastRatedAt: Date | null;
  concernsDossierCode: string | null;
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
    lastRatedAt: { type: Date, default: null },
    concernsDossierCode: { type: String, default: null },
    updatedAt: { type: Date, required: true },
    writeToken: { type: String },
  },
  { collection: COLLECTIONS.dossiers, versionKey: false, minimize: false },
);
// Serves the reporting lists: open dossiers of an agency ordered by due date.
subjectSchema.index({ agencyCode: 1, phase: 1, dueAt: 1 });
// Serves the open lists read on by cursor (reporting's `GET /v1/dossiers?cursor=`): open
// subjects in due order, then code, from a position.
subjectSchema.index({ phase: 1, dueAt: 1, _id: 1 });
// Serves the overdue list (the dashboard's overdue table, `?overdue=true`) and its total: the
// open subjects past due, a small part of the open ones, in due order.
subjectSchema.index({ phase: 1, overdue: 1, dueAt: 1, _id: 1 });
// The overdue list of a key's agencies. Its total is counted from the entries alone (MongoDB's
// COUNT_SCAN), for one agency, a list of them or an agency prefix (a province's key); counted
// through the index above, every candidate of a province was read and matched against the
// scope. One agency's rows come from it in due order as well. `atRisk` comes after `_id`, where
// it changes no order, so that the at-risk list's total (open, not overdue, in scope, and at risk
// or due before a period ends with its clock running) is counted over these entries without
// reading a subject; `paused` and `endAt` last for the same reason.
subjectSchema.index({ phase: 1, overdue: 1, agencyCode: 1, dueAt: 1, _id: 1, atRisk: 1, paused: 1, endAt: 1 });
// Indexes earlier releases declared that one above now covers: left in place, every write would
// still keep them up to date.
const SUPERSEDED_INDEXES = ['phase_1_overdue_1_agencyCode_1_dueAt_1__id_1_atRisk_1', 'phase_1_overdue_1_agencyCode_1_dueAt_1__id_1_atRisk_1_paused_1'];
const unlessIndexGone = (err: unknown) => {
  if ((err as { code?: unknown }).code !== 27) throw err; // IndexNotFound
};
// Serves the compare-and-set write `{ _id, revision }`. MongoDB answers it from the _id index
// alone; the MongoDB-wire server used without Docker only uses an index whose keys match the
// filter, and would otherwise scan the collection on every write.
subjectSchema.index({ _id: 1, revision: 1 }, { unique: true });
// Serves the calendar recompute: every open subject.
subjectSchema.index({ phase: 1 });
// Serve the periods' reads (sla's delay counts, reporting's late-case metrics): the subjects
// closed since a period began, by either end instant (`subjectsFor`). Without them a month's
// read walks every closed subject of the year.
subjectSchema.index({ phase: 1, endAt: 1 });
subjectSchema.index({ phase: 1, closedAt: 1 });
// Serves the unknown-subject sweep.
subjectSchema.index({ hasReception: 1, firstStoredAt: 1 });
// Serve reporting's satisfaction count: dossiers rated in a period, petitions naming a dossier.
subjectSchema.index({ lastRatedAt: 1 });
subjectSchema.index({ concernsDossierCode: 1 });

const toDate = (iso: string | null | undefined) => (iso == null ? null : new Date(iso));
const lastOf = <T>(list: readonly T[] | undefined): T | undefined => list?.[list.length - 1];

// As a JSON round trip: `undefined` members would be stored as null and read back differently.
const plain = jsonCopy;

/**
 * The facts `next` adds at the end of `previous`'s history, or null when it changed otherwise
 * (a fact placed before others, an evicted one). The domain keeps the stored fact objects it
 * read, so an unchanged prefix is recognised by identity; a copy only costs the shortcut.
 */
function appendedFacts(previous: readonly Fact[], next: readonly Fact[]): Fact[] | null {
  if (next.length < previous.length) return null;
  for (let i = 0; i < previous.length; i++) if (next[i] !== previous[i]) return null;
  return next.slice(previous.length);
}

function toDoc(d: StoredSubject): SubjectDoc {
  const s = d.state;
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
    lastRatedAt: toDate(lastOf((s as { ratings?: Array<{ ratedAt: string }> }).ratings)?.ratedAt),
    concernsDossierCode: (s as { concernsDossierCode?: string | null }).concernsDossierCode ?? null,
    updatedAt: new Date(),
  };
}

/** The subject as `findRecord` reads it: every field but the stored state. */
function recordFromDoc(doc: Omit<SubjectDoc, 'state'>): SubjectRecord {
  return {
    code: doc._id,
    subject: doc.subject,
    revision: doc.revision,
    history: doc.history,
    versionBumps: doc.versionBumps ?? [],
    firstStoredAt: new Date(doc.firstStoredAt).toISOString(),
    // The flat fields as published, which the next revision's deadline stamps are carried from.
    tracked: { subject: doc.subject, agencyCode: doc.agencyCode ?? null, procedureCode: doc.procedureCode ?? null, phase: doc.phase, deadlines: doc.deadlines ?? [] },
    ...(doc.lastCalendarMove ? { lastCalendarMove: doc.lastCalendarMove } : {}),
    ...(doc.frozenCalendars ? { frozenCalendars: doc.frozenCalendars } : {}),
  };
}

function fromDoc(doc: SubjectDoc): StoredSubject {
  const { tracked: _fromState, ...record } = recordFromDoc(doc);
  return { ...record, state: doc.state };
}

export function subjectModel(conn: Connection): Model<SubjectDoc> {
  return modelOn<SubjectDoc>(conn, 'Subject', subjectSchema);
}

export type SubjectStore = SubjectRepository & OpenSubjectStore & UnknownSubjectStore & { init(): Promise<void> };

export function createSubjectRepository(conn: Connection): SubjectStore {
  const model = subjectModel(conn);
  const batch = createDocumentBatcher(model);
  // The records facts are applied to: all but the state, which the write derives again and
  // which would be a third of what the store sends back.
  const records = createDocumentBatcher<SubjectDoc, Omit<SubjectDoc, 'state'>>(model, { projection: { state: 0 } });
  // The document each subject or record handed out was read from, for a write that follows it.
  const readDocs = new WeakMap<object, Omit<SubjectDoc, 'state'>>();
  const remembered = <T extends object>(subject: T, doc: Omit<SubjectDoc, 'state'>): T => {
    readDocs.set(subject, doc);
    return subject;
  };
  return {
    async init() {
      await model.init();
      await model.createIndexes();
      const present = new Set((await model.collection.indexes()).map((i) => i.name));
      // Another instance starting beside this one may drop it first.
      for (const name of SUPERSEDED_INDEXES) if (present.has(name)) await model.collection.dropIndex(name).catch(unlessIndexGone);
    },
    async find(code) {
      const doc = await batch.findById(code);
      return doc ? remembered(fromDoc(doc), doc) : null;
    },
    async findRecord(code) {
      const doc = await records.findById(code);
      return doc ? remembered(recordFromDoc(doc), doc) : null;
    },
    insert: (d) => batch.insert(toDoc(d)),
    async replace(d, expectedRevision, previous) {
      const appended = previous?.revision === expectedRevision ? appendedFacts(previous.history, d.history) : null;
      if (!previous || appended === null) {
        const { _id, ...fields } = toDoc(d);
        return batch.updateIf(_id, { revision: expectedRevision }, fields);
      }
      // The revision condition guarantees the stored document is `previous`'s: the new facts
      // are appended to its history, and of the other fields only those that differ are sent.
      const { _id, history: _whole, ...fields } = toDoc({ ...d, history: [] });
      const fieldsWithReception = { ...fields, hasReception: hasReception(d.history) };
      // Compared with the document as read, not as this release would write it: a field an
      // earlier release did not store is written, and so is the state, which was not read.
      const read = readDocs.get(previous);
      const changed = read ? changedFields(read as unknown as Record<string, unknown>, fieldsWithReception) : fieldsWithReception;
      return batch.updateIf(_id, { revision: expectedRevision }, changed, { history: plain(appended) });
    },
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
