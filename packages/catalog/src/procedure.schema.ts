/**
 * The catalog file: which procedures exist, how long each may take, whether the 15:00 cut-off
 * applies, the internal steps with their allotted hours, and the instruments that say so.
 *
 * Durations are data, never code (docs/legal-rules.md rule 1): a province publishes its catalog by
 * decision and amends it several times a year, so every number here comes from the file.
 */
import { z } from 'zod';
import type { DurationUnit } from '@tthc/calendar';

import type { CatalogIssue } from './catalog.errors';
import { CatalogValidationError } from './catalog.errors';

/** Levels of the two-level local government (docs/legal-rules.md §5): there is no district level after 01/7/2025. */
export const PROCEDURE_LEVELS = ['province', 'commune', 'ministry'] as const;
export type ProcedureLevel = (typeof PROCEDURE_LEVELS)[number];

export const PROCESSING_UNITS = ['working-day', 'working-hour', 'calendar-day'] as const satisfies readonly DurationUnit[];

/**
 * Internal procedures convert days to hours at "tính mỗi ngày 08 giờ làm việc" (docs/legal-rules.md §1.1 and
 * rule 2). This is law, not the clock hours of a province, which stay in the calendar.
 */
export const WORKING_HOURS_PER_DAY = 8;

/** Labels with a meaning; any other label is kept as given. */
export const SAMPLE_LABEL = 'sample';
export const OFFICIAL_LABEL = 'official';

// `@` separates code and version in stored keys, so neither may contain it.
const IDENTIFIER = /^[0-9A-Za-z][0-9A-Za-z._:+-]{0,63}$/;
const PROCEDURE_CODE = /^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/;
const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// Vietnamese text arrives in both composed and decomposed Unicode (Word exports, old portals);
// NFC makes `field` filters and content hashes independent of where the text came from.
const text = () => z.string().trim().normalize('NFC').min(1, 'must not be empty');

const identifier = () =>
  z.string().trim().regex(IDENTIFIER, 'must be 1–64 letters, digits or . _ : + - (no spaces, no @)');

const procedureCode = () =>
  z
    .string()
    .trim()
    .regex(PROCEDURE_CODE, 'must be a procedure code such as 1.001193 or 2.000815 (letters, digits, . _ -; no spaces)');

const isoDate = () =>
  z.string().trim().refine(isRealDate, 'must be a date YYYY-MM-DD, e.g. 2025-07-01');

const processingTimeSchema = z
  .strictObject({
    amount: z.number().min(0, 'must be >= 0').refine(Number.isFinite, 'must be a finite number'),
    unit: z.enum(PROCESSING_UNITS, { error: () => `must be one of ${PROCESSING_UNITS.join(', ')}` }),
  })
  .superRefine((value, ctx) => {
    // The calendar counts calendar days whole; a fraction would be silently meaningless.
    if (value.unit === 'calendar-day' && !Number.isInteger(value.amount)) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'calendar days must be a whole number' });
    }
  });

const stepSchema = z
  .strictObject({
    order: z.number().int('must be a whole number').min(1, 'must be >= 1'),
    name: text(),
    agencyRole: text().optional(),
    agencyCode: z.string().trim().min(1, 'must not be empty').optional(),
    allottedWorkingHours: z.number().positive('must be > 0').refine(Number.isFinite, 'must be a finite number'),
  })
  .superRefine((value, ctx) => {
    if (value.agencyRole === undefined && value.agencyCode === undefined) {
      ctx.addIssue({ code: 'custom', path: ['agencyRole'], message: 'a step needs agencyRole or agencyCode' });
    }
  });

export const procedureSchema = z.strictObject({
  code: procedureCode(),
  name: text(),
  field: text(),
  level: z.enum(PROCEDURE_LEVELS, {
    error: () => `must be one of ${PROCEDURE_LEVELS.join(', ')} (there is no district level since 01/7/2025)`,
  }),
  processingTime: processingTimeSchema,
  cutoff: z.string().trim().regex(CLOCK_TIME, 'must be HH:MM, e.g. 15:00').optional(),
  steps: z
    .array(stepSchema)
    .transform((steps) => [...steps].sort((a, b) => a.order - b.order))
    .optional(),
  legalBasis: z.array(text()).min(1, 'must name at least one instrument (document number)'),
  effectiveFrom: isoDate().optional(),
  /** Free text for the operator: where a number came from, what is unverified. */
  note: text().optional(),
});

const catalogFileSchema = z.strictObject({
  catalogId: identifier(),
  version: identifier(),
  label: text().optional(),
  description: text().optional(),
  /** Default for procedures without their own `effectiveFrom`. */
  effectiveFrom: isoDate().optional(),
  procedures: z.array(procedureSchema),
});

export type ProcessingTime = z.output<typeof processingTimeSchema>;
export type ProcedureStep = z.output<typeof stepSchema>;
export type Procedure = z.output<typeof procedureSchema>;
export type CatalogFile = z.output<typeof catalogFileSchema>;

export interface CatalogCheck {
  readonly catalog: CatalogFile;
  /** Problems that do not stop the import (inconsistent step tables, a sample label, …). */
  readonly warnings: readonly CatalogIssue[];
}

