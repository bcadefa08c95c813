import { randomUUID } from 'node:crypto';
import { mongo, type Model } from 'mongoose';
import { createBatcher, type Settled } from './batcher';

/**
 * Reads by id and compare-and-set writes of one collection, made by many concurrent callers (a
 * consumer's lanes), sent as one `$in` query and one unordered bulk write per batch. Each caller
 * gets the answer one round trip of its own would have given: its document or null; whether its
 * insert created the document (false: it existed); whether its conditional update matched
 * (false: the condition no longer held).
 */
export interface DocumentBatcher<D, R = D> {
  /** The document (as `R`: only the fields the batcher's projection reads), or null. */
  findById(id: string): Promise<R | null>;
  insert(doc: D & { _id: string }): Promise<boolean>;
  /**
   * Sets `fields` on the document `id` if it still matches `condition` (e.g. `{ revision: 4 }`),
   * and appends `append`'s items to those array fields in the same write; with `asSet`, only
   * the items the array does not hold yet (a repeated write then adds nothing).
   */
  updateIf(id: string, condition: Record<string, unknown>, fields: Partial<D>, append?: Partial<Record<keyof D & string, unknown[]>>, opts?: { asSet?: boolean }): Promise<boolean>;
}

type Write<D> =
  | { kind: 'insert'; doc: D & { _id: string } }
  | { kind: 'update'; id: string; condition: Record<string, unknown>; fields: Partial<D>; append?: Partial<Record<string, unknown[]>>; asSet?: boolean };

interface WriteFailure {
  index: number;
  code?: number;
  errmsg?: string;
}

// The field naming the conditional update that produced a document's current content: MongoDB
// reports only how many updates of a bulk write matched in all, so when that falls short the
// tokens read back say which ones did. Inserts need none (a duplicate key names itself).
const TOKEN = 'writeToken';

/**
 * `projection` (e.g. `{ state: 0 }`) leaves fields out of what `findById` reads; `R` names
 * the shape that leaves. Writes are unaffected.
 */
export function createDocumentBatcher<D, R = D>(model: Model<D>, options: { projection?: Record<string, 0 | 1> } = {}): DocumentBatcher<D, R> {
  const find = createBatcher(async (ids: readonly string[]): Promise<Array<Settled<R | null>>> => {
    // Through the model rather than `model.collection.find`: while mongoose is disconnected the
    // collection's find answers a promise instead of a cursor, and `toArray` would fail as a
    // TypeError, which reads as poison, instead of as the outage it is.
    const docs = (await model.find({ _id: { $in: [...new Set(ids)] } } as never, options.projection ?? null).lean().exec()) as unknown as Array<R & { _id: string }>;
    const byId = new Map(docs.map((d) => [String(d._id), d]));
    return ids.map((id) => ({ value: byId.get(id) ?? null }));
  }, { dependency: 'mongodb' });
  const write = createBatcher((writes: readonly Array<Write<D>>[number][]) => bulkWrite(model, writes), { dependency: 'mongodb' });
  return {
    findById: (id) => find(id),
    insert: (doc) => write({ kind: 'insert', doc }),
    updateIf: (id, condition, fields, append, opts) => write({ kind: 'update', id, condition, fields, ...(append ? { append } : {}), ...(opts?.asSet ? { asSet: true } : {}) }),
  };
}

/**
 * The members of `next` whose value differs from the one `stored` holds (a document as read
 * from the store), so that a compare-and-set write carries only those. Unchanged members need
 * no `$set`; a store compares and rewrites each member it is sent (the MongoDB-wire stand-in
 * spent most of a write there). Anything not certainly equal counts as changed.
 */
export function changedFields<T extends Record<string, unknown>>(stored: Readonly<Record<string, unknown>>, next: T): Partial<T> {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (!sameStoredValue(stored[key], value)) changed[key] = value;
  }
  return changed as Partial<T>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

