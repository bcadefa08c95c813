import { defaultCalendar } from '@tthc/calendar';

import { computeLegalDue } from './catalog';
import { loadCatalog, loadSampleCatalog } from './catalog-file.loader';
import {
  PROCEDURES_COLLECTION,
  findProcedure,
  findProceduresAt,
  importCatalog,
  listProcedureVersions,
  listProcedures,
  procedureModel,
} from './procedure.repository';
import type { CatalogFile } from './procedure.schema';
import { openTestDatabase, type TestDatabase } from './test-support/test-mongo';

const HO_KINH_DOANH = '1.001612';
const sample = loadSampleCatalog();

/** The sample amended from 01/3/2026: household businesses in 2 working days instead of 3. */
function amendedSample(overrides: Partial<CatalogFile> = {}) {
  return loadCatalog({
    ...sample.file,
    version: '2026.2',
    effectiveFrom: '2026-03-01',
    procedures: sample.file.procedures.map(({ effectiveFrom: _dropped, ...procedure }) =>
      procedure.code === HO_KINH_DOANH ? { ...procedure, processingTime: { amount: 2, unit: 'working-day' } } : procedure,
    ),
    ...overrides,
  });
}

let db: TestDatabase;

beforeAll(async () => {
  db = await openTestDatabase('catalog_repository');
}, 10 * 60_000);

afterAll(async () => {
  await db?.drop();
});

describe('importCatalog', () => {
  test('when the sample is imported twice, then the first inserts every procedure and the second changes nothing', async () => {
    const first = await importCatalog(db.conn, sample);
    expect(first).toEqual({ inserted: 10, updated: 0, unchanged: 0, warnings: [] });
    const stored = await db.conn.collection(PROCEDURES_COLLECTION).findOne({ _id: `${HO_KINH_DOANH}@2026.1` as never });
    expect(stored).toMatchObject({
      code: HO_KINH_DOANH,
      catalogId: 'vn-sample',
      catalogVersion: '2026.1',
      catalogLabel: 'sample',
      effectiveFrom: '2025-07-01',
      effectiveSince: new Date('2025-06-30T17:00:00Z'),
      current: true,
      procedure: { processingTime: { amount: 3, unit: 'working-day' } },
    });
    const updatedAt = stored?.updatedAt as Date;

    const second = await importCatalog(db.conn, sample.file);
    expect(second).toEqual({ inserted: 0, updated: 0, unchanged: 10, warnings: [] });
    const again = await db.conn.collection(PROCEDURES_COLLECTION).findOne({ _id: `${HO_KINH_DOANH}@2026.1` as never });
    expect(again?.updatedAt).toEqual(updatedAt);
  });

  test('when the procedures collection is created, then the lookup index exists', async () => {
    const indexes = await procedureModel(db.conn).listIndexes();
    expect(indexes.map((index) => index.key)).toContainEqual({ code: 1, effectiveSince: -1 });
  });

  test('when a new catalog version takes effect later, then the old version still serves dossiers received before it', async () => {
    expect(await importCatalog(db.conn, amendedSample())).toEqual({ inserted: 10, updated: 0, unchanged: 0, warnings: [] });

    const before = await findProcedure(db.conn, HO_KINH_DOANH, new Date('2026-02-28T23:59:59+07:00'));
    const from = await findProcedure(db.conn, HO_KINH_DOANH, new Date('2026-03-01T00:00:00+07:00'));
    expect(before).toMatchObject({ catalogVersion: '2026.1', current: false, procedure: { processingTime: { amount: 3 } } });
    expect(from).toMatchObject({ catalogVersion: '2026.2', current: true, procedure: { processingTime: { amount: 2 } } });

    // A dossier received on 13/02/2026 keeps the 3 working days of the version then in force.
    const calendar = defaultCalendar();
    expect(computeLegalDue(before!, '2026-02-13T14:00:00+07:00', calendar)).toMatchObject({
      dueAt: '2026-02-25T14:00:00+07:00',
      catalogVersion: '2026.1',
    });
    expect(computeLegalDue(from!, '2026-03-02T10:00:00+07:00', calendar)).toMatchObject({
      dueAt: '2026-03-04T10:00:00+07:00',
      catalogVersion: '2026.2',
    });

    const versions = await listProcedureVersions(db.conn, HO_KINH_DOANH);
    expect(versions.map(({ catalogVersion, current }) => ({ catalogVersion, current }))).toEqual([
      { catalogVersion: '2026.1', current: false },
      { catalogVersion: '2026.2', current: true },
    ]);
  });

  test('when many codes and instants are looked up at once, then each answer is the one findProcedure gives alone', async () => {
    const instants = ['2020-01-01T00:00:00+07:00', '2026-02-28T23:59:59+07:00', '2026-03-01T00:00:00+07:00', '2027-01-01T00:00:00+07:00'].map((t) => new Date(t));
    const codes = [HO_KINH_DOANH, ' ' + HO_KINH_DOANH, 'NO.SUCH.CODE', ...(await listProcedureVersions(db.conn, HO_KINH_DOANH)).map((v) => v.procedure.code)];
    const queries = codes.flatMap((code) => instants.map((at) => ({ code, at })));
    const alone = await Promise.all(queries.map((q) => findProcedure(db.conn, q.code, q.at)));
    const together = await findProceduresAt(db.conn, queries);
    expect(together).toEqual(alone);
    expect(together.filter((p) => p !== null).map((p) => p.catalogVersion)).toEqual(expect.arrayContaining(['2026.1', '2026.2']));
  });

  test('when the older version is imported again after the newer one, then nothing changes and the newer stays current', async () => {
    expect(await importCatalog(db.conn, sample)).toEqual({ inserted: 0, updated: 0, unchanged: 10, warnings: [] });
    expect(await findProcedure(db.conn, HO_KINH_DOANH, new Date('2026-06-01T00:00:00+07:00'))).toMatchObject({ catalogVersion: '2026.2', current: true });
  });

  test('when a procedure changes under an unchanged version, then it is updated and a warning asks for a new version', async () => {
    const edited = amendedSample();
    const file = {
      ...edited.file,
      procedures: edited.file.procedures.map((procedure) => (procedure.code === '0.000101' ? { ...procedure, processingTime: { amount: 9, unit: 'working-day' as const } } : procedure)),
    };
    const result = await importCatalog(db.conn, file);
    expect(result).toMatchObject({ inserted: 0, updated: 1, unchanged: 9 });
    expect(result.warnings).toEqual([
      '1 procedure(s) changed under the unchanged version 2026.2 and were overwritten (0.000101); give an amended catalog a new version to keep the old one',
    ]);
    expect(await findProcedure(db.conn, '0.000101', new Date('2026-03-10T00:00:00+07:00'))).toMatchObject({ procedure: { processingTime: { amount: 9 } } });
  });
});

