import { mongo, type Connection } from 'mongoose';
import { COLLECTIONS, type CloudEvent, type DeadlineEntryV1, type DossierPhase, type SubjectKind, type Timeliness } from '@tthc/contracts';
import { SUBJECT_RECORD_FIELDS, toSubjectRecord, type ListedSubject, type SubjectRecord } from '@tthc/metrics';
import { idBatches, instantBefore, instantNotBefore, type AgencyFilter, type Page, type StoredInstant } from './query-filter';
import { ratingsOf, type StoredRating } from './rating.read-model';

/** One fact of a subject's history as far as readers use it; workflow stores its own fact type. */
export type StoredFact = Pick<CloudEvent, 'id' | 'source' | 'type' | 'time' | 'data'> & {
  /** CloudEvents identity (source + newline + id), which findings and rejections refer to. */
  key?: string;
  occurredAt: string;
};

/**
 * The derived state, stored whole (instants as ISO strings). Readers take from it only what
 * the flat fields lack: a dossier's steps and apologies and the late agencies.
 */
export type StoredSubjectState = {
  phase: DossierPhase;
  subject: SubjectKind;
  steps?: unknown;
  apologies?: unknown;
  lateAgencies?: unknown;
  ratings?: unknown;
};

/**
 * A document of workflow's `dossiers` collection: one per dossier or petition, `_id` = its
 * code. The derived state's main fields are stored again flat so readers filter and sort
 * without replaying histories. Every field but `_id` and `phase` is optional because documents
 * written by earlier releases lack the newer ones (`code`, `atRisk`, the whole `state`…);
 * workflow's own type narrows this one to what it writes today, so the two cannot drift.
 */
export type SubjectDocument = {
  _id: string;
  phase: DossierPhase;
  code?: string;
  subject?: SubjectKind;
  revision?: number;
  history?: StoredFact[];
  state?: StoredSubjectState;
  /** Workflow's own bookkeeping (re-derivations, calendar moves and pins); no reader needs it. */
  versionBumps?: unknown;
  lastCalendarMove?: unknown;
  frozenCalendars?: unknown;
  hasReception?: boolean;
  firstStoredAt?: Date;
  agencyCode?: string | null;
  procedureCode?: string | null;
  channel?: string | null;
  statusCode?: number | null;
  receivedAt?: StoredInstant | null;
  dueAt?: StoredInstant | null;
  deadlineVersion?: number;
  closedAt?: StoredInstant | null;
  endAt?: StoredInstant | null;
  timeliness?: Timeliness | null;
  paused?: boolean;
  overdue?: boolean;
  overdueAt?: StoredInstant | null;
  atRisk?: boolean;
  deadlines?: DeadlineEntryV1[];
  findings?: unknown;
  /** A dossier's latest rating instant (`state.ratings` holds them all); null when never rated. */
  lastRatedAt?: Date | null;
  /** A petition's link to the dossier it complains about. */
  concernsDossierCode?: string | null;
  updatedAt?: Date;
};

type SubjectFilter = mongo.Filter<SubjectDocument>;
const filter = (f: Record<string, unknown>) => f as SubjectFilter;

export function subjectDocuments(conn: Connection): mongo.Collection<SubjectDocument> {
  return conn.collection<SubjectDocument>(COLLECTIONS.dossiers);
}

// History and findings can be large and are never needed for counting.
const COUNTING_PROJECTION = { history: 0, findings: 0, versionBumps: 0, deadlines: 0 };

/**
 * Documents per reply of a read that spans a year of subjects. Without it a getMore brings back
 * up to 16 MiB, and the driver decodes a reply while the event loop waits: the delay-count read
 * of 38 000 subjects held sla's loop for 1.2-1.5 s in one piece, and every timer due meanwhile
 * fired that much late. A thousand keep each piece near 30 ms.
 */
export const LONG_READ_BATCH = 1_000;

/** Only what `toSubjectRecord` reads: a period's candidates are every subject of the year. */
const RECORD_PROJECTION = Object.fromEntries(SUBJECT_RECORD_FIELDS.map((field) => [field, 1]));

/**
 * What a list row reads of a subject (`ListedSubject`, through `toSubjectRecord`): its flat
 * fields, and the parts of the state older documents kept there instead. Named rather than
 * excluded, and only those, so an export of 10 000 rows carries nothing else through the store
 * and the driver: on the local stand-in every field of a row costs its encoding and decoding.
 */
