import mongoose, { type Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { requireEnv, uniqueName, withDatabase } from '@tthc/testkit';
import { createSubjectRepository } from '../src/data-access/subject.repository';

// An upgrade starts on a store an earlier release indexed: the index the new one replaces must
// go (every write would keep it up to date for nothing), and instances starting side by side
// must not fail each other's start over it.
let mongo: Connection;

beforeAll(async () => {
  mongo = await mongoose.createConnection(withDatabase(requireEnv('MONGO_URL'), uniqueName('wf-indexes'))).asPromise();
});

afterAll(async () => {
  await mongo.dropDatabase().catch(() => undefined);
  await mongo.close();
});

test('when two instances start on a store with the superseded at-risk index, then both start, it is dropped and its successor holds paused and endAt', async () => {
  const subjects = mongo.collection(COLLECTIONS.dossiers);
  const old = { phase: 1, overdue: 1, agencyCode: 1, dueAt: 1, _id: 1, atRisk: 1 } as const;
  await subjects.createIndex(old);
  expect((await subjects.indexes()).map((i) => i.name)).toContain('phase_1_overdue_1_agencyCode_1_dueAt_1__id_1_atRisk_1');

  await Promise.all([createSubjectRepository(mongo).init(), createSubjectRepository(mongo).init()]);

  const keys = (await subjects.indexes()).map((i) => JSON.stringify(i.key));
  expect(keys).not.toContain(JSON.stringify(old));
  expect(keys).toContain(JSON.stringify({ ...old, paused: 1, endAt: 1 }));
  // A third start on the cleaned store finds nothing to drop.
  await expect(createSubjectRepository(mongo).init()).resolves.toBeUndefined();
});