function sameStoredValue(stored: unknown, next: unknown): boolean {
  // `undefined` is never stored as such: whatever the store holds, it is written.
  if (stored === next) return next !== undefined;
  if (stored instanceof Date || next instanceof Date) return stored instanceof Date && next instanceof Date && stored.getTime() === next.getTime();
  if (Array.isArray(stored) || Array.isArray(next)) {
    return Array.isArray(stored) && Array.isArray(next) && stored.length === next.length && stored.every((item, i) => sameStoredValue(item, next[i]));
  }
  if (isPlainObject(stored) && isPlainObject(next)) {
    const keys = Object.keys(next);
    return keys.length === Object.keys(stored).length && keys.every((k) => Object.prototype.hasOwnProperty.call(stored, k) && sameStoredValue(stored[k], next[k]));
  }
  return false;
}

function appendOf(append: Partial<Record<string, unknown[]>> | undefined, asSet: boolean | undefined): Record<string, Record<string, { $each: unknown[] }>> {
  const fields = Object.entries(append ?? {}).filter((e): e is [string, unknown[]] => Array.isArray(e[1]) && e[1].length > 0);
  return fields.length ? { [asSet ? '$addToSet' : '$push']: Object.fromEntries(fields.map(([k, items]) => [k, { $each: items }])) } : {};
}

async function bulkWrite<D>(model: Model<D>, writes: ReadonlyArray<Write<D>>): Promise<Array<Settled<boolean>>> {
  const tokens = writes.map(() => randomUUID());
  const ops = writes.map((w, i) =>
    w.kind === 'insert'
      ? { insertOne: { document: w.doc } }
      : { updateOne: { filter: { ...w.condition, _id: w.id }, update: { $set: { ...w.fields, [TOKEN]: tokens[i] }, ...appendOf(w.append, w.asSet) } } },
  );
  let matched: number;
  const failed = new Map<number, WriteFailure>();
  try {
    matched = (await model.collection.bulkWrite(ops as never, { ordered: false })).matchedCount;
  } catch (err) {
    const bulk = err as { writeErrors?: WriteFailure[] | WriteFailure; result?: { matchedCount?: number } };
    const writeErrors = bulk.writeErrors === undefined ? [] : Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
    // The driver wraps a failure to reach the server (no server selected, the connection closed
    // mid-batch) in the same MongoBulkWriteError, with no write errors: those writes did not
    // all happen and none may be answered as done. The whole batch fails and is retried; what
    // did land comes back as a duplicate or a stale revision, which callers already handle.
    if (writeErrors.length === 0) throw err;
    for (const e of writeErrors) failed.set(e.index, e);
    matched = bulk.result?.matchedCount ?? -1;
  }
  const updates = writes.flatMap((w, i) => (w.kind === 'update' && !failed.has(i) ? [i] : []));
  let won: Set<number> | null = null;
  if (matched !== updates.length && updates.length > 0) {
    const ids = updates.map((i) => (writes[i] as { id: string }).id);
    const now = (await model.find({ _id: { $in: ids } } as never, { [TOKEN]: 1 }).lean().exec()) as unknown as Array<Record<string, unknown>>;
    const current = new Set(now.map((d) => d[TOKEN]));
    won = new Set(updates.filter((i) => current.has(tokens[i])));
  }
  return writes.map((w, i): Settled<boolean> => {
    const failure = failed.get(i);
    if (failure) {
      if (w.kind === 'insert' && failure.code === 11000) return { value: false };
      const id = w.kind === 'insert' ? w.doc._id : w.id;
      // The server's own error, so a consumer classifies it as it would a single write's.
      return { error: new mongo.MongoServerError({ message: `write of ${model.collection.collectionName} ${id} failed: ${failure.errmsg ?? 'unknown'}`, errmsg: failure.errmsg, code: failure.code }) };
    }
    return { value: w.kind === 'insert' || won === null || won.has(i) };
  });
}
