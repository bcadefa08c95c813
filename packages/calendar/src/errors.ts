/** One problem found in a calendar (or profiles) file, located by a JSON-path-like field name. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `workingHours[1]` or `years.2026.daysOff[3].date`. */
  readonly field: string;
  readonly message: string;
}

/**
 * A calendar file that must not be used. The message lists every issue as `field: problem`;
 * `field` is the first one, for callers that only report one.
 */
export class CalendarValidationError extends Error {
  override readonly name = 'CalendarValidationError';
  readonly field: string;
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('\n'));
    this.issues = issues;
    this.field = issues[0]?.field ?? '(root)';
  }
}

/** A bad argument to a computation (an unparsable instant, a negative amount, …). */
export class CalendarInputError extends RangeError {
  override readonly name = 'CalendarInputError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
