import { randomBytes } from 'node:crypto';
import mongoose, { Schema, type Connection } from 'mongoose';
import { requireEnv, tcpRelay, waitFor } from '@tthc/testkit';
import { classifyFailure } from './kafka/failure-class';
import { changedFields, createDocumentBatcher } from './mongo-batch';

interface Doc {
  _id: string;
  revision: number;
}

describe('document batcher on the real MongoDB-wire server', () => {
  const base = new URL(requireEnv('MONGO_URL'));
  const dbName = `mongo-batch-${randomBytes(4).toString('hex')}`;
  let conn: Connection | null = null;

  afterEach(async () => {
    await conn?.close().catch(() => undefined);
    conn = null;
  });
  afterAll(async () => {
    const cleanup = await mongoose.createConnection(`mongodb://${base.host}/${dbName}`).asPromise();
    await cleanup.dropDatabase();
    await cleanup.close();
  });

  test('when the server cannot be reached during a bulk write, then no insert or update is answered as done and the failure reads as an outage', async () => {
    const path = tcpRelay({ host: base.hostname, port: Number(base.port || 27017) });
    await path.up();
    // Without mongoose's buffering the write reaches the driver, which wraps the failed server
    // selection in a MongoBulkWriteError carrying no write errors (a write issued before
    // mongoose notices the outage takes the same path).
    // The short selection window makes the outage answer fast, but the shared stand-in can pause
    // longer than that under a neighbouring suite's load (it did once in CI): a first selection
    // that misses the window is tried again, only the writes after `down()` must fail.
    conn = await waitFor(
      'a connection through the relay',
      async () => {
        const attempt = mongoose.createConnection(`mongodb://127.0.0.1:${path.port()}/${dbName}?directConnection=true`, { serverSelectionTimeoutMS: 1000, bufferCommands: false });
        try {
          return await attempt.asPromise();
        } catch (err) {
          await attempt.close().catch(() => undefined);
          throw err;
        }
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const model = conn.model<Doc>('BatchDoc', new Schema<Doc>({ _id: String, revision: Number }, { versionKey: false }));
    const batch = createDocumentBatcher(model);
    expect(await batch.insert({ _id: 'kept', revision: 1 })).toBe(true);

    await path.down();
    // One at a time: a batch of inserts alone is the one nothing else would have failed.
    const answers = [await Promise.allSettled([batch.insert({ _id: 'new', revision: 1 })]), await Promise.allSettled([batch.updateIf('kept', { revision: 1 }, { revision: 2 })])].flat();

    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected']);
    for (const a of answers) expect(classifyFailure((a as PromiseRejectedResult).reason)).toMatchObject({ kind: 'dependency', dependency: 'mongodb' });
    const direct = await mongoose.createConnection(`mongodb://${base.host}/${dbName}`).asPromise();
    try {
      expect(await direct.collection('batchdocs').find({}).toArray()).toEqual([{ _id: 'kept', revision: 1 }]);
    } finally {
      await direct.close();
    }
  });

  test('when the batcher reads through a projection, then concurrent reads leave out the projected fields and its writes still hold every field', async () => {
    conn = await mongoose.createConnection(`mongodb://${base.host}/${dbName}`).asPromise();
    const model = conn.model<Doc & { body?: string }>('ProjectedDoc', new Schema<Doc & { body?: string }>({ _id: String, revision: Number, body: String }, { versionKey: false }));
    const full = createDocumentBatcher(model);
    const slim = createDocumentBatcher<Doc & { body?: string }, Doc>(model, { projection: { body: 0 } });
    expect(await Promise.all([full.insert({ _id: 'p1', revision: 1, body: 'large' }), full.insert({ _id: 'p2', revision: 1, body: 'larger' })])).toEqual([true, true]);

    const [one, two, none] = await Promise.all([slim.findById('p1'), slim.findById('p2'), slim.findById('p3')]);
    expect([one, two, none]).toEqual([{ _id: 'p1', revision: 1 }, { _id: 'p2', revision: 1 }, null]);
    expect(await slim.updateIf('p1', { revision: 1 }, { revision: 2 })).toBe(true);
    expect(await full.findById('p1')).toMatchObject({ _id: 'p1', revision: 2, body: 'large' });
  });

  test('when concurrent conditional writes append as a set, then only items not yet held are added and a write whose condition no longer holds adds nothing', async () => {
    conn = await mongoose.createConnection(`mongodb://${base.host}/${dbName}`).asPromise();
    type Tagged = Doc & { tags: string[]; note?: string };
    const model = conn.model<Tagged>('TaggedDoc', new Schema<Tagged>({ _id: String, revision: Number, tags: [String], note: String }, { versionKey: false }));
    const batch = createDocumentBatcher(model);
    expect(await Promise.all([batch.insert({ _id: 't1', revision: 1, tags: ['due'] }), batch.insert({ _id: 't2', revision: 1, tags: [] })])).toEqual([true, true]);

    // One batch: a repeated tag, a new one, a write on a stale revision, and an ordinary append.
    const answers = await Promise.all([
      batch.updateIf('t1', { revision: 1 }, { note: 'a' }, { tags: ['due', 'escalation:1'] }, { asSet: true }),
      batch.updateIf('t2', { revision: 2 }, { note: 'stale' }, { tags: ['due'] }, { asSet: true }),
      batch.updateIf('t2', { revision: 1 }, {}, { tags: ['warning', 'warning'] }),
    ]);

    expect(answers).toEqual([true, false, true]);
    expect(await batch.findById('t1')).toMatchObject({ tags: ['due', 'escalation:1'], note: 'a' });
    const t2 = await batch.findById('t2');
    expect(t2).toMatchObject({ tags: ['warning', 'warning'] });
    expect(t2).not.toHaveProperty('note');
  });
});

describe('changedFields', () => {
  test('when values are equal as stored (dates by instant, arrays and objects member by member), then only the others are changed', () => {
    const at = new Date('2026-11-26T01:00:00Z');
    const stored = { a: 1, b: 'x', c: new Date(at), d: [1, { e: new Date(at) }], f: { g: null, h: [true] }, i: null, j: 'same' };
    const next = { a: 1, b: 'y', c: new Date(at), d: [1, { e: new Date(at) }], f: { g: null, h: [false] }, i: undefined, j: 'same', k: null };
    expect(changedFields(stored, next)).toEqual({ b: 'y', f: { g: null, h: [false] }, i: undefined, k: null });
  });

  test('when a value differs in type only, or an object has a member more or less, then it is changed', () => {
    const at = new Date('2026-11-26T01:00:00Z');
    expect(changedFields({ a: at.toISOString(), b: { x: 1 }, c: [1, 2], d: { x: 1, y: null } }, { a: at, b: { x: 1, y: 2 }, c: [1, 2, 3], d: { x: 1 } })).toEqual({ a: at, b: { x: 1, y: 2 }, c: [1, 2, 3], d: { x: 1 } });
  });
});
