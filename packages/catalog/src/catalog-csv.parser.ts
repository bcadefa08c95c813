/**
 * The flat CSV form of a catalog: one row per procedure, as provinces keep it in spreadsheets.
 * It is turned into the JSON shape and then validated by the same schema, so both formats give
 * the same errors (`procedures[2].processingTime.unit: …`).
 *
 * Parsed by hand (RFC 4180: quoted fields with commas, doubled quotes and line breaks; CRLF or
 * LF; a UTF-8 byte-order mark) because the format is small and a dependency is not.
 */
import type { CatalogIssue } from './catalog.errors';
import { CatalogValidationError } from './catalog.errors';

export interface CsvRecord {
  /** 1-based line on which the record starts (a quoted field may span lines). */
  readonly line: number;
  readonly fields: readonly string[];
}

/** Splits CSV text into records. Throws on an unterminated quote or text after a closing quote. */
export function parseCsv(input: string): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '"' && field === '') {
      const openedOn = line;
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new CatalogValidationError([{ field: `line ${openedOn}`, message: 'a quoted field is never closed' }]);
        }
        const inner = text[i] as string;
        if (inner === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (inner === '\n') line++;
        field += inner;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new CatalogValidationError([{ field: `line ${line}`, message: 'unexpected text after a closing quote (a quote inside a field must be doubled: "")' }]);
      }
      continue;
    }
    if (char === ',') {
      fields.push(field);
      field = '';
      i++;
    } else if (char === '\r' || char === '\n') {
      i += char === '\r' && text[i + 1] === '\n' ? 2 : 1;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += char;
      i++;
    }
  }
  // A last record without a trailing line break.
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

export const CSV_REQUIRED_COLUMNS = ['catalogId', 'version', 'code', 'name', 'field', 'level', 'amount', 'unit', 'legalBasis'] as const;
export const CSV_OPTIONAL_COLUMNS = ['label', 'cutoff', 'steps', 'effectiveFrom', 'note'] as const;
const KNOWN_COLUMNS: ReadonlySet<string> = new Set([...CSV_REQUIRED_COLUMNS, ...CSV_OPTIONAL_COLUMNS]);
const CATALOG_COLUMNS = ['catalogId', 'version', 'label'] as const;

export interface CsvCatalog {
  /** The catalog in the JSON shape, not yet validated. */
  readonly json: Record<string, unknown>;
  /** CSV line of each procedure, by index in `json.procedures`, to point errors at the sheet. */
  readonly lineOfProcedure: readonly number[];
}

// Numbers as people type them in Vietnamese spreadsheets too: "0,5" is a half.
const NUMBER = /^-?\d+(?:[.,]\d+)?$/;

function numberOrText(value: string): number | string {
  return NUMBER.test(value) ? Number(value.replace(',', '.')) : value;
}

function parseSteps(cell: string, procedureIndex: number, issues: CatalogIssue[]): Record<string, unknown>[] {
  const steps: Record<string, unknown>[] = [];
  cell
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .forEach((part, index) => {
      const pieces = part.split('|').map((piece) => piece.trim());
      const [name, agencyRole, hours, agencyCode] = pieces;
      if ((pieces.length !== 3 && pieces.length !== 4) || hours === undefined) {
        issues.push({
          field: `procedures[${procedureIndex}].steps[${index}]`,
          message: `expected "name|agency|hours" or "name|agency|hours|agencyCode", got ${JSON.stringify(part)}`,
        });
        return;
      }
      const step: Record<string, unknown> = { order: index + 1, name, allottedWorkingHours: numberOrText(hours) };
      if (agencyRole) step.agencyRole = agencyRole;
      if (agencyCode) step.agencyCode = agencyCode;
      steps.push(step);
    });
  return steps;
}

/**
 * Converts CSV text to the catalog's JSON shape. Columns (header names, any order):
 * `catalogId, version, code, name, field, level, amount, unit, legalBasis` and optionally
 * `label, cutoff, steps, effectiveFrom, note`. `legalBasis` lists documents separated by `;`;
 * `steps` lists `name|agency|hours` (or `name|agency|hours|agencyCode`) separated by `;`.
 * The catalog columns must be the same on every row: one file is one catalog version.
 */
export function csvToCatalogJson(text: string): CsvCatalog {
  const records = parseCsv(text).filter((record) => record.fields.some((cell) => cell.trim() !== ''));
  const header = records[0];
  if (header === undefined) throw new CatalogValidationError([{ field: '(file)', message: 'the CSV file is empty' }]);
  const columns = header.fields.map((name) => name.trim());
  const issues: CatalogIssue[] = [];
  if (columns.length === 1 && (columns[0] ?? '').includes(';')) {
    throw new CatalogValidationError([
      { field: '(header)', message: 'the file looks semicolon-separated; save it as comma-separated CSV (UTF-8)' },
    ]);
  }
  columns.forEach((name, index) => {
    if (!KNOWN_COLUMNS.has(name)) issues.push({ field: '(header)', message: `unknown column ${JSON.stringify(name)} (column ${index + 1})` });
    else if (columns.indexOf(name) !== index) issues.push({ field: '(header)', message: `column ${JSON.stringify(name)} appears twice` });
  });
  for (const name of CSV_REQUIRED_COLUMNS) {
    if (!columns.includes(name)) issues.push({ field: '(header)', message: `missing column ${JSON.stringify(name)}` });
  }
  if (issues.length > 0) throw new CatalogValidationError(issues);

  const catalog: Record<string, unknown> = {};
  const firstLineOf = new Map<string, number>();
  const procedures: Record<string, unknown>[] = [];
  const lineOfProcedure: number[] = [];
  for (const record of records.slice(1)) {
    if (record.fields.length !== columns.length) {
      issues.push({ field: `line ${record.line}`, message: `expected ${columns.length} fields, found ${record.fields.length}` });
      continue;
    }
    const row = new Map<string, string>();
    columns.forEach((name, index) => {
      const value = (record.fields[index] ?? '').trim();
      if (value !== '') row.set(name, value);
    });
    for (const name of CATALOG_COLUMNS) {
      const value = row.get(name);
      if (value === undefined) continue;
      const first = catalog[name];
      if (first === undefined) {
        catalog[name] = value;
        firstLineOf.set(name, record.line);
      } else if (first !== value) {
        issues.push({
          field: `line ${record.line}`,
          message: `${name} ${JSON.stringify(value)} differs from ${JSON.stringify(first)} on line ${firstLineOf.get(name)}; one file holds one catalog version`,
        });
      }
    }
    const index = procedures.length;
    const procedure: Record<string, unknown> = {};
    for (const name of ['code', 'name', 'field', 'level', 'cutoff', 'effectiveFrom', 'note'] as const) {
      const value = row.get(name);
      if (value !== undefined) procedure[name] = value;
    }
    const amount = row.get('amount');
    const unit = row.get('unit');
    procedure.processingTime = {
      ...(amount === undefined ? {} : { amount: numberOrText(amount) }),
      ...(unit === undefined ? {} : { unit }),
    };
    const steps = row.get('steps');
    if (steps !== undefined) procedure.steps = parseSteps(steps, index, issues);
    const legalBasis = row.get('legalBasis');
    if (legalBasis !== undefined) {
      procedure.legalBasis = legalBasis
        .split(';')
        .map((part) => part.trim())
        .filter((part) => part !== '');
    }
    procedures.push(procedure);
    lineOfProcedure.push(record.line);
  }
  if (issues.length > 0) throw new CatalogValidationError(issues);
  return { json: { ...catalog, procedures }, lineOfProcedure };
}
