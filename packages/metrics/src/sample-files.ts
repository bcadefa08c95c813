import { join } from 'node:path';

// The samples stay under src/ (shipped through package.json "files") so the built package
// and the sources read the same files.
const sampleDir = join(__dirname, '..', 'src', 'sample');

/** The agency directory shipped for development and tests; labelled sample. */
export const SAMPLE_AGENCY_DIRECTORY_PATH = join(sampleDir, 'agency-directory.sample.json');
/** The PAR Index rubric shipped for development and tests; labelled sample, not law. */
export const SAMPLE_RUBRIC_PATH = join(sampleDir, 'rubric.sample.json');
