/**
 * The catalog in memory, and the two computations it exists for: the legal due instant of a
 * received dossier and the deadline of each internal step. All arithmetic is the calendar's
 * (`calendar.due`): a deadline computed with Date arithmetic ignores holidays and the lunch break.
 */
import type { Calendar, DurationUnit, InstantInput } from '@tthc/calendar';

import type { CatalogIssue } from './catalog.errors';
import { CatalogInputError, ProcedureNotFoundError } from './catalog.errors';
import { SAMPLE_LABEL, type CatalogFile, type Procedure, type ProcedureLevel } from './procedure.schema';

/** A procedure together with the catalog version it was read from: what a deadline must record. */
export interface CatalogEntry {
  readonly procedure: Procedure;
  readonly catalogId: string;
  readonly catalogVersion: string;
}

export interface LegalDue {
  readonly procedureCode: string;
  readonly catalogId: string;
  readonly catalogVersion: string;
  /** The reception instant, in the calendar's zone, to the second. */
  readonly receivedAt: string;
  /** The legal maximum: the due instant in the calendar's zone, e.g. `2026-02-25T14:00:00+07:00`. */
  readonly dueAt: string;
  /** The calendar used a provisional year or one missing from its file. */
  readonly uncertain: boolean;
  readonly calendarId: string;
  readonly calendarVersion: string;
  readonly amount: number;
  readonly unit: DurationUnit;
  /** `HH:MM` when the procedure's published rules apply a cut-off, otherwise null. */
  readonly cutoff: string | null;
  /** The instruments that fix the processing time. */
  readonly legalBasis: readonly string[];
}

export interface StepDeadline {
  readonly order: number;
  readonly name: string;
  readonly agencyRole: string | null;
  readonly agencyCode: string | null;
  readonly allottedWorkingHours: number;
  /** When the step's clock starts, in the calendar's zone. */
  readonly startAt: string;
  /** `given` when the caller supplied the step's own start (a hand-over on the Phiếu kiểm soát). */
  readonly startSource: 'given' | 'previous-step-due';
  readonly dueAt: string;
  readonly uncertain: boolean;
  readonly calendarId: string;
  readonly calendarVersion: string;
}

/**
 * Step starts: one instant (the planned schedule, each step starting when the one before is due)
 * or the actual start of each step by `order`; a step without one starts at the previous due.
 */
export type StepStarts = InstantInput | ReadonlyMap<number, InstantInput> | Readonly<Record<number, InstantInput>>;

export interface ProcedureFilter {
  /** Lĩnh vực, compared without regard to case or Unicode composition. */
  readonly field?: string;
  readonly level?: ProcedureLevel;
}

/** The legal due instant of a dossier of `entry.procedure` received at `receivedAt`. */
export function computeLegalDue(entry: CatalogEntry, receivedAt: InstantInput, calendar: Calendar): LegalDue {
  const { procedure } = entry;
  const { amount, unit } = procedure.processingTime;
  const answer = calendar.due({
    from: receivedAt,
    amount,
    unit,
    ...(procedure.cutoff === undefined ? {} : { cutoff: procedure.cutoff }),
  });
  return {
    procedureCode: procedure.code,
    catalogId: entry.catalogId,
    catalogVersion: entry.catalogVersion,
    receivedAt: calendar.formatInstant(receivedAt),
    dueAt: calendar.formatInstant(answer.due),
    uncertain: answer.uncertain,
    calendarId: answer.calendarId,
    calendarVersion: answer.calendarVersion,
    amount,
    unit,
    cutoff: procedure.cutoff ?? null,
    legalBasis: procedure.legalBasis,
  };
}

function isInstant(value: StepStarts): value is InstantInput {
  return typeof value === 'string' || typeof value === 'number' || value instanceof Date;
}

function givenStart(starts: StepStarts, order: number): InstantInput | undefined {
  if (isInstant(starts)) return undefined;
  if (starts instanceof Map) return starts.get(order);
  return (starts as Readonly<Record<number, InstantInput>>)[order];
}

