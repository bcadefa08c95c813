/**
 * Reading catalog files from disk (JSON or CSV, chosen by extension) and the shipped sample.
 */
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

import { Catalog } from './catalog';
import { csvToCatalogJson } from './catalog-csv.parser';
import type { CatalogIssue } from './catalog.errors';
import { CatalogValidationError } from './catalog.errors';
import { checkCatalog, validateCatalog, type CatalogCheck } from './procedure.schema';

// `src/sample` is reached from both `src/` (tests) and `dist/` (build) by the same relative
// path, so the sample is not copied into the build and cannot drift from the source.
const SAMPLE_DIR = join(__dirname, '..', 'src', 'sample');

/** A SAMPLE catalog of common procedures: illustrative codes and durations, not authoritative. */
export const SAMPLE_CATALOG_PATH = join(SAMPLE_DIR, 'procedures.sample.json');
/** Three procedures of the sample in the CSV form. */
export const SAMPLE_CATALOG_CSV_PATH = join(SAMPLE_DIR, 'procedures.sample.csv');

export type CatalogFormat = 'json' | 'csv';

export function catalogFormatOf(path: string): CatalogFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.csv') return 'csv';
  throw new CatalogValidationError([
    { field: '(file)', message: `cannot tell the format of ${JSON.stringify(path)}: the name must end in .json or .csv` },
  ]);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CatalogValidationError([{ field: '(file)', message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
}

function parseJson(text: string): unknown {
  try {
    // A byte-order mark is legal in a UTF-8 file saved by Windows tools, but not in JSON.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch (error) {
    throw new CatalogValidationError([{ field: '(file)', message: `not valid JSON: ${(error as Error).message}` }]);
  }
}

// Schema errors name `procedures[i]`; in a spreadsheet the operator looks for a line number.
function withCsvLines(issues: readonly CatalogIssue[], lineOfProcedure: readonly number[]): CatalogIssue[] {
  return issues.map((issue) => {
    const match = /^procedures\[(\d+)\]/.exec(issue.field);
    const line = match ? lineOfProcedure[Number(match[1])] : undefined;
    return line === undefined ? issue : { field: issue.field, message: `${issue.message} (CSV line ${line})` };
  });
}

/** Validates catalog text in the given format. Throws {@link CatalogValidationError} naming each bad field. */
export function parseCatalogText(text: string, format: CatalogFormat): CatalogCheck {
  if (format === 'json') {
    const result = validateCatalog(parseJson(text));
    if (!result.ok) throw new CatalogValidationError(result.errors);
    return { catalog: result.catalog, warnings: result.warnings };
  }
  const { json, lineOfProcedure } = csvToCatalogJson(text);
  const result = validateCatalog(json);
  if (!result.ok) throw new CatalogValidationError(withCsvLines(result.errors, lineOfProcedure));
  return { catalog: result.catalog, warnings: withCsvLines(result.warnings, lineOfProcedure) };
}

/** Reads and validates a `.json` or `.csv` catalog file. */
export function parseCatalogFile(path: string): CatalogCheck {
  const format = catalogFormatOf(path);
  return parseCatalogText(readText(path), format);
}

/** Validates and indexes a parsed catalog (JSON shape). Throws {@link CatalogValidationError}. */
export function loadCatalog(json: unknown): Catalog {
  const { catalog, warnings } = checkCatalog(json);
  return new Catalog(catalog, warnings);
}

/** Reads, validates and indexes a catalog file. */
export function loadCatalogFile(path: string): Catalog {
  const { catalog, warnings } = parseCatalogFile(path);
  return new Catalog(catalog, warnings);
}

/** The shipped SAMPLE catalog (label `sample`). For demos and tests, never as the law. */
export function loadSampleCatalog(): Catalog {
  return loadCatalogFile(SAMPLE_CATALOG_PATH);
}
