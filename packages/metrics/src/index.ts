/**
 * `@tthc/metrics`: delay counts per agency, procedure and period, and estimated 766 / PAR
 * Index sub-scores with a forecast. Pure computation over normalised dossier records; the
 * services read and write the stores.
 */
export * from './period';
export * from './subject-record';
export * from './agency-directory';
export * from './delay-counts';
export * from './rubric';
export * from './subscores';
export { SAMPLE_AGENCY_DIRECTORY_PATH, SAMPLE_RUBRIC_PATH } from './sample-files';
export * from './satisfaction';