const LIST_PROJECTION = Object.fromEntries(
  ['code', 'subject', 'agencyCode', 'procedureCode', 'phase', 'statusCode', 'dueAt', 'overdue', 'atRisk', 'steps', 'state.phase', 'state.subject', 'state.steps'].map((field) => [field, 1]),
);

function toRecords(docs: SubjectDocument[]): SubjectRecord[] {
  return docs.map((d) => toSubjectRecord(d)).filter((r): r is SubjectRecord => r !== null);
}

/**
 * The candidates of periods within `[openSince, end)`: subjects received before `end` and not
 * closed before `openSince`, of the agencies `agencies` reaches (every agency when null).
 *
 * Read in parts, each one an index range (`{ phase }`, `{ phase, endAt }`, `{ phase, closedAt }`),
 * rather than as one filter whose `$or` no index serves: a month's read then takes the open
 * subjects and those closed this month instead of walking a year of closed ones. A subject's
 * handling can end after it closed (a petition rejected, then answered) and close after its
 * handling ended (a dossier withdrawn while the citizen was awaited), so both instants are read.
 * The open subjects come first: one closing between the reads is met twice and kept once,
 * whereas read the other way round it would be met by neither.
 */
export async function subjectsFor(conn: Connection, { openSince, end }: { openSince: Date; end: Date }, agencies: AgencyFilter | null = null): Promise<SubjectRecord[]> {
  const closedSince = [...instantNotBefore('endAt', openSince), ...instantNotBefore('closedAt', openSince)].map((since) => ({ phase: 'closed', ...since }));
  const common: Array<Record<string, unknown>> = [{ $or: instantBefore('receivedAt', end) }];
  if (agencies) common.push(agencies);
  const seen = new Set<string>();
  const out: SubjectRecord[] = [];
  for (const part of [{ phase: { $ne: 'closed' } }, ...closedSince]) {
    for await (const doc of subjectDocuments(conn).find(filter({ $and: [part, ...common] }), { projection: RECORD_PROJECTION, batchSize: LONG_READ_BATCH })) {
      const code = String(doc._id);
      if (seen.has(code)) continue;
      seen.add(code);
      const r = toSubjectRecord(doc);
      if (r) out.push(r);
    }
  }
  return out;
}

export interface OpenSubjectQuery {
  agencies: AgencyFilter | null;
  procedureCode?: string;
  subject?: SubjectKind;
  overdue?: boolean;
  /** Not overdue, and warned by the SLA service or due before `atRiskDueBefore`. */
  atRisk?: boolean;
  atRiskDueBefore?: Date;
  page: number;
  pageSize: number;
  /** Where the previous page ended: the page starts right after it (and `page` is not read). */
  after?: OpenSubjectCursor;
}

/**
 * A position in the open-subject list, which is sorted by the stored due instant, then code.
 * The due instant keeps its stored type: older documents hold it as an ISO string, which
 * MongoDB sorts after a missing one and before every date.
 */
export interface OpenSubjectCursor {
  dueAt: Date | string | null;
  code: string;
}

// Every date MongoDB can sort after a string: the earliest instant JavaScript represents.
const ANY_DATE = { $gte: new Date(-8_640_000_000_000_000) };
const ANY_STRING = { $gte: '' };

/** The subjects after `c` in the order `{ dueAt: 1, _id: 1 }`, stored types taken into account. */
function afterCursor(c: OpenSubjectCursor): Record<string, unknown> {
  const sameDue = { dueAt: c.dueAt, _id: { $gt: c.code } };
  if (c.dueAt === null) return { $or: [sameDue, { dueAt: ANY_STRING }, { dueAt: ANY_DATE }] };
  if (typeof c.dueAt === 'string') return { $or: [sameDue, { dueAt: { $gt: c.dueAt } }, { dueAt: ANY_DATE }] };
  // The bound repeats what the $or implies, so that an index on the due instant starts the
  // read at the cursor rather than at the first open subject.
  return { dueAt: { $gte: c.dueAt }, $or: [sameDue, { dueAt: { $gt: c.dueAt } }] };
}

const cursorOf = (doc: SubjectDocument): OpenSubjectCursor => ({ dueAt: doc.dueAt instanceof Date || typeof doc.dueAt === 'string' ? doc.dueAt : null, code: String(doc._id) });