describe('findProcedure and listProcedures', () => {
  test('when the code is unknown or the instant precedes every version, then there is no procedure', async () => {
    expect(await findProcedure(db.conn, '9.999999')).toBeNull();
    expect(await findProcedure(db.conn, HO_KINH_DOANH, new Date('2025-06-30T23:59:59+07:00'))).toBeNull();
    expect(await findProcedure(db.conn, HO_KINH_DOANH, new Date('2025-07-01T00:00:00+07:00'))).toMatchObject({ catalogVersion: '2026.1' });
  });

  test('when no instant is given, then the version in force now is returned', async () => {
    const now = await findProcedure(db.conn, ` ${HO_KINH_DOANH} `);
    expect(now?.catalogVersion).toBe(Date.now() >= Date.parse('2026-03-01T00:00:00+07:00') ? '2026.2' : '2026.1');
  });

  test('when procedures are listed at an instant, then each code appears once, in the version then in force, filtered by field and level', async () => {
    const february = await listProcedures(db.conn, { at: new Date('2026-02-20T00:00:00+07:00') });
    expect(february).toHaveLength(10);
    expect(new Set(february.map((entry) => entry.catalogVersion))).toEqual(new Set(['2026.1']));
    const march = await listProcedures(db.conn, { at: new Date('2026-03-20T00:00:00+07:00'), field: 'HỘ TỊCH', level: 'commune' });
    expect(march.map(({ procedure, catalogVersion }) => [procedure.code, catalogVersion])).toEqual([
      ['1.000894', '2026.2'],
      ['1.001193', '2026.2'],
    ]);
  });

  test('when a catalog has no effectiveFrom, then its procedures take effect at their first import', async () => {
    const undated = loadCatalog({
      catalogId: 'undated',
      version: '1',
      procedures: [{ ...sample.get('1.001193'), code: 'X.000001', effectiveFrom: undefined }],
    });
    const importedAt = new Date('2026-04-01T09:00:00+07:00');
    expect(await importCatalog(db.conn, undated, { now: importedAt })).toMatchObject({ inserted: 1 });
    expect(await findProcedure(db.conn, 'X.000001', new Date('2026-04-01T08:59:59+07:00'))).toBeNull();
    expect(await findProcedure(db.conn, 'X.000001', importedAt)).toMatchObject({ effectiveFrom: null, effectiveSince: importedAt, importedAt });
    // A later re-import keeps the first import instant, so the effective start does not move.
    await importCatalog(db.conn, undated, { now: new Date('2026-05-01T09:00:00+07:00') });
    expect(await findProcedure(db.conn, 'X.000001', importedAt)).toMatchObject({ effectiveSince: importedAt });
  });
});
