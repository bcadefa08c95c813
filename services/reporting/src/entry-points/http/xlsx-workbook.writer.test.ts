import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import type { ExportTable } from '../../domain/export-table';
import * as zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { crc32ByTable, xlsxWorkbook, xlsxWorkbookOf } from './xlsx-workbook.writer';

async function read(buffer: Buffer): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  expect(workbook.worksheets).toHaveLength(1);
  return workbook.worksheets[0]!;
}

const table: ExportTable = {
  name: 'ho-so-qua-han-co-nguy-co',
  columns: [
    { key: 'code', header: 'Mã hồ sơ' },
    { key: 'name', header: 'Tên cơ quan <chủ quản> & "đơn vị"' },
    { key: 'late', header: 'Số ngày làm việc trễ' },
    { key: 'step', header: 'Bước chịu trách nhiệm' },
  ],
  rows: [
    { code: 'G01.001.000-260101-0001', name: 'Sở Tư pháp', late: 2.5, step: 3 },
    { code: '  leading and trailing  ', name: 'a < b && c > "d" \'e\'', late: -1, step: null },
    { code: 'line\nbreak\ttab', name: 'Ủy ban nhân dân xã Đông Hòa 😀', late: 0, step: 1_234_567.891 },
    { code: 'bell\u0007 and \uD800 alone', name: null, late: null, step: null },
  ],
};

