/**
 * Agency profiles: calendars for agencies or provinces that differ from the national one, and
 * which agency uses which.
 *
 * ```json
 * {
 *   "profiles": [
 *     { "id": "vn-province-0700", "extends": "vn-civil-service",
 *       "workingHours": [["07:00", "11:30"], ["13:30", "17:00"]] },
 *     { "id": "some-full-calendar", "timezone": "Asia/Ho_Chi_Minh", "weekendDays": [7], … }
 *   ],
 *   "agencies": { "H12.01": "vn-province-0700" }
 * }
 * ```
 *
 * A profile with `extends` takes the days off, make-up days and years of its base and overrides
 * only the working week (`timezone`, `weekendDays`, `workingHours`), so a decree that changes
 * the national holidays reaches every derived profile. A profile without `extends` is a complete
 * calendar file.
 */
import { checkCalendarFile, type CalendarFile, type WorkingPeriod } from './calendar-file.schema';
import type { ValidationIssue } from './errors';

export interface DerivedProfile {
  readonly id: string;
  readonly extends: string;
  readonly name?: string;
  readonly version?: string;
  readonly timezone?: string;
  readonly weekendDays?: readonly number[];
  readonly workingHours?: readonly WorkingPeriod[];
}

export type ProfileDefinition = DerivedProfile | CalendarFile;

export interface AgencyProfilesFile {
  readonly profiles?: readonly ProfileDefinition[];
  /** Agency code → calendar id. */
  readonly agencies?: Readonly<Record<string, string>>;
}

const DERIVED_FIELDS = new Set(['id', 'extends', 'name', 'version', 'timezone', 'weekendDays', 'workingHours']);

export function isDerivedProfile(profile: ProfileDefinition): profile is DerivedProfile {
  return 'extends' in profile;
}

/** The complete calendar file of a derived profile over its base. */
export function resolveDerivedProfile(profile: DerivedProfile, base: CalendarFile, baseVersion: string): CalendarFile {
  const { description: _description, version: _version, ...inherited } = base;
  return {
    ...inherited,
    id: profile.id,
    name: profile.name ?? `${base.name ?? base.id} — ${profile.id}`,
    // An explicit label must still change when the base changes, or two different calendars
    // would share a version.
    ...(profile.version === undefined ? {} : { version: `${profile.version}+${baseVersion}` }),
    timezone: profile.timezone ?? base.timezone,
    weekendDays: profile.weekendDays ?? base.weekendDays,
    workingHours: profile.workingHours ?? base.workingHours,
  };
}

/**
 * Structural checks of a profiles file. Derived profiles are checked fully once their base is
 * known (by the registry), with the fields named `profiles[i].…`.
 */
export function checkAgencyProfilesFile(json: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return [{ field: '(root)', message: 'a profiles file must be a JSON object with "profiles" and "agencies"' }];
  }
  const file = json as Record<string, unknown>;
  for (const key of Object.keys(file)) {
    if (key !== 'profiles' && key !== 'agencies' && key !== '$schema') issues.push({ field: key, message: 'unknown field' });
  }
  if (file.profiles !== undefined) {
    if (!Array.isArray(file.profiles)) {
      issues.push({ field: 'profiles', message: 'must be an array' });
    } else {
      file.profiles.forEach((profile: unknown, index) => {
        const field = `profiles[${index}]`;
        if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
          issues.push({ field, message: 'must be an object' });
          return;
        }
        const entry = profile as Record<string, unknown>;
        if (!('extends' in entry)) {
          for (const issue of checkCalendarFile(entry)) issues.push(prefixed(field, issue));
          return;
        }
        for (const key of Object.keys(entry)) {
          if (!DERIVED_FIELDS.has(key)) issues.push({ field: `${field}.${key}`, message: 'unknown field' });
        }
        if (typeof entry.extends !== 'string' || entry.extends === '') {
          issues.push({ field: `${field}.extends`, message: 'must be the id of the base calendar' });
        }
      });
    }
  }
  if (file.agencies !== undefined) {
    if (typeof file.agencies !== 'object' || file.agencies === null || Array.isArray(file.agencies)) {
      issues.push({ field: 'agencies', message: 'must be an object mapping agency codes to calendar ids' });
    } else {
      for (const [code, id] of Object.entries(file.agencies)) {
        if (typeof id !== 'string' || id === '') issues.push({ field: `agencies.${code}`, message: 'must be a calendar id' });
      }
    }
  }
  return issues;
}

export function prefixed(prefix: string, issue: ValidationIssue): ValidationIssue {
  const field = issue.field === '(root)' ? prefix : issue.field.startsWith('[') ? `${prefix}${issue.field}` : `${prefix}.${issue.field}`;
  return { field, message: issue.message };
}
