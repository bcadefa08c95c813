import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogValidationError } from '../catalog.errors';
import { checkDuties, type DutiesFile } from './duty.schema';

/** The shipped duties: the seeds' leaders' dialogue every 6 months (a sample, not an official list). */
export const SAMPLE_DUTIES_PATH = join(__dirname, '..', '..', 'src', 'sample', 'duties.sample.json');

/** Reads and validates a duties file; throws {@link CatalogValidationError} naming every bad field. */
export function loadDutiesFile(path: string): DutiesFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new CatalogValidationError([{ field: '(file)', message: `cannot read duties file ${path}: ${(error as Error).message}` }]);
  }
  const checked = checkDuties(json);
  if (!checked.ok) throw new CatalogValidationError(checked.issues);
  return checked.file;
}
