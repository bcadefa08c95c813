/**
 * Reading calendar files from disk, and the national calendar shipped with the package.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Calendar } from './working-time';
import { CalendarValidationError } from './errors';

// `data/` sits beside both `src/` (tests) and `dist/` (build output), so one relative path
// serves both without copying JSON into the build.
const DATA_DIR = join(__dirname, '..', 'data');

/** The national civil-service calendar shipped with the package (a copy of the shared data). */
export const DEFAULT_CALENDAR_PATH = join(DATA_DIR, 'vn-civil-service.json');

/** An example agency-profiles file: a province working 07:00–11:30 and 13:30–17:00. */
export const EXAMPLE_PROFILES_PATH = join(DATA_DIR, 'agency-profiles.example.json');

/** Reads and parses a JSON file; a syntax error is reported as a validation error of the file. */
export function readJsonFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CalendarValidationError([{ field: '(file)', message: `not valid JSON: ${(error as Error).message}` }]);
  }
}

/** Reads, validates and loads a calendar file. */
export function loadCalendarFile(path: string): Calendar {
  return new Calendar(readJsonFile(path));
}

let national: Calendar | undefined;

/** The national calendar (`vn-civil-service`), loaded once. */
export function defaultCalendar(): Calendar {
  national ??= loadCalendarFile(DEFAULT_CALENDAR_PATH);
  return national;
}

/** Same as {@link defaultCalendar}; reads as a verb where a load is expected. */
export const loadDefaultCalendar = defaultCalendar;
