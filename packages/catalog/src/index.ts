/**
 * `@tthc/catalog`: the procedure catalog (processing time, cut-off, internal steps, legal basis
 * per procedure code), the legal due instant and step deadlines computed with `@tthc/calendar`,
 * and the appointment audit. Pure: nothing here loads mongoose or a transport, so domain code
 * may import it. The versioned MongoDB store behind `npm run catalog:import` is
 * `@tthc/catalog/storage`.
 */
export {
  OFFICIAL_LABEL,
  PROCEDURE_LEVELS,
  PROCESSING_UNITS,
  SAMPLE_LABEL,
  WORKING_HOURS_PER_DAY,
  checkCatalog,
  fieldName,
  processingHours,
  procedureSchema,
  validateCatalog,
  type CatalogCheck,
  type CatalogFile,
  type CatalogValidation,
  type Procedure,
  type ProcedureLevel,
  type ProcedureStep,
  type ProcessingTime,
} from './procedure.schema';
export {
  CSV_OPTIONAL_COLUMNS,
  CSV_REQUIRED_COLUMNS,
  csvToCatalogJson,
  parseCsv,
  type CsvCatalog,
  type CsvRecord,
} from './catalog-csv.parser';
export {
  SAMPLE_CATALOG_CSV_PATH,
  SAMPLE_CATALOG_PATH,
  catalogFormatOf,
  loadCatalog,
  loadCatalogFile,
  loadSampleCatalog,
  parseCatalogFile,
  parseCatalogText,
  type CatalogFormat,
} from './catalog-file.loader';
export {
  Catalog,
  computeLegalDue,
  computeStepDeadlines,
  type CatalogEntry,
  type LegalDue,
  type ProcedureFilter,
  type StepDeadline,
  type StepStarts,
} from './catalog';
export {
  auditAppointment,
  type AppointmentAuditInput,
  type AppointmentFinding,
  type AppointmentFindingCode,
} from './appointment-audit';
export type { ProcedureStore, StoredProcedure, StoredProcedureFilter } from './procedure-store';
export {
  CatalogInputError,
  CatalogValidationError,
  ProcedureNotFoundError,
  formatIssue,
  type CatalogIssue,
} from './catalog.errors';
export { DUTY_LEVELS, DUTY_PERIOD_MONTHS, checkDuties, dutiesFileSchema, dutySchema, type DutiesCheck, type DutiesFile, type Duty, type DutyPeriodMonths } from './duties/duty.schema';
export { agenciesOfDuty, dutyInForce, dutyPeriodOf, type DutyAgency, type DutyPeriod } from './duties/duty-period';
export { SAMPLE_DUTIES_PATH, loadDutiesFile } from './duties/duties-file.loader';