describe('xlsxWorkbook', () => {
  test('when a table is written, then a spreadsheet reader finds the headers in bold above the rows, strings and numbers as given and null as an empty cell', async () => {
    const sheet = await read(xlsxWorkbook(table));
    expect(sheet.name).toBe('ho-so-qua-han-co-nguy-co');
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(table.columns.map((c) => c.header));
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(sheet.getRow(2).getCell(1).font?.bold).toBeFalsy();
    const cells = (n: number) => [1, 2, 3, 4].map((c) => sheet.getRow(n).getCell(c).value);
    expect(cells(2)).toEqual(['G01.001.000-260101-0001', 'Sở Tư pháp', 2.5, 3]);
    expect(cells(3)).toEqual(['  leading and trailing  ', 'a < b && c > "d" \'e\'', -1, null]);
    expect(cells(4)).toEqual(['line\nbreak\ttab', 'Ủy ban nhân dân xã Đông Hòa 😀', 0, 1_234_567.891]);
    // Characters XML 1.0 cannot carry are replaced, not allowed to break the file.
    expect(cells(5)).toEqual(['bell\uFFFD and \uFFFD alone', null, null, null]);
    expect(sheet.rowCount).toBe(5);
  });

  test('when the sheet is opened, then its first row stays frozen and each column is at least 12 characters wide', async () => {
    const sheet = await read(xlsxWorkbook(table));
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.columns.map((c) => c.width)).toEqual([12, 35, 22, 23]);
  });

  test('when a table has more than 52 columns and 10 000 rows, then every cell is where its A1 reference says', async () => {
    const columns = Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, header: `H${i}` }));
    const rows = Array.from({ length: 10_000 }, (_, r) => Object.fromEntries(columns.map((c, i) => [c.key, r * 100 + i])));
    const sheet = await read(xlsxWorkbook({ name: 'wide', columns, rows }));
    expect(sheet.rowCount).toBe(10_001);
    expect(sheet.getRow(1).getCell(27).value).toBe('H26');
    expect(sheet.getCell('AA1').value).toBe('H26');
    expect(sheet.getCell('AZ1').value).toBe('H51');
    expect(sheet.getCell('BA1').value).toBe('H52');
    expect(sheet.getCell('BH10001').value).toBe(9_999 * 100 + 59);
    expect(sheet.getCell('AD10001').value).toBe(9_999 * 100 + 29);
    expect(sheet.getRow(5_000).getCell(30).value).toBe(4_998 * 100 + 29);
  });

  test('when cells are empty at the start, in the middle or at the end of a row, then both of ExcelJS\'s readers, whole and streaming, find every written cell in its column', async () => {
    // The streaming reader places a cell only by its reference: a workbook that left the
    // optional reference out of cells (a third less XML) made it fail on the first one.
    const gaps: ExportTable = {
      name: 'gaps',
      columns: ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, header: key.toUpperCase() })),
      rows: [
        { a: null, b: 'b2', c: null, d: null, e: 5 },
        { a: 1, b: null, c: 'c3', d: 'd3', e: null },
        { a: null, b: null, c: null, d: null, e: null },
        { a: 'a5', b: 2, c: 'c5', d: 4, e: 'e5' },
      ],
    };
    const expected = [
      ['A', 'B', 'C', 'D', 'E'],
      [null, 'b2', null, null, 5],
      [1, null, 'c3', 'd3', null],
      [null, null, null, null, null],
      ['a5', 2, 'c5', 4, 'e5'],
    ];
    const buffer = xlsxWorkbook(gaps);
    const sheet = await read(buffer);
    expect(expected.map((_, r) => [1, 2, 3, 4, 5].map((c) => sheet.getRow(r + 1).getCell(c).value))).toEqual(expected);

    const streamed = new Map<number, unknown[]>();
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buffer]), { sharedStrings: 'cache', worksheets: 'emit' });
    for await (const worksheet of reader) for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) streamed.set(row.number, [1, 2, 3, 4, 5].map((c) => row.getCell(c).value));
    expect(expected.map((_, r) => streamed.get(r + 1))).toEqual(expected);
  });

  test('when the file is unzipped with its checksums checked, then every part is intact and the same table gives the same bytes', async () => {
    const bytes = xlsxWorkbook(table);
    const archive = await JSZip.loadAsync(bytes, { checkCRC32: true });
    expect(Object.keys(archive.files).sort()).toEqual(['[Content_Types].xml', '_rels/.rels', 'docProps/core.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml', 'xl/styles.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']);
    expect(await archive.file('xl/sharedStrings.xml')!.async('string')).toContain('<si><t>Sở Tư pháp</t></si>');
    expect(xlsxWorkbook(table).equals(bytes)).toBe(true);
  });

  test('when a runtime has no zlib checksum, then the table\'s CRC-32 is the same as zlib\'s for any bytes', () => {
    const native = (zlib as { crc32?: (data: Buffer) => number }).crc32;
    expect(typeof native).toBe('function');
    let seed = 7;
    const samples = [Buffer.alloc(0), Buffer.from('Sở Tư pháp'), ...Array.from({ length: 20 }, (_, i) => Buffer.from(Array.from({ length: i * 97 }, () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) & 0xff)))];
    for (const bytes of samples) expect({ length: bytes.length, crc: crc32ByTable(bytes) }).toEqual({ length: bytes.length, crc: native!(bytes) });
  });

  test('when a string has spaces a reader would fold or trim, then only its cell keeps them with xml:space', async () => {
    const archive = await JSZip.loadAsync(xlsxWorkbook(table));
    const xml = await archive.file('xl/sharedStrings.xml')!.async('string');
    expect(xml).toContain('<t xml:space="preserve">  leading and trailing  </t>');
    expect(xml).toContain('<t xml:space="preserve">line\nbreak\ttab</t>');
    expect(xml).toContain('<t>G01.001.000-260101-0001</t>');
  });

  test('when the same value fills many cells, then the workbook holds it once and every cell shows it', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ code: `HS-${i % 3}`, name: 'Ủy ban nhân dân xã Đông Hòa', late: i, step: null }));
    const bytes = xlsxWorkbook({ ...table, rows });
    const strings = await (await JSZip.loadAsync(bytes)).file('xl/sharedStrings.xml')!.async('string');
    expect(strings.split('Ủy ban nhân dân xã Đông Hòa')).toHaveLength(2);
    expect(strings).toContain('count="604" uniqueCount="8"');
    const sheet = await read(bytes);
    expect([2, 150, 301].map((n) => [1, 2, 3].map((c) => sheet.getRow(n).getCell(c).value))).toEqual([
      ['HS-0', 'Ủy ban nhân dân xã Đông Hòa', 0],
      ['HS-1', 'Ủy ban nhân dân xã Đông Hòa', 148],
      ['HS-2', 'Ủy ban nhân dân xã Đông Hòa', 299],
    ]);
  });

  test('when a column holds mostly new values, then after a trial its cells are written inline and every cell still reads back', async () => {
    const rows = Array.from({ length: 1_000 }, (_, i) => ({ code: `G01.001.000-260101-${String(i).padStart(4, '0')}`, name: 'Sở Tư pháp', late: i, step: null }));
    const bytes = xlsxWorkbook({ ...table, rows });
    const archive = await JSZip.loadAsync(bytes);
    const strings = await archive.file('xl/sharedStrings.xml')!.async('string');
    // The four headers, the one name and the codes of the trial (its header counts in it); the
    // other 745 codes are inline.
    expect(strings).toContain('uniqueCount="260"');
    expect((await archive.file('xl/worksheets/sheet1.xml')!.async('string')).split('t="inlineStr"')).toHaveLength(746);
    const sheet = await read(bytes);
    expect([2, 256, 257, 1_001].map((n) => [1, 2].map((c) => sheet.getRow(n).getCell(c).value))).toEqual([0, 254, 255, 999].map((i) => [rows[i]!.code, 'Sở Tư pháp']));
  });

  test('when the rows come in batches, then the workbook is byte for byte the one written from the whole table', async () => {
    const columns = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, header: `Cột ${i}` }));
    const rows = Array.from({ length: 2_500 }, (_, r) => Object.fromEntries(columns.map((c, i) => [c.key, i % 2 ? `Hồ sơ ${r % 37}-${i}` : r * 10 + i])));
    async function* batches() {
      for (let at = 0; at < rows.length; at += 700) yield rows.slice(at, at + 700);
    }
    const streamed = await xlsxWorkbookOf({ name: 'lo', columns, batches: batches() });
    expect(streamed.equals(xlsxWorkbook({ name: 'lo', columns, rows }))).toBe(true);
    await JSZip.loadAsync(streamed, { checkCRC32: true });
  });

  test('when the rows fail part way, then the workbook fails with their error', async () => {
    async function* batches() {
      yield [{ code: 'a', name: 'b', late: 1, step: 2 }];
      throw new Error('store went away');
    }
    await expect(xlsxWorkbookOf({ name: 'x', columns: table.columns, batches: batches() })).rejects.toThrow('store went away');
  });

  test('when a name is longer than a sheet name may be or holds characters a sheet name may not, then the sheet name is cut to 31 and those become hyphens', async () => {
    const sheet = await read(xlsxWorkbook({ ...table, name: 'tre-han-2026-11-agency/[tinh]:*?-and-more-text' }));
    expect(sheet.name).toBe('tre-han-2026-11-agency--tinh---');
    expect(sheet.name).toHaveLength(31);
  });
});
