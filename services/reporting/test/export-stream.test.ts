import ExcelJS from 'exceljs';
import { COLLECTIONS } from '@tthc/contracts';
import type { ListedSubject } from '@tthc/metrics';
import { PROVINCE, startReporting, type ReportingUnderTest } from './reporting-harness';

/**
 * The open-case exports are written while the store's cursor is read, a batch at a time: every
 * row must still arrive once and in order, a longer list must be cut at 10 000 rows and say so,
 * and a read that fails once rows have left must show the client a broken transfer, never a
 * shorter file that looks complete.
 */
const EXTRA = 10_050;
let api: ReportingUnderTest;
let failAfterFirstBatch = false;
let cursorsClosed = 0;

/** The stored rows, the first batch let through, then the failure a dropped connection gives. */
async function* failingAfterFirst(batches: AsyncIterable<ListedSubject[]>): AsyncGenerator<ListedSubject[]> {
  const rows = batches[Symbol.asyncIterator]();
  try {
    const first = await rows.next();
    if (!first.done) yield first.value;
    throw new Error('connection to the store reset (injected after the first batch)');
  } finally {
    await rows.return?.();
    cursorsClosed += 1;
  }
}

beforeAll(async () => {
  api = await startReporting({
    name: 'reporting-export',
    wrapReadModel: (stored) => ({
      ...stored,
      openSubjectBatches(q, limit) {
        const read = stored.openSubjectBatches(q, limit);
        return failAfterFirstBatch ? { total: read.total, batches: failingAfterFirst(read.batches) } : read;
      },
    }),
  });
  const due = Date.parse('2026-01-05T02:00:00Z');
  const docs = Array.from({ length: EXTRA }, (_, i) => {
    const code = `EXP-${String(i).padStart(5, '0')}`;
    // Several subjects share each due instant, so the code decides between them.
    return { _id: code, code, subject: 'dossier', agencyCode: `G01.00${1 + (i % 3)}.000`, procedureCode: 'P1', phase: 'open', statusCode: 4, dueAt: new Date(due + Math.floor(i / 4) * 60_000), overdue: true };
  });
  await api.mongo.collection(COLLECTIONS.dossiers).insertMany(docs.reverse() as never[]);
});

afterAll(async () => {
  await api?.stop();
});

/** What the province's overdue export must hold, in its order: read straight from the store. */
async function storedOverdue(): Promise<string[]> {
  const docs = await api.mongo
    .collection(COLLECTIONS.dossiers)
    .find({ phase: 'open', overdue: true, agencyCode: { $regex: '^G01\\.' } } as never, { projection: { _id: 1 } })
    .sort({ dueAt: 1, _id: 1 })
    .toArray();
  return docs.map((d) => String(d._id));
}

describe('open-case exports written as the store is read', () => {
  test('when the list is longer than 10 000 rows, then the CSV and the XLSX hold its first 10 000 once each, in the list order, and a header says it was cut', async () => {
    const expected = await storedOverdue();
    expect(expected.length).toBeGreaterThan(EXTRA);
    const csv = await fetch(`${api.url}/v1/dossiers?overdue=true&format=csv`, { headers: { authorization: `Bearer ${PROVINCE}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('x-export-truncated')).toBe(`10000 of ${expected.length}`);
    const lines = (await csv.text()).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual(expected.slice(0, 10_000));

    const xlsx = await fetch(`${api.url}/v1/dossiers?overdue=true&format=xlsx`, { headers: { authorization: `Bearer ${PROVINCE}` } });
    expect(xlsx.headers.get('x-export-truncated')).toBe(`10000 of ${expected.length}`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await xlsx.arrayBuffer());
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(10_001);
    const codes = Array.from({ length: 10_000 }, (_, i) => sheet.getRow(i + 2).getCell(1).value);
    expect(codes).toEqual(expected.slice(0, 10_000));
  });

  test('when the store fails after the first rows were sent, then the client sees the transfer break, the cursor is closed, and the next export is whole', async () => {
    failAfterFirstBatch = true;
    const closedBefore = cursorsClosed;
    try {
      const res = await fetch(`${api.url}/v1/dossiers?overdue=true&format=csv`, { headers: { authorization: `Bearer ${PROVINCE}` } });
      // The first batch went out with the headers; the rest never comes, and the body ends in error.
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
      expect(cursorsClosed).toBe(closedBefore + 1);
      // Before any row left, the same failure is an answer of its own (problem+json), not a cut.
      const xlsx = await fetch(`${api.url}/v1/dossiers?overdue=true&format=xlsx`, { headers: { authorization: `Bearer ${PROVINCE}` } });
      expect(xlsx.status).toBe(500);
      expect(xlsx.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      failAfterFirstBatch = false;
    }
    const again = await fetch(`${api.url}/v1/dossiers?overdue=true&format=csv`, { headers: { authorization: `Bearer ${PROVINCE}` } });
    expect(again.status).toBe(200);
    expect((await again.text()).split('\r\n')).toHaveLength(10_002);
  });
});
