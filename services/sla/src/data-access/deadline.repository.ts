import { Schema, type Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { changedFields, createDocumentBatcher, modelOn, sharedCounter, type Metrics } from '@tthc/platform';
import { deadlineDocId, type DeadlineDocument } from '@tthc/read-models';
import type { DeadlineRepository, TrackedDeadline } from '../domain/deadline';

/** One document per (subject code, deadline key); `_id` joins them with `|`. */
type DeadlineDoc = DeadlineDocument;

const schema = new Schema<DeadlineDoc>(
  {
    _id: String,
    subjectCode: { type: String, required: true },
    key: { type: String, required: true },
    subject: { type: String, required: true },
    kind: { type: String, required: true },
    agencyCode: { type: String, default: null },
    responsibleAgencyCode: { type: String, default: null },
    procedureCode: { type: String, default: null },
    label: { type: String, default: null },
    legalBasis: { type: String, default: '' },
    dueAt: { type: Date, required: true },
    version: { type: Number, required: true },
    since: { type: Date, required: true },
    status: { type: String, required: true },
    phase: { type: String, required: true },
    warn: { type: Boolean, default: false },
    escalate: { type: Boolean, default: false },
    revision: { type: Number, required: true },
    raised: { type: [String], default: [] },
    siblings: { type: [String], default: null },
    nextFireAt: { type: Date },
    planKey: { type: String },
  },
  { collection: COLLECTIONS.deadlines, versionKey: false },
);
// Serves listForSubject (removed keys, per-subject reads).
schema.index({ subjectCode: 1 });
// Serves the re-planning walk: active deadlines paged by _id.
schema.index({ status: 1, _id: 1 });
// Serves the horizon loader: deadlines firing before now + horizon, earliest first, paged by
// (nextFireAt, _id). Null and absent values sort first but `$lt` on a date never matches them.
schema.index({ nextFireAt: 1, _id: 1 });
// Serve the conditional writes by id: on revision (compare-and-set), on version and revision
// (markRaised), on version (its fallback) and on revision and instant (setNextFireAt). MongoDB
// answers each from the _id index alone; the MongoDB-wire stand-in used without Docker uses only
// a unique index whose keys are exactly the filter's, and otherwise scans the whole collection on
// every write: with 200 000 open deadlines and a crowd of alerts that scan was all its CPU did.
schema.index({ _id: 1, revision: 1 }, { unique: true });
schema.index({ _id: 1, version: 1 }, { unique: true });
schema.index({ _id: 1, version: 1, revision: 1 }, { unique: true });
schema.index({ _id: 1, revision: 1, nextFireAt: 1 }, { unique: true });

const fromDoc = (d: DeadlineDoc): TrackedDeadline => ({
  subjectCode: d.subjectCode,
  key: d.key,
  subject: d.subject,
  kind: d.kind,
  agencyCode: d.agencyCode ?? null,
  responsibleAgencyCode: d.responsibleAgencyCode ?? null,
  procedureCode: d.procedureCode ?? null,
  label: d.label ?? null,
  legalBasis: d.legalBasis ?? '',
  dueAt: new Date(d.dueAt),
  version: d.version,
  // First-release documents had no such field; their entries never warn.
  since: new Date(d.since ?? 0),
  status: d.status,
  phase: d.phase,
  warn: Boolean(d.warn),
  escalate: Boolean(d.escalate),
  revision: d.revision,
  raised: d.raised ?? [],
  siblings: d.siblings ?? null,
  nextFireAt: d.nextFireAt === undefined ? undefined : d.nextFireAt === null ? null : new Date(d.nextFireAt),
  ...(d.planKey ? { planKey: d.planKey } : {}),
});

/** `nextFireAt` is written only when known: an undefined value would be stored as null ("no timer"). */
const toDoc = ({ nextFireAt, changedAt: _snapshotOnly, ...d }: TrackedDeadline): DeadlineDoc => ({ _id: deadlineDocId(d.subjectCode, d.key), ...d, ...(nextFireAt !== undefined ? { nextFireAt } : {}) });

/**
 * Stands for "not planned yet": the loader's `$lt` finds it first, plans the deadline and
 * writes the real instant. Used where the planner is not at hand (migrations).
 */
const DUE_NOW = new Date(0);

/** The first release's document: one per dossier, `_id` = dossier code, no `subjectCode`. */
interface FirstReleaseDoc {
  _id: string;
  agencyCode: string | null;
  procedureCode: string | null;
  phase: 'awaiting-reception' | 'open' | 'closed';
  dueAt: Date | null;
  deadlineVersion: number;
  revision: number;
  overdueAt: Date | null;
}

const MAX_WRITE_ROUNDS = 20;

/** The record in `sla_migrations` that the first-release and `nextFireAt` migrations have run. */
export const DEADLINE_SHAPE_MIGRATION = 'deadline-shape-v2';

/**
 * A query's documents in pages, from one cursor. The walks used to ask again for each page
 * after the last id; the MongoDB-wire stand-in answers such a query by reading every later
 * document before it applies the limit, so a walk of n deadlines read about n²/(2 × page) of
 * them: minutes at 100 000 open deadlines, for the re-planning at every start.
 */
async function* pagesOf(cursor: AsyncIterable<unknown>, pageSize: number): AsyncGenerator<TrackedDeadline[]> {
  let page: TrackedDeadline[] = [];
  for await (const raw of cursor) {
    page.push(fromDoc(raw as DeadlineDoc));
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

export function createDeadlineRepository(conn: Connection, metrics?: Metrics): DeadlineRepository & { init(): Promise<void>; migrateFirstRelease(): Promise<number>; markUnplanned(): Promise<number> } {
  const model = modelOn<DeadlineDoc>(conn, 'SlaDeadline', schema);
  const writes = metrics ? sharedCounter(metrics, 'sla_deadline_entry_writes_total', 'Snapshots of a deadline entry, by what the store did: inserted, updated, unchanged (one revision ahead and nothing else differs: not written) or stale (an older or the same revision)', ['outcome']) : null;
  const col = model.collection;
  // The consumer tracks many subjects at once: their reads and writes of deadline views go out
  // as one query and one bulk write per batch, with the revision compare-and-set per document.
  const batch = createDocumentBatcher(model);

  const repo = {
    async init() {
      await model.init();
      await model.createIndexes();
      // Both migrations look for documents of earlier releases by fields no index can answer
      // ($exists: false), that is by reading every deadline; once they have run on a database
      // nothing writes those shapes any more, so later starts skip them. Stop instances of
      // those releases before the first start of this one.
      const migrations = conn.collection<{ _id: string; at: Date }>(COLLECTIONS.slaMigrations);
      if (await migrations.findOne({ _id: DEADLINE_SHAPE_MIGRATION })) return;
      await repo.migrateFirstRelease();
      await repo.markUnplanned();
      await migrations.updateOne({ _id: DEADLINE_SHAPE_MIGRATION }, { $setOnInsert: { at: new Date() } }, { upsert: true });
    },

    /**
     * Active documents written before `nextFireAt` existed are marked due now, in one write,
     * rather than planned here: the repository has no planner, and the loader's first run
     * plans them page by page in index order (the re-planning walk at start does too). Their
     * timers of the previous release are still in Redis meanwhile, so nothing waits. Settled
     * documents are left without the field: no query of the loader matches them.
     */
    async markUnplanned(): Promise<number> {
      const res = await col.updateMany({ status: 'open', nextFireAt: { $exists: false } } as never, { $set: { nextFireAt: DUE_NOW } } as never);
      return res.modifiedCount;
    },

    /**
     * Rewrites first-release documents as the entry `dossier` of their dossier. The new
     * document is written before the old one is deleted, so a crash in between only repeats
     * the work; timers queued by that release read the new document (same key and version).
     */
    async migrateFirstRelease() {
      let migrated = 0;
      const old = col.find({ subjectCode: { $exists: false } } as never);
      for await (const raw of old) {
        const d = raw as unknown as FirstReleaseDoc;
        if (d.dueAt && d.deadlineVersion > 0) {
          const entry: TrackedDeadline = {
            subjectCode: d._id,
            key: 'dossier',
            subject: 'dossier',
            kind: 'dossier',
            agencyCode: d.agencyCode,
            responsibleAgencyCode: d.agencyCode,
            procedureCode: d.procedureCode,
            label: null,
            legalBasis: 'ND 118/2025/NĐ-CP (ngày hẹn trả)',
            dueAt: new Date(d.dueAt),
            version: d.deadlineVersion,
            since: new Date(0),
            status: d.phase === 'closed' ? (d.overdueAt ? 'missed' : 'met') : 'open',
            phase: d.phase,
            warn: false,
            escalate: false,
            revision: d.revision,
            raised: d.overdueAt ? ['due'] : [],
            siblings: ['dossier'],
            nextFireAt: d.phase === 'closed' ? null : DUE_NOW,
          };
          await col.insertOne(toDoc(entry) as never).catch((err: { code?: number }) => {
            if (err.code !== 11000) throw err;
          });
        }
        await col.deleteOne({ _id: d._id } as never);
        migrated += 1;
      }
      return migrated;
    },

    async find(subjectCode: string, key: string) {
      const doc = await batch.findById(deadlineDocId(subjectCode, key));
      return doc ? fromDoc(doc) : null;
    },

    async listForSubject(subjectCode: string) {
      const docs = await col.find({ subjectCode } as never).toArray();
      return docs.map((d) => fromDoc(d as unknown as DeadlineDoc));
    },

    async upsertIfNewer(d: TrackedDeadline, nextFireAt: (stored: TrackedDeadline) => Date | null, planKey: string, attempt = 1): Promise<{ previous: TrackedDeadline | null; stored: TrackedDeadline }> {
      // Each round lost a race to another writer; a store that keeps refusing an insert it then
      // cannot find (an index out of step with its documents) must fail the message, not spin.
      if (attempt > MAX_WRITE_ROUNDS) throw new Error(`deadline ${deadlineDocId(d.subjectCode, d.key)}: no write held after ${MAX_WRITE_ROUNDS} rounds`);
      const id = deadlineDocId(d.subjectCode, d.key);
      const existing = await batch.findById(id);
      if (!existing) {
        const fresh: TrackedDeadline = { ...d, raised: [] };
        const stored = { ...fresh, nextFireAt: nextFireAt(fresh), planKey };
        if (await batch.insert(toDoc(stored))) {
          writes?.inc({ outcome: 'inserted' });
          return { previous: null, stored };
        }
        return repo.upsertIfNewer(d, nextFireAt, planKey, attempt + 1);
      }
      const previous = fromDoc(existing);
      if (previous.revision >= d.revision) {
        writes?.inc({ outcome: 'stale' });
        return { previous, stored: previous };
      }
      // A new version of the deadline starts with no alert raised; the same version keeps when it was set.
      const same = previous.version === d.version;
      const merged: TrackedDeadline = { ...d, raised: same ? previous.raised : [], since: same ? previous.since : d.since };
      const stored = { ...merged, nextFireAt: nextFireAt(merged), planKey };
      // Most new revisions of a subject leave most of a deadline as it was: only what differs
      // from the document read is sent, under the same revision condition.
      const { _id, ...fields } = toDoc(stored);
      const changes = changedFields(existing as unknown as Record<string, unknown>, fields);
      // Over half of these writes moved the revision alone: the subject changed elsewhere (an
      // alert stored, another deadline moved). The revision guards the entry against an older
      // snapshot arriving late, which may differ. None can when no revision lies between this
      // one and the stored one, or when workflow's stamp says the entry has looked the same
      // since the stored revision or before: every snapshot in between shows it as stored. Then
      // it is left unwritten. Otherwise (a stamp after the stored revision, or none) a snapshot
      // in between (another instance's, after a rebalance) could still arrive and differ, so
      // the revision is written.
      const sameSince = d.revision === previous.revision + 1 || (d.changedAt !== undefined && d.changedAt <= previous.revision);
      if (sameSince && Object.keys(changes).every((k) => k === 'revision')) {
        writes?.inc({ outcome: 'unchanged' });
        return { previous, stored: previous };
      }
      if (!(await batch.updateIf(_id, { revision: previous.revision }, changes))) return repo.upsertIfNewer(d, nextFireAt, planKey, attempt + 1);
      writes?.inc({ outcome: 'updated' });
      return { previous, stored };
    },

    async markRaised(d: { subjectCode: string; key: string; version: number; revision: number }, tags: readonly string[], nextFireAt: Date | null, planKey: string) {
      // Through the batcher: a crowd of deadlines falling due together records its firings in
      // one bulk write rather than one round trip each.
      const _id = deadlineDocId(d.subjectCode, d.key);
      const raised = { raised: [...tags] };
      if (await batch.updateIf(_id, { version: d.version, revision: d.revision }, { nextFireAt, planKey }, raised, { asSet: true })) return;
      // A newer snapshot of the same version came in between: the stages are still raised, but
      // the next instant is left to that write (computed before these tags, so earlier, never
      // later); the loader corrects it.
      await batch.updateIf(_id, { version: d.version }, {}, raised, { asSet: true });
    },

    async setNextFireAt(d: { subjectCode: string; key: string; revision: number; nextFireAt?: Date | null }, nextFireAt: Date | null, planKey: string) {
      const res = await col.updateOne({ _id: deadlineDocId(d.subjectCode, d.key), revision: d.revision, nextFireAt: d.nextFireAt ?? null } as never, { $set: { nextFireAt, planKey } } as never);
      return res.modifiedCount > 0;
    },

    walkNearTerm(until: Date, pageSize: number) {
      return pagesOf(col.find({ nextFireAt: { $lt: until } } as never).sort({ nextFireAt: 1, _id: 1 }).batchSize(pageSize), pageSize);
    },

    walkActive(pageSize: number, notPlannedWith: string) {
      // The key is filtered by the store: after a start with nothing changed, the walk of a
      // million open deadlines sends none of them over the wire. A missing key matches `$ne`.
      return pagesOf(col.find({ status: 'open', phase: { $ne: 'closed' }, planKey: { $ne: notPlannedWith } } as never).sort({ _id: 1 }).batchSize(pageSize), pageSize);
    },
  };
  return repo;
}
