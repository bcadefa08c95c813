import { COLLECTIONS } from '@tthc/contracts';
import { ControllableClock } from '@tthc/testkit';
import { MANAGER, PROVINCE, REFORM, startReporting, stored, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
let api: ReportingUnderTest;

// Open subjects beyond the seeded ones: equal due instants (the code decides), another
// province, and older documents with the due instant stored as a string or not at all.
const EXTRA = [
  ...['C-3', 'C-1', 'C-2'].map((code) => stored({ code, receivedAt: '2026-03-02T09:00:00+07:00', dueAt: '2026-03-20T17:00:00+07:00' })),
  stored({ code: 'C-G01-002', agencyCode: 'G01.002.000', receivedAt: '2026-03-03T09:00:00+07:00', dueAt: '2026-03-12T17:00:00+07:00' }),
  stored({ code: 'C-G02', agencyCode: 'G02.001.000', receivedAt: '2026-03-03T09:00:00+07:00', dueAt: '2026-03-13T17:00:00+07:00' }),
];
const OLDER = [
  { _id: 'C-OLD-STR', agencyCode: 'G01.001.000', procedureCode: 'P9', phase: 'open', receivedAt: '2026-03-01T02:00:00.000Z', dueAt: '2026-03-25T02:00:00.000Z' },
  { _id: 'C-OLD-NONE-B', agencyCode: 'G01.001.000', procedureCode: 'P9', phase: 'open', receivedAt: '2026-03-01T02:00:00.000Z' },
  { _id: 'C-OLD-NONE-A', agencyCode: 'G01.001.000', procedureCode: 'P9', phase: 'open', receivedAt: '2026-03-01T02:00:00.000Z', dueAt: null },
];

beforeAll(async () => {
  api = await startReporting({ name: 'reporting-cursor', clock });
  await api.mongo.collection(COLLECTIONS.dossiers).insertMany([...EXTRA, ...OLDER] as never[]);
});

afterAll(async () => {
  await api?.stop();
});

type Item = { code: string; agencyCode: string };

/** Every page by number, as before cursors. */
async function walkByPage(query: string, key: string): Promise<Item[]> {
  const items: Item[] = [];
  for (let page = 1; page < 100; page++) {
    const res = await api.get(`/v1/dossiers?${query}&page=${page}`, key);
    expect(res.status).toBe(200);
    if (res.body.items.length === 0) return items;
    items.push(...res.body.items);
  }
  throw new Error('more than 100 pages');
}

/** Every page by following `next` from the first. */
async function walkByCursor(query: string, key: string): Promise<{ items: Item[]; pages: number }> {
  const items: Item[] = [];
  let path: string | null = `/v1/dossiers?${query}`;
  let pages = 0;
  while (path !== null && pages < 100) {
    const res = await api.get(path, key);
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    path = res.body.next;
    pages += 1;
  }
  return { items, pages };
}

describe('GET /v1/dossiers by cursor', () => {
  test('when every open subject is walked by its next links two at a time, then it lists exactly what the numbered pages give, in the same order, and the last page links nowhere', async () => {
    const byPage = await walkByPage('pageSize=2', REFORM);
    const byCursor = await walkByCursor('pageSize=2', REFORM);
    expect(byCursor.items.map((i) => i.code)).toEqual(byPage.map((i) => i.code));
    // Both kinds of older documents and the equal due instants are in it, each once.
    const codes = byCursor.items.map((i) => i.code);
    expect(codes).toEqual(expect.arrayContaining(['C-1', 'C-2', 'C-3', 'C-OLD-STR', 'C-OLD-NONE-A', 'C-OLD-NONE-B', 'C-G02']));
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.indexOf('C-1')).toBeLessThan(codes.indexOf('C-2'));
    expect(byCursor.pages).toBe(Math.ceil(codes.length / 2));
  });

  test('when a key of one agency follows next links with a filter, then the filter is kept and no other agency is ever listed', async () => {
    const byCursor = await walkByCursor('pageSize=1&subject=dossier', MANAGER);
    expect(byCursor.items.length).toBeGreaterThan(2);
    expect(byCursor.items.every((i) => i.agencyCode === 'G01.001.000')).toBe(true);
    expect(byCursor.items.map((i) => i.code)).toEqual((await walkByPage('pageSize=1&subject=dossier', MANAGER)).map((i) => i.code));
    const province = await walkByCursor('pageSize=3', PROVINCE);
    expect(province.items.map((i) => i.code)).toContain('C-G01-002');
    expect(province.items.map((i) => i.code)).not.toContain('C-G02');
  });

  test('when the cursor is not one the API gave, or comes with page or an export, then the answer is 400 naming cursor', async () => {
    const first = await api.get('/v1/dossiers?pageSize=1', REFORM);
    const cursor = new URL(first.body.next, 'http://x').searchParams.get('cursor')!;
    const forged = Buffer.from(JSON.stringify(['d', 'yesterday', 'C-1'])).toString('base64url');
    for (const path of [`/v1/dossiers?cursor=${forged}`, '/v1/dossiers?cursor=%%%', '/v1/dossiers?cursor=bm90IGpzb24', `/v1/dossiers?cursor=${cursor}&page=2`, `/v1/dossiers?cursor=${cursor}&format=csv`]) {
      const res = await api.get(path, REFORM);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.errors?.[0]?.pointer ?? res.body.detail).toMatch(/cursor/);
    }
  });
});
