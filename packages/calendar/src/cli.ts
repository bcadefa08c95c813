/**
 * The `tthc-calendar` command (docs/calendar.md §"Command-line tool"). `main` takes its arguments and
 * output streams as parameters so tests can run it in-process; `bin/tthc-calendar.js` wires it
 * to the real process.
 */
import { readFileSync } from 'node:fs';

import { DURATION_UNITS, loadCalendar, type Calendar, type DurationUnit } from './working-time';
import { CalendarInputError, CalendarValidationError } from './errors';

export interface CliIo {
  /** Receives one answer line (without the newline). */
  stdout(line: string): void;
  /** Receives one warning or error line (without the newline). */
  stderr(line: string): void;
  readFile?(path: string): string;
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 2;

export const USAGE = `Usage:
  tthc-calendar due --calendar FILE --from ISO --amount N --unit working-day|working-hour|calendar-day [--cutoff HH:MM]
  tthc-calendar between --calendar FILE --from ISO --to ISO        # prints whole working minutes
  tthc-calendar is-working-day --calendar FILE --date YYYY-MM-DD   # prints true or false
  tthc-calendar validate FILE                                      # prints "ok ID VERSION"

Instants are ISO 8601 with an offset (2026-02-13T14:00:00+07:00 or …Z) and are printed in the
calendar's zone to the second. Answers go to stdout; errors go to stderr with exit status 2.
An answer that uses a provisional year or a year missing from the file is printed with a
warning on stderr (exit status 0).`;

/** A usage or input problem: reported on stderr with exit status 2. */
class CliError extends Error {}

interface ParsedArgs {
  readonly command: string | undefined;
  readonly positional: readonly string[];
  readonly options: ReadonlyMap<string, string>;
  readonly help: boolean;
}

const OPTIONS_BY_COMMAND: Readonly<Record<string, readonly string[]>> = {
  due: ['calendar', 'from', 'amount', 'unit', 'cutoff'],
  between: ['calendar', 'from', 'to'],
  'is-working-day': ['calendar', 'date'],
  validate: ['calendar'],
};

function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string>();
  let help = false;
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1];
      if (eq < 0) i++;
      // A negative amount ("--amount -1") is a value, not a flag; other "--x" are flags.
      if (value === undefined || (value.startsWith('--') && eq < 0)) throw new CliError(`--${name} needs a value`);
      if (options.has(name)) throw new CliError(`--${name} is given twice`);
      value = value.trim();
      options.set(name, value);
    } else if (command === undefined) {
      command = arg;
    } else {
      positional.push(arg);
    }
  }
  return { command, positional, options, help };
}

function required(args: ParsedArgs, name: string): string {
  const value = args.options.get(name);
  if (value === undefined || value === '') throw new CliError(`missing --${name}`);
  return value;
}

function describeYears(calendar: Calendar, firstYear: number, lastYear: number): string {
  const parts: string[] = [];
  for (let year = firstYear; year <= lastYear; year++) {
    const status = calendar.yearStatus(year);
    if (status === 'confirmed') continue;
    if (parts.length === 5) {
      parts.push('…');
      break;
    }
    parts.push(`${year} (${status === 'missing' ? 'not in the file' : status})`);
  }
  return parts.join(', ');
}

function warnUncertain(io: CliIo, calendar: Calendar, firstYear: number, lastYear: number): void {
  io.stderr(
    `warning: uncertain answer: it uses dates of ${describeYears(calendar, firstYear, lastYear)} ` +
      `in calendar ${calendar.id}@${calendar.version}; days off there follow the weekday rule or are not confirmed`,
  );
}

function readCalendar(io: CliIo, path: string): Calendar {
  let text: string;
  try {
    text = (io.readFile ?? ((file: string) => readFileSync(file, 'utf8')))(path);
  } catch (error) {
    throw new CliError(`cannot read calendar file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CalendarValidationError([{ field: '(file)', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return loadCalendar(json);
}

function parseAmount(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new CliError(`--amount must be a non-negative number, e.g. 3 or 0.5 (got ${JSON.stringify(text)})`);
  return Number(text);
}

function parseUnit(text: string): DurationUnit {
  if (!(DURATION_UNITS as readonly string[]).includes(text)) {
    throw new CliError(`--unit must be one of ${DURATION_UNITS.join(', ')} (got ${JSON.stringify(text)})`);
  }
  return text as DurationUnit;
}

function run(args: ParsedArgs, io: CliIo): number {
  const command = args.command as string;
  const allowed = OPTIONS_BY_COMMAND[command];
  if (allowed === undefined) throw new CliError(`unknown command ${JSON.stringify(command)}`);
  for (const name of args.options.keys()) {
    if (!allowed.includes(name)) throw new CliError(`${command} does not take --${name}`);
  }
  if (command === 'validate') {
    if (args.positional.length > 1) throw new CliError('validate takes one FILE');
    const path = args.positional[0] ?? required(args, 'calendar');
    const calendar = readCalendar(io, path);
    io.stdout(`ok ${calendar.id} ${calendar.version}`);
    return EXIT_OK;
  }
  if (args.positional.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(args.positional[0])}`);
  const calendar = readCalendar(io, required(args, 'calendar'));
  switch (command) {
    case 'due': {
      const cutoff = args.options.get('cutoff');
      const answer = calendar.due({
        from: required(args, 'from'),
        amount: parseAmount(required(args, 'amount')),
        unit: parseUnit(required(args, 'unit')),
        ...(cutoff === undefined ? {} : { cutoff }),
      });
      io.stdout(calendar.formatInstant(answer.due));
      if (answer.uncertain) warnUncertain(io, calendar, answer.firstYear, answer.lastYear);
      return EXIT_OK;
    }
    case 'between': {
      const answer = calendar.between(required(args, 'from'), required(args, 'to'));
      io.stdout(String(answer.minutes));
      if (answer.uncertain) warnUncertain(io, calendar, answer.firstYear, answer.lastYear);
      return EXIT_OK;
    }
    default: {
      const answer = calendar.isWorkingDay(required(args, 'date'));
      io.stdout(String(answer.value));
      const year = Number(answer.date.slice(0, 4));
      if (answer.uncertain) warnUncertain(io, calendar, year, year);
      return EXIT_OK;
    }
  }
}

const processIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the command line; returns the exit status (0, or 2 on any error). */
export function main(argv: readonly string[], io: CliIo = processIo): number {
  try {
    const args = parseArgs(argv);
    if (args.help || args.command === 'help') {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (args.command === undefined) {
      io.stderr(USAGE);
      return EXIT_ERROR;
    }
    return run(args, io);
  } catch (error) {
    if (error instanceof CalendarValidationError) {
      for (const issue of error.issues) io.stderr(`tthc-calendar: invalid calendar: ${issue.field}: ${issue.message}`);
    } else if (error instanceof CliError || error instanceof CalendarInputError) {
      io.stderr(`tthc-calendar: ${error.message}`);
      if (error instanceof CliError) io.stderr('Run "tthc-calendar --help" for usage.');
    } else {
      io.stderr(`tthc-calendar: unexpected error: ${(error as Error).stack ?? String(error)}`);
    }
    return EXIT_ERROR;
  }
}