/** The conditions of an open-subject list, without its cursor. */
function openSubjectConditions(q: Omit<OpenSubjectQuery, 'page' | 'pageSize' | 'after'>): Array<Record<string, unknown>> {
  // A subject without an agency is shown to nobody (no key can be checked against it), so it
  // is left out of the total too.
  // The scope's filter already excludes them (`AgencyFilter`); asked twice, every candidate of a
  // province-wide list is tested twice.
  const and: Array<Record<string, unknown>> = [{ phase: 'open' }, q.agencies ?? { agencyCode: { $nin: [null, ''] } }];
  if (q.procedureCode) and.push({ procedureCode: q.procedureCode });
  if (q.subject === 'petition') and.push({ subject: 'petition' });
  if (q.subject === 'dossier') and.push({ subject: { $ne: 'petition' } });
  if (q.overdue !== undefined) and.push(q.overdue ? { overdue: true } : { overdue: { $ne: true } });
  if (q.atRisk !== undefined) {
    // As the counters judge it (reporting's `contributionOf`), the due instant puts at risk only
    // a subject whose clock runs: not one paused awaiting a supplement (its due instant moves
    // when it resumes), nor a petition answered and awaiting publication (`handlingEnded`).
    const dueSoon = q.atRiskDueBefore ? instantBefore('dueAt', q.atRiskDueBefore).map((due) => ({ paused: { $ne: true }, endAt: null, ...due })) : [];
    and.push(q.atRisk ? { overdue: { $ne: true }, $or: [{ atRisk: true }, ...dueSoon] } : { atRisk: { $ne: true } });
  }
  return and;
}

/**
 * Open subjects with an agency, most urgent due date first: a page by number, or the page after
 * a cursor (which reads on from the sort key instead of skipping every row before it); `next`
 * is where the following page starts, null on the last one.
 */
export async function listOpenSubjects(conn: Connection, q: OpenSubjectQuery): Promise<Page<ListedSubject> & { next: OpenSubjectCursor | null }> {
  const and = openSubjectConditions(q);
  const dossiers = subjectDocuments(conn);
  const query = filter({ $and: and });
  // One more row than the page tells whether another page follows.
  const rows = dossiers
    .find(q.after ? filter({ $and: [...and, afterCursor(q.after)] }) : query, { projection: LIST_PROJECTION })
    .sort({ dueAt: 1, _id: 1 })
    .skip(q.after ? 0 : (q.page - 1) * q.pageSize)
    .limit(q.pageSize + 1)
    .toArray();
  const [total, docs] = await Promise.all([dossiers.countDocuments(query), rows]);
  const page = docs.slice(0, q.pageSize);
  const last = page[page.length - 1];
  return { total, items: toRecords(page), next: docs.length > q.pageSize && last ? cursorOf(last) : null };
}

/** The first rows of an open-subject list, as the store sends them, and how many the whole list holds. */
export interface OpenSubjectBatches {
  total: Promise<number>;
  batches: AsyncIterable<ListedSubject[]>;
}

/**
 * The first `limit` rows of an open-subject list in the list's order, a batch of the store's
 * cursor at a time: an export turns each batch into lines before it reads the next, so it holds
 * one batch of documents rather than all 10 000, and a CSV's first rows leave before its last
 * are read. Leaving the loop early closes the cursor.
 */
export function openSubjectBatches(conn: Connection, q: Omit<OpenSubjectQuery, 'page' | 'pageSize' | 'after'>, limit: number, batchSize = 1_000): OpenSubjectBatches {
  const dossiers = subjectDocuments(conn);
  const query = filter({ $and: openSubjectConditions(q) });
  async function* batches(): AsyncGenerator<ListedSubject[]> {
    // Raw bytes, decoded here: the driver (6.x) turns a cursor's documents into objects through
    // a lazy document per row, about 12 µs a row on the bench machine against 2 to 5 for
    // `deserialize` on the same bytes; on a 10 000-row export that was 60 to 110 ms.
    const cursor = dossiers.find(query, { projection: LIST_PROJECTION, raw: true }).sort({ dueAt: 1, _id: 1 }).limit(limit).batchSize(batchSize);
    let more = cursor.hasNext();
    try {
      while (await more) {
        const raw = cursor.readBufferedDocuments() as unknown as Uint8Array[];
        // The next batch is asked for before this one is decoded and written, so the store
        // prepares it while this process works: the two overlap instead of taking turns.
        more = cursor.hasNext();
        yield toRecords(raw.map((bytes) => mongo.BSON.deserialize(bytes) as SubjectDocument));
      }
    } finally {
      // A batch still on its way is let in before the cursor closes; its failure changes nothing now.
      await more.catch(() => false);
      await cursor.close();
    }
  }
  return { total: dossiers.countDocuments(query), batches: batches() };
}

