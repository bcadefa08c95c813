/**
 * `@tthc/calendar`: legal working-time calendars and deadline arithmetic
 * (docs/calendar.md). Pure computation: no I/O except reading calendar files.
 */
export {
  Calendar,
  DURATION_UNITS,
  MAX_SPAN_YEARS,
  formatInstant,
  loadCalendar,
  type BetweenAnswer,
  type DayAnswer,
  type DayKind,
  type DueAnswer,
  type DueRequest,
  type DurationUnit,
  type StartAnswer,
} from './working-time';
export {
  DAY_OFF_KINDS,
  YEAR_STATUSES,
  checkCalendarFile,
  validateCalendarFile,
  type CalendarFile,
  type CalendarYear,
  type DayOffEntry,
  type DayOffKind,
  type MakeUpWorkingDayEntry,
  type WorkingPeriod,
  type YearStatus,
} from './calendar-file.schema';
export {
  DEFAULT_CALENDAR_PATH,
  EXAMPLE_PROFILES_PATH,
  defaultCalendar,
  loadCalendarFile,
  loadDefaultCalendar,
  readJsonFile,
} from './calendar-files';
export { CalendarRegistry, type CalendarUpdate } from './calendar-registry';
export { zoneRules, type ZoneRules } from './time-zone';
export { latestStart } from './latest-start';
export { canonicalJson, contentVersion } from './calendar-version';
export { diffOpenDeadlines, type DeadlineChange, type OpenDeadline } from './deadline-diff';
export { CalendarInputError, CalendarValidationError, type ValidationIssue } from './errors';
export { parseIsoInstant, type InstantInput } from './instant';
export { checkAgencyProfilesFile, type AgencyProfilesFile, type DerivedProfile, type ProfileDefinition } from './agency-profiles.schema';
