/**
 * The calendars a deployment uses: the national one, agency or province profiles, which agency
 * uses which, and every version each calendar has had.
 */
import {
  checkAgencyProfilesFile,
  isDerivedProfile,
  prefixed,
  resolveDerivedProfile,
  type AgencyProfilesFile,
  type DerivedProfile,
} from './agency-profiles.schema';
import { Calendar } from './working-time';
import { defaultCalendar } from './calendar-files';
import { diffOpenDeadlines, type DeadlineChange, type OpenDeadline } from './deadline-diff';
import { CalendarInputError, CalendarValidationError, type ValidationIssue } from './errors';

/** One calendar whose version changed, with the open deadlines whose answer changed. */
export interface CalendarUpdate {
  readonly calendarId: string;
  /** `null` when the calendar id is new. */
  readonly previousVersion: string | null;
  readonly version: string;
  readonly changes: readonly DeadlineChange[];
}

/**
 * Calendars by id with their version history, agency → calendar assignments, and profiles
 * derived from another calendar. Unknown agencies fall back to the national calendar.
 */
export class CalendarRegistry {
  private readonly current = new Map<string, Calendar>();
  private readonly histories = new Map<string, Calendar[]>();
  /** Derived profiles by id, rebuilt whenever their base gets a new version. */
  private readonly derived = new Map<string, DerivedProfile>();
  private readonly agencies = new Map<string, string>();
  /** `fingerprint()`'s answer until the next change of a version or an assignment. */
  private stamp: string | undefined;
  /** Id of the fallback calendar. */
  readonly nationalId: string;

  /** @param national the fallback calendar; the shipped `vn-civil-service` by default. */
  constructor(national: Calendar = defaultCalendar()) {
    this.nationalId = national.id;
    this.remember(national);
  }

  get national(): Calendar {
    return this.current.get(this.nationalId) as Calendar;
  }

  /** The current version of a calendar id. */
  get(id: string): Calendar | undefined {
    return this.current.get(id);
  }

  ids(): string[] {
    return [...this.current.keys()];
  }

  /** Every version a calendar id has had in this registry, oldest first. */
  history(id: string): readonly Calendar[] {
    return this.histories.get(id) ?? [];
  }

  /** A specific version, e.g. to reproduce a closed case's frozen answer. */
  getVersion(id: string, version: string): Calendar | undefined {
    return this.history(id).find((calendar) => calendar.version === version);
  }

  /** The calendar of an agency: its assigned profile, or the national calendar. */
  forAgency(agencyCode?: string | null): Calendar {
    const id = agencyCode == null ? undefined : this.agencies.get(agencyCode);
    return (id === undefined ? undefined : this.current.get(id)) ?? this.national;
  }

  assignAgency(agencyCode: string, calendarId: string): void {
    if (!this.current.has(calendarId)) throw new CalendarInputError('calendarId', `unknown calendar ${JSON.stringify(calendarId)}`);
    this.agencies.set(agencyCode, calendarId);
    this.stamp = undefined;
  }

  /**
   * Names what the registry answers with: every calendar's current version and which agency
   * uses which. Equal fingerprints give every agency the same calendar version, so instants a
   * service planned under one stay right under the other and need no re-planning.
   */
  fingerprint(): string {
    if (this.stamp === undefined) {
      const calendars = [...this.current.values()].map((c) => `${c.id}@${c.version}`).sort();
      const agencies = [...this.agencies.entries()].map(([code, id]) => `${code}=${id}`).sort();
      this.stamp = JSON.stringify([this.nationalId, calendars, agencies]);
    }
    return this.stamp;
  }

  /** Adds a calendar (a `Calendar` or a file's JSON), or a new version of a known id. */
  register(calendar: Calendar | unknown): Calendar {
    const loaded = calendar instanceof Calendar ? calendar : new Calendar(calendar);
    this.update(loaded);
    return this.current.get(loaded.id) as Calendar;
  }