export type CatalogValidation =
  | ({ readonly ok: true } & CatalogCheck)
  | { readonly ok: false; readonly errors: readonly CatalogIssue[] };

export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'string') return `the text ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`;
  if (typeof input === 'object') return 'an object';
  return `${typeof input} ${String(input)}`;
}

function zodIssues(error: z.ZodError): CatalogIssue[] {
  const issues: CatalogIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: fieldName([...issue.path, key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_type') {
      const message = issue.input === undefined ? 'is required' : `expected ${issue.expected}, got ${describe(issue.input)}`;
      issues.push({ field: fieldName(issue.path), message });
    } else {
      issues.push({ field: fieldName(issue.path), message: issue.message });
    }
  }
  return issues;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks that need the whole list. They run on the raw input so that a duplicate is reported
 * together with every other error, not only once the rest of the file is clean.
 */
function crossIssues(json: unknown): CatalogIssue[] {
  if (!isRecord(json) || !Array.isArray(json.procedures)) return [];
  const issues: CatalogIssue[] = [];
  const firstByCode = new Map<string, number>();
  json.procedures.forEach((procedure: unknown, index) => {
    if (!isRecord(procedure)) return;
    if (typeof procedure.code === 'string') {
      const code = procedure.code.trim();
      const first = firstByCode.get(code);
      if (first === undefined) firstByCode.set(code, index);
      else issues.push({ field: `procedures[${index}].code`, message: `duplicate code ${JSON.stringify(code)} (also procedures[${first}])` });
    }
    if (Array.isArray(procedure.steps)) {
      const firstByOrder = new Map<number, number>();
      procedure.steps.forEach((step: unknown, stepIndex) => {
        if (!isRecord(step) || typeof step.order !== 'number') return;
        const first = firstByOrder.get(step.order);
        if (first === undefined) firstByOrder.set(step.order, stepIndex);
        else {
          issues.push({
            field: `procedures[${index}].steps[${stepIndex}].order`,
            message: `duplicate order ${step.order} (also steps[${first}])`,
          });
        }
      });
    }
  });
  return issues;
}

/** The working hours a procedure's steps may use in total, or undefined when not comparable. */
export function processingHours(time: ProcessingTime): number | undefined {
  switch (time.unit) {
    case 'working-hour':
      return time.amount;
    case 'working-day':
      // "0 working days" is a same-day procedure: the rest of the reception day, at most one day.
      return (time.amount === 0 ? 1 : time.amount) * WORKING_HOURS_PER_DAY;
    case 'calendar-day':
      // How many working hours N calendar days hold depends on weekends and holidays.
      return undefined;
  }
}

function catalogWarnings(catalog: CatalogFile): CatalogIssue[] {
  const warnings: CatalogIssue[] = [];
  if (catalog.label?.toLowerCase() === SAMPLE_LABEL) {
    warnings.push({
      field: 'label',
      message: 'this catalog is labelled "sample": its codes and durations are illustrative, not the province\'s published catalog',
    });
  }
  const undated = catalog.procedures.filter((procedure) => procedure.effectiveFrom === undefined).length;
  if (undated > 0) {
    warnings.push({
      field: 'effectiveFrom',
      message: `${undated} procedure(s) have no effectiveFrom (neither their own nor the catalog's); they take effect when first imported`,
    });
  }
  catalog.procedures.forEach((procedure, index) => {
    const steps = procedure.steps ?? [];
    const capacity = processingHours(procedure.processingTime);
    if (steps.length === 0 || capacity === undefined) return;
    const total = steps.reduce((sum, step) => sum + step.allottedWorkingHours, 0);
    // Provinces do publish tables whose steps add up to more than the procedure's time; the
    // published duration still binds, so this is reported rather than refused.
    if (total > capacity + 1e-9) {
      const { amount, unit } = procedure.processingTime;
      warnings.push({
        field: `procedures[${index}].steps`,
        message: `the steps allot ${total} working hours, more than the processing time of ${amount} ${unit} (${capacity} working hours)`,
      });
    }
  });
  return warnings;
}

/** Validates a parsed catalog file and fills each procedure's `effectiveFrom` from the catalog's. */
export function validateCatalog(json: unknown): CatalogValidation {
  const parsed = catalogFileSchema.safeParse(json, { reportInput: true });
  const errors = [...(parsed.success ? [] : zodIssues(parsed.error)), ...crossIssues(json)];
  if (!parsed.success || errors.length > 0) return { ok: false, errors };
  const file = parsed.data;
  const catalog: CatalogFile = {
    ...file,
    procedures: file.procedures.map((procedure) =>
      procedure.effectiveFrom === undefined && file.effectiveFrom !== undefined
        ? { ...procedure, effectiveFrom: file.effectiveFrom }
        : procedure,
    ),
  };
  return { ok: true, catalog, warnings: catalogWarnings(catalog) };
}

/** Like {@link validateCatalog}, but throws a {@link CatalogValidationError} naming every bad field. */
export function checkCatalog(json: unknown): CatalogCheck {
  const result = validateCatalog(json);
  if (!result.ok) throw new CatalogValidationError(result.errors);
  return { catalog: result.catalog, warnings: result.warnings };
}