/** A subject as counting reads it, with the revision it was stored at (0 for documents without one). */
export interface CountedSubject {
  revision: number;
  /** When this subject was first stored: a subject removed and received again starts over at revision 1. */
  incarnation: string | null;
  record: SubjectRecord;
  /** What the satisfaction counters read: the ratings in the state, and the dossier a petition names with its reception instant as stored flat. */
  ratings: StoredRating[];
  concernsDossierCode: string | null;
  receivedAtIso: string | null;
}

const isoOrNull = (v: StoredInstant | null | undefined): string | null => {
  const ms = v instanceof Date ? v.getTime() : v == null ? NaN : Date.parse(String(v));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
};

const counted = (doc: SubjectDocument): CountedSubject | null => {
  const record = toSubjectRecord(doc);
  const first = doc.firstStoredAt instanceof Date ? doc.firstStoredAt.toISOString() : null;
  const concerns = typeof doc.concernsDossierCode === 'string' && doc.concernsDossierCode.length > 0 ? doc.concernsDossierCode : null;
  return (
    record && {
      revision: typeof doc.revision === 'number' ? doc.revision : 0,
      incarnation: first,
      record,
      ratings: ratingsOf(doc),
      concernsDossierCode: concerns,
      receivedAtIso: isoOrNull(doc.receivedAt as StoredInstant | null | undefined),
    }
  );
};

/** The subjects of these codes as counting reads them; unknown codes are left out. */
export async function countedSubjects(conn: Connection, codes: readonly string[]): Promise<CountedSubject[]> {
  if (codes.length === 0) return [];
  const docs = await subjectDocuments(conn).find(filter({ _id: { $in: [...codes] } }), { projection: COUNTING_PROJECTION }).toArray();
  return docs.map(counted).filter((s): s is CountedSubject => s !== null);
}

/** Every stored subject as counting reads it, in batches, in one pass over the collection. */
export async function* allCountedSubjects(conn: Connection, batchSize: number): AsyncGenerator<CountedSubject[]> {
  let batch: CountedSubject[] = [];
  for await (const doc of subjectDocuments(conn).find({}, { projection: COUNTING_PROJECTION, batchSize })) {
    const s = counted(doc);
    if (s) batch.push(s);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * The codes of petitions answered (or rejected) and not yet published, in batches: open, with an
 * end instant. Counting reads them as handled (`handlingEnded`); counters kept before that held
 * them open.
 */
export function answeredPetitionCodes(conn: Connection, batchSize: number): AsyncGenerator<string[]> {
  return idBatches(subjectDocuments(conn).find(filter({ phase: 'open', subject: 'petition', endAt: { $ne: null } }), { projection: { _id: 1 }, batchSize }), batchSize);
}

/** One subject with only the fields asked for (a history can be large). */
export async function findSubject<K extends keyof SubjectDocument>(conn: Connection, code: string, fields: readonly K[]): Promise<Pick<SubjectDocument, K | '_id'> | null> {
  const projection = Object.fromEntries(fields.map((f) => [f, 1]));
  return subjectDocuments(conn).findOne({ _id: code }, { projection });
}

/** Subjects not closed that are overdue or at risk, most urgent due date first, without histories. */
export async function listOverdueOrAtRisk(conn: Connection, q: { agencyCodes: readonly string[] | '*'; limit: number }): Promise<Array<Omit<SubjectDocument, 'history'>>> {
  const f: Record<string, unknown> = { phase: { $ne: 'closed' }, $or: [{ overdue: true }, { atRisk: true }] };
  if (q.agencyCodes !== '*') f.agencyCode = { $in: q.agencyCodes };
  return subjectDocuments(conn).find(filter(f), { projection: { history: 0 } }).sort({ dueAt: 1 }).limit(q.limit).toArray();
}

export async function isSubjectClosed(conn: Connection, code: string): Promise<boolean> {
  const doc = await findSubject(conn, code, ['phase']);
  return doc?.phase === 'closed';
}