  /**
   * Loads an agency-profiles file (see `agency-profiles.schema.ts`). The whole file is checked
   * before anything is registered, so a bad file changes nothing.
   *
   * @throws {CalendarValidationError} naming the bad field, e.g. `profiles[0].workingHours[1]`.
   */
  loadProfiles(json: unknown): Calendar[] {
    const structural = checkAgencyProfilesFile(json);
    if (structural.length > 0) throw new CalendarValidationError(structural);
    const file = json as AgencyProfilesFile;
    const issues: ValidationIssue[] = [];
    const staged = new Map<string, { calendar: Calendar; derived?: DerivedProfile }>();
    const lookup = (id: string): Calendar | undefined => staged.get(id)?.calendar ?? this.current.get(id);
    (file.profiles ?? []).forEach((profile, index) => {
      const field = `profiles[${index}]`;
      try {
        if (isDerivedProfile(profile)) {
          const base = lookup(profile.extends);
          if (base === undefined) {
            issues.push({ field: `${field}.extends`, message: `unknown base calendar ${JSON.stringify(profile.extends)}` });
            return;
          }
          staged.set(profile.id, { calendar: new Calendar(resolveDerivedProfile(profile, base.file, base.version)), derived: profile });
        } else {
          staged.set(profile.id, { calendar: new Calendar(profile) });
        }
      } catch (error) {
        if (!(error instanceof CalendarValidationError)) throw error;
        for (const issue of error.issues) issues.push(prefixed(field, issue));
      }
    });
    for (const [code, id] of Object.entries(file.agencies ?? {})) {
      if (lookup(id) === undefined) issues.push({ field: `agencies.${code}`, message: `unknown calendar ${JSON.stringify(id)}` });
    }
    if (issues.length > 0) throw new CalendarValidationError(issues);

    for (const { calendar, derived } of staged.values()) {
      if (derived) this.derived.set(calendar.id, derived);
      else this.derived.delete(calendar.id);
      this.install(calendar, [], []);
    }
    for (const [code, id] of Object.entries(file.agencies ?? {})) this.agencies.set(code, id);
    this.stamp = undefined;
    return [...staged.values()].map(({ calendar }) => this.current.get(calendar.id) as Calendar);
  }

  /**
   * Installs a new version of a calendar (and rebuilds the profiles derived from it) and lists,
   * per calendar whose version changed, the open deadlines whose due instant changed.
   *
   * A deadline belongs to `calendarId`, else to its `agencyCode`'s calendar, else to the national one.
   */
  update(calendar: Calendar | unknown, openDeadlines: readonly OpenDeadline[] = []): CalendarUpdate[] {
    const loaded = calendar instanceof Calendar ? calendar : new Calendar(calendar);
    // An explicit calendar replaces a derivation of the same id.
    this.derived.delete(loaded.id);
    const updates: CalendarUpdate[] = [];
    this.install(loaded, openDeadlines, updates);
    return updates;
  }

  private install(calendar: Calendar, openDeadlines: readonly OpenDeadline[], updates: CalendarUpdate[]): void {
    const previous = this.current.get(calendar.id);
    if (previous?.version === calendar.version) return;
    this.remember(calendar);
    const mine = openDeadlines.filter((deadline) => this.calendarIdOf(deadline) === calendar.id);
    updates.push({
      calendarId: calendar.id,
      previousVersion: previous?.version ?? null,
      version: calendar.version,
      changes: previous === undefined ? [] : diffOpenDeadlines(previous, calendar, mine),
    });
    for (const profile of this.derived.values()) {
      if (profile.extends !== calendar.id) continue;
      this.install(new Calendar(resolveDerivedProfile(profile, calendar.file, calendar.version)), openDeadlines, updates);
    }
  }

  private calendarIdOf(deadline: OpenDeadline): string {
    return deadline.calendarId ?? this.forAgency(deadline.agencyCode).id;
  }

  private remember(calendar: Calendar): void {
    this.current.set(calendar.id, calendar);
    this.stamp = undefined;
    const history = this.histories.get(calendar.id) ?? [];
    if (!history.some((known) => known.version === calendar.version)) history.push(calendar);
    this.histories.set(calendar.id, history);
  }
}