/**
 * Each internal step's deadline from its own start and its allotted working hours (docs/legal-rules.md
 * rule 11: a step is rated against its own allotment, not against the dossier's appointment).
 */
export function computeStepDeadlines(entry: CatalogEntry, stepStart: StepStarts, calendar: Calendar): StepDeadline[] {
  const deadlines: StepDeadline[] = [];
  let previousDue: Date | undefined = undefined;
  for (const step of entry.procedure.steps ?? []) {
    const own = isInstant(stepStart) ? (deadlines.length === 0 ? stepStart : undefined) : givenStart(stepStart, step.order);
    const start = own ?? previousDue;
    if (start === undefined) {
      throw new CatalogInputError('stepStart', `no start given for step ${step.order} (${step.name}), the first step of ${entry.procedure.code}`);
    }
    const answer = calendar.due({ from: start, amount: step.allottedWorkingHours, unit: 'working-hour' });
    deadlines.push({
      order: step.order,
      name: step.name,
      agencyRole: step.agencyRole ?? null,
      agencyCode: step.agencyCode ?? null,
      allottedWorkingHours: step.allottedWorkingHours,
      startAt: calendar.formatInstant(start),
      startSource: own === undefined ? 'previous-step-due' : 'given',
      dueAt: calendar.formatInstant(answer.due),
      uncertain: answer.uncertain,
      calendarId: answer.calendarId,
      calendarVersion: answer.calendarVersion,
    });
    previousDue = answer.due;
  }
  return deadlines;
}

const fold = (text: string) => text.normalize('NFC').trim().toLocaleLowerCase('vi');

/** A validated catalog file, indexed by procedure code. Immutable. */
export class Catalog {
  readonly catalogId: string;
  readonly version: string;
  readonly label: string | null;
  readonly description: string | null;
  /** Validation warnings of the file it was loaded from. */
  readonly warnings: readonly CatalogIssue[];
  private readonly byCode: ReadonlyMap<string, Procedure>;

  /** `file` must come from `checkCatalog`/`parseCatalogFile`; use `loadCatalog` for raw JSON. */
  constructor(
    readonly file: CatalogFile,
    warnings: readonly CatalogIssue[] = [],
  ) {
    this.catalogId = file.catalogId;
    this.version = file.version;
    this.label = file.label ?? null;
    this.description = file.description ?? null;
    this.warnings = warnings;
    this.byCode = new Map(file.procedures.map((procedure) => [procedure.code, procedure]));
  }

  get size(): number {
    return this.byCode.size;
  }

  get isSample(): boolean {
    return this.label?.toLowerCase() === SAMPLE_LABEL;
  }

  /** The procedure, or undefined when the catalog has no such code. */
  get(code: string): Procedure | undefined {
    return this.byCode.get(code.trim());
  }

  /** The procedure with its catalog version; throws {@link ProcedureNotFoundError}. */
  entry(code: string): CatalogEntry {
    const procedure = this.get(code);
    if (procedure === undefined) throw new ProcedureNotFoundError(code, ` ${this.catalogId} version ${this.version}`);
    return { procedure, catalogId: this.catalogId, catalogVersion: this.version };
  }

  /** Procedures in file order, optionally of one field (lĩnh vực) and/or level. */
  list(filter: ProcedureFilter = {}): Procedure[] {
    const field = filter.field === undefined ? undefined : fold(filter.field);
    return [...this.byCode.values()].filter(
      (procedure) => (field === undefined || fold(procedure.field) === field) && (filter.level === undefined || procedure.level === filter.level),
    );
  }

  /** The legal due instant of a dossier received at `receivedAt`. */
  legalDue(procedureCode: string, receivedAt: InstantInput, calendar: Calendar): LegalDue {
    return computeLegalDue(this.entry(procedureCode), receivedAt, calendar);
  }

  /** Each internal step's deadline; see {@link computeStepDeadlines}. */
  stepDeadlines(procedureCode: string, stepStart: StepStarts, calendar: Calendar): StepDeadline[] {
    return computeStepDeadlines(this.entry(procedureCode), stepStart, calendar);
  }
}
