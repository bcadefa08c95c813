import { compileLauncher, type LauncherPool } from './support/launcher';

/**
 * Several services (and several instances of one) create their collections and indexes at start
 * while others already write. The stand-in must answer as MongoDB does whatever the interleaving:
 * one collection per name, every create, index and insert accepted (or refused as MongoDB would:
 * "already exists" for a second create), and no document missing from an index built beside it.
 * Before the launcher took the locks the library leaves out, 300 rounds of this made several
 * requests fail on both backends ("already existed in system.namespaces", or a
 * ConcurrentModificationException that the client sees as "Unknown error: null").
 */
jest.setTimeout(300_000);

const ROUNDS = 300;
let launcher: LauncherPool;

beforeAll(() => {
  launcher = compileLauncher();
});

afterAll(async () => {
  await launcher?.close();
});

test.each(['memory', 'h2'] as const)('when three clients create, index and write one new collection at once (%s), then each is answered and the index finds the document', async (store) => {
  const creator = await launcher.start(store === 'h2' ? ['--h2', launcher.h2File('race')] : [], 'race');
  const indexer = await launcher.connect('race');
  const writer = await launcher.connect('race');
  const refused: string[] = [];
  const names = Array.from({ length: ROUNDS }, (_, i) => `c${i}`);

  for (const [i, name] of names.entries()) {
    const answers = await Promise.allSettled([
      creator.createCollection(name),
      indexer.collection(name).createIndex({ x: 1 }),
      writer.collection(name).insertOne({ x: i }),
    ]);
    for (const a of answers) {
      // The create arriving after the insert or the index made the collection: MongoDB refuses it the same way.
      if (a.status === 'rejected' && !/already exists/i.test((a.reason as Error).message)) refused.push(`${name}: ${(a.reason as Error).message}`);
    }
  }

  expect(refused).toEqual([]);
  const listed = (await creator.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => n.startsWith('c')).sort();
  expect(listed).toEqual([...names].sort());
  const found = await Promise.all(names.map(async (name, i) => ({ name, n: await creator.collection(name).countDocuments({ x: i }), indexed: (await creator.collection(name).indexes()).some((ix) => ix.name === 'x_1') })));
  expect(found.filter((f) => f.n !== 1 || !f.indexed)).toEqual([]);
});
