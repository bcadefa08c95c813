import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { csvToCatalogJson, parseCsv } from './catalog-csv.parser';
import { SAMPLE_CATALOG_CSV_PATH, loadSampleCatalog, parseCatalogFile, parseCatalogText } from './catalog-file.loader';
import { CatalogValidationError } from './catalog.errors';

const HEADER = 'catalogId,version,code,name,field,level,amount,unit,cutoff,steps,legalBasis,effectiveFrom';

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof CatalogValidationError) return error.issues.map((issue) => `${issue.field}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a CatalogValidationError');
}

function writeTemp(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tthc-catalog-')), name);
  writeFileSync(path, content);
  return path;
}

describe('parseCsv', () => {
  test('when fields are quoted, then commas, doubled quotes and line breaks stay inside the field', () => {
    const records = parseCsv('a,"b, c","say ""15 giờ""","two\nlines",\r\nx,y,z,w,v\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b, c', 'say "15 giờ"', 'two\nlines', ''] },
      { line: 3, fields: ['x', 'y', 'z', 'w', 'v'] },
    ]);
  });

  test('when the file starts with a UTF-8 byte-order mark and has no final line break, then the mark is dropped and the last record kept', () => {
    expect(parseCsv('\uFEFFcode,name\r\n1.001193,Đăng ký khai sinh')).toEqual([
      { line: 1, fields: ['code', 'name'] },
      { line: 2, fields: ['1.001193', 'Đăng ký khai sinh'] },
    ]);
  });

  test('when a quoted field is empty, then it is an empty string', () => {
    expect(parseCsv('"",x,""\n')).toEqual([{ line: 1, fields: ['', 'x', ''] }]);
  });

  test('when a quote is never closed, then the error names the line it opened on', () => {
    expect(issuesOf(() => parseCsv('a,b\nc,"unterminated\nmore'))).toEqual(['line 2: a quoted field is never closed']);
  });

  test('when text follows a closing quote, then the error says quotes must be doubled', () => {
    expect(issuesOf(() => parseCsv('a,"b"c\n'))).toEqual([
      'line 1: unexpected text after a closing quote (a quote inside a field must be doubled: "")',
    ]);
  });
});

describe('csvToCatalogJson', () => {
  test('when a row has steps and several legal bases, then they become the JSON shape with orders by position', () => {
    const csv = `${HEADER}\nx,1,1.001612,Đăng ký hộ kinh doanh,Hộ kinh doanh,commune,3,working-day,,"Tiếp nhận|Một cửa|4;Thẩm định|Sở XD|24;Ký|Lãnh đạo|0,5|000.00.12.H12",Luật 59/2020/QH14; NĐ 01/2021/NĐ-CP,2025-07-01\n`;
    const { json, lineOfProcedure } = csvToCatalogJson(csv);
    expect(json).toEqual({
      catalogId: 'x',
      version: '1',
      procedures: [
        {
          code: '1.001612',
          name: 'Đăng ký hộ kinh doanh',
          field: 'Hộ kinh doanh',
          level: 'commune',
          effectiveFrom: '2025-07-01',
          processingTime: { amount: 3, unit: 'working-day' },
          steps: [
            { order: 1, name: 'Tiếp nhận', agencyRole: 'Một cửa', allottedWorkingHours: 4 },
            { order: 2, name: 'Thẩm định', agencyRole: 'Sở XD', allottedWorkingHours: 24 },
            { order: 3, name: 'Ký', agencyRole: 'Lãnh đạo', allottedWorkingHours: 0.5, agencyCode: '000.00.12.H12' },
          ],
          legalBasis: ['Luật 59/2020/QH14', 'NĐ 01/2021/NĐ-CP'],
        },
      ],
    });
    expect(lineOfProcedure).toEqual([2]);
  });

  test('when a step is not name|agency|hours, then the error names the step', () => {
    const csv = `${HEADER}\nx,1,1.001612,Hộ kinh doanh,HKD,commune,3,working-day,,Tiếp nhận|4,Luật 59/2020/QH14,\n`;
    expect(issuesOf(() => csvToCatalogJson(csv))).toEqual([
      'procedures[0].steps[0]: expected "name|agency|hours" or "name|agency|hours|agencyCode", got "Tiếp nhận|4"',
    ]);
  });

  test('when the header lacks or misspells columns, then each is reported', () => {
    expect(issuesOf(() => csvToCatalogJson('catalogId,version,code,name,field,level,amount,units,legalBasis\n'))).toEqual([
      '(header): unknown column "units" (column 8)',
      '(header): missing column "unit"',
    ]);
  });

  test('when the file is semicolon-separated, then the error says how to save it', () => {
    expect(issuesOf(() => csvToCatalogJson('catalogId;version;code\n'))).toEqual([
      '(header): the file looks semicolon-separated; save it as comma-separated CSV (UTF-8)',
    ]);
  });

  test('when a row has the wrong number of fields or another catalog version, then the error names its line', () => {
    const csv = `${HEADER}\nx,1,1.001193,Khai sinh,Hộ tịch,commune,0,working-day,15:00,,Luật 60/2014/QH13,\nx,2,1.000894,Kết hôn,Hộ tịch,commune,0,working-day,15:00,,Luật 60/2014/QH13,\nx,1,too,few\n`;
    expect(issuesOf(() => csvToCatalogJson(csv))).toEqual([
      'line 3: version "2" differs from "1" on line 2; one file holds one catalog version',
      'line 4: expected 12 fields, found 4',
    ]);
  });

  test('when a CSV value is invalid, then the schema error names the field and the CSV line', () => {
    const csv = `${HEADER}\n\nx,1,1.001193,Khai sinh,Hộ tịch,commune,0,working-day,15:00,,Luật 60/2014/QH13,\nx,1,1.000894,Kết hôn,Hộ tịch,commune,ba,ngày,,,Luật 60/2014/QH13,\n`;
    expect(issuesOf(() => parseCatalogText(csv, 'csv'))).toEqual([
      'procedures[1].processingTime.amount: expected number, got the text "ba" (CSV line 4)',
      'procedures[1].processingTime.unit: must be one of working-day, working-hour, calendar-day (CSV line 4)',
    ]);
  });

  test('when the CSV file is empty, then the error names the file', () => {
    expect(issuesOf(() => csvToCatalogJson('\uFEFF\n\n'))).toEqual(['(file): the CSV file is empty']);
  });
});

describe('parseCatalogFile', () => {
  test('when the shipped CSV sample is read, then its procedures equal the same procedures of the JSON sample', () => {
    const { catalog, warnings } = parseCatalogFile(SAMPLE_CATALOG_CSV_PATH);
    const json = loadSampleCatalog();
    expect(catalog).toMatchObject({ catalogId: json.catalogId, version: json.version, label: 'sample' });
    expect(catalog.procedures.map((procedure) => procedure.code)).toEqual(['2.000815', '1.001612', '0.000106']);
    for (const procedure of catalog.procedures) expect(procedure).toEqual(json.get(procedure.code));
    expect(warnings.map((warning) => warning.field)).toEqual(['label']);
  });

  test('when a file has another extension, then it is refused before reading', () => {
    expect(issuesOf(() => parseCatalogFile('/tmp/catalog.xlsx'))).toEqual([
      '(file): cannot tell the format of "/tmp/catalog.xlsx": the name must end in .json or .csv',
    ]);
  });

  test('when a JSON file is not JSON or does not exist, then the error names the file', () => {
    expect(issuesOf(() => parseCatalogFile(writeTemp('bad.json', '{ "catalogId": ')))[0]).toMatch(/^\(file\): not valid JSON: /);
    expect(issuesOf(() => parseCatalogFile('/nonexistent/catalog.json'))[0]).toMatch(/^\(file\): cannot read \/nonexistent\/catalog\.json: /);
  });

  test('when a JSON file starts with a byte-order mark, then it is still read', () => {
    const path = writeTemp('bom.JSON', `\uFEFF${JSON.stringify({ catalogId: 'x', version: '1', effectiveFrom: '2025-07-01', procedures: [] })}`);
    expect(parseCatalogFile(path).catalog.procedures).toEqual([]);
  });
});
