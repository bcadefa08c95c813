// The errors-only entry: the package root would load Kafka, Express and Redis clients.
import { AppError } from '@tthc/platform/errors';

/** One problem in a catalog file, located by a path such as `procedures[3].processingTime.unit`. */
export interface CatalogIssue {
  readonly field: string;
  readonly message: string;
}

export function formatIssue(issue: CatalogIssue): string {
  return `${issue.field}: ${issue.message}`;
}

/**
 * A catalog that must not be loaded. The message lists every issue as `field: problem`, so an
 * operator fixing a 300-row spreadsheet sees all of them at once rather than one per run.
 */
export class CatalogValidationError extends AppError {
  readonly issues: readonly CatalogIssue[];
  readonly field: string;

  constructor(issues: readonly CatalogIssue[]) {
    super('catalog-invalid', issues.map(formatIssue).join('\n'), { status: 400, retriable: false, details: issues });
    this.name = 'CatalogValidationError';
    this.issues = issues;
    this.field = issues[0]?.field ?? '(root)';
  }
}

/** The catalog has no procedure with that code (or none in force at the asked instant). */
export class ProcedureNotFoundError extends AppError {
  readonly procedureCode: string;

  constructor(procedureCode: string, detail = '') {
    super('procedure-not-found', `procedure ${JSON.stringify(procedureCode)} is not in the catalog${detail}`, {
      status: 404,
      retriable: false,
    });
    this.name = 'ProcedureNotFoundError';
    this.procedureCode = procedureCode;
  }
}

/** A bad argument to a catalog computation (a step start that is missing, …). */
export class CatalogInputError extends AppError {
  constructor(field: string, message: string) {
    super('catalog-input-invalid', `${field}: ${message}`, { status: 400, retriable: false });
    this.name = 'CatalogInputError';
  }
}
