/**
 * IANA time-zone offsets from `Intl.DateTimeFormat`, turned into a per-year table of
 * transitions so that converting between instants and local wall-clock time costs a few
 * comparisons instead of an `Intl` call.
 *
 * Local wall-clock time is represented as "local milliseconds": the instant the same wall-clock
 * reading would denote in UTC. `localMs = instant + offset(instant)`.
 */
import { MAX_YEAR, MIN_YEAR, MS_PER_DAY, MS_PER_SECOND, daysFromCivil, yearOfDay } from './civil-date';

interface OffsetSegment {
  /** First instant of the UTC year the segment covers. */
  readonly start: number;
  /** First instant of the next UTC year. */
  readonly end: number;
  readonly initialOffset: number;
  /** Instants at which the offset changes, ascending, each with the offset from then on. */
  readonly transitionAt: readonly number[];
  readonly offsetAfter: readonly number[];
}

/** Offsets never reach ±26 h, so looking a day either side finds every offset in play. */
const LOOK_AROUND_MS = MS_PER_DAY;

export class ZoneRules {
  private readonly formatter: Intl.DateTimeFormat;
  private readonly segments = new Map<number, OffsetSegment>();
  private lastSegment: OffsetSegment | undefined;

  constructor(readonly timeZone: string) {
    // Throws RangeError for a zone the runtime does not know; callers turn that into a
    // validation message.
    this.formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The zone's offset (local − UTC) in milliseconds at an instant. */
  offsetAt(instant: number): number {
    let segment = this.lastSegment;
    if (segment === undefined || instant < segment.start || instant >= segment.end) {
      segment = this.segmentFor(yearOfDay(Math.floor(instant / MS_PER_DAY)));
      this.lastSegment = segment;
    }
    let offset = segment.initialOffset;
    const at = segment.transitionAt;
    for (let i = 0; i < at.length; i++) {
      if (instant < (at[i] as number)) break;
      offset = segment.offsetAfter[i] as number;
    }
    return offset;
  }

  toLocalMs(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /**
   * The earliest instant whose local wall-clock time is at or after `localMs`.
   *
   * This one rule settles both daylight-saving anomalies the same way: a wall-clock time that
   * happens twice (clocks set back) maps to its first occurrence, and one that never happens
   * (clocks set forward) maps to the moment the clocks jump. The mapping is monotonic, so the
   * working periods of a day stay ordered and non-overlapping as instants.
   */
  toInstant(localMs: number): number {
    const before = this.offsetAt(localMs - LOOK_AROUND_MS);
    const after = this.offsetAt(localMs + LOOK_AROUND_MS);
    if (before === after) {
      const instant = localMs - before;
      if (this.offsetAt(instant) === before) return instant;
    }
    let best = Number.POSITIVE_INFINITY;
    for (const offset of [before, after]) {
      const instant = localMs - offset;
      if (instant < best && this.offsetAt(instant) === offset) best = instant;
    }
    if (best !== Number.POSITIVE_INFINITY) return best;
    // A wall-clock time inside a gap: the clocks jumped over it at the next transition.
    return this.nextTransitionAfter(localMs - Math.max(before, after));
  }

  private nextTransitionAfter(instant: number): number {
    const year = yearOfDay(Math.floor(instant / MS_PER_DAY));
    for (let y = year; y <= year + 1; y++) {
      for (const at of this.segmentFor(y).transitionAt) {
        if (at > instant) return at;
      }
    }
    // Unreachable for a real gap; answering the input keeps the mapping total.
    return instant;
  }

  private segmentFor(utcYear: number): OffsetSegment {
    const cached = this.segments.get(utcYear);
    if (cached) return cached;
    if (utcYear < MIN_YEAR - 1 || utcYear > MAX_YEAR + 1) {
      throw new RangeError(`instant outside the supported years ${MIN_YEAR}–${MAX_YEAR}`);
    }
    const segment = this.buildSegment(utcYear);
    this.segments.set(utcYear, segment);
    return segment;
  }

  /**
   * Samples the offset once a day and bisects every change down to the second. Zones do not
   * change offset twice within a day, and real transitions fall on whole seconds.
   */
  private buildSegment(utcYear: number): OffsetSegment {
    const start = daysFromCivil(utcYear, 1, 1) * MS_PER_DAY;
    const end = daysFromCivil(utcYear + 1, 1, 1) * MS_PER_DAY;
    const initialOffset = this.probe(start);
    const transitionAt: number[] = [];
    const offsetAfter: number[] = [];
    let previousAt = start;
    let previousOffset = initialOffset;
    for (let sample = start + MS_PER_DAY; previousAt < end; sample += MS_PER_DAY) {
      const at = Math.min(sample, end);
      const offset = this.probe(at);
      if (offset !== previousOffset) {
        const changeAt = this.bisect(previousAt, at, previousOffset);
        if (changeAt < end) {
          transitionAt.push(changeAt);
          offsetAfter.push(this.probe(changeAt));
        }
      }
      previousAt = at;
      previousOffset = offset;
    }
    return { start, end, initialOffset, transitionAt, offsetAfter };
  }

  /** First whole second in (low, high] whose offset differs from `lowOffset`. */
  private bisect(low: number, high: number, lowOffset: number): number {
    let lo = low;
    let hi = high;
    while (hi - lo > MS_PER_SECOND) {
      const mid = lo + Math.floor((hi - lo) / (2 * MS_PER_SECOND)) * MS_PER_SECOND;
      if (this.probe(mid) === lowOffset) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** One `Intl` lookup: the offset at a whole-second instant. */
  private probe(instant: number): number {
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.formatter.formatToParts(instant)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          // Some ICU versions print midnight as 24 even with h23.
          hour = Number(part.value) % 24;
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        default:
          break;
      }
    }
    const localMs = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * MS_PER_SECOND;
    return localMs - instant;
  }
}

const zoneCache = new Map<string, ZoneRules>();

/** Shared, cached offset tables for a zone; throws RangeError when the zone is unknown. */
export function zoneRules(timeZone: string): ZoneRules {
  let rules = zoneCache.get(timeZone);
  if (!rules) {
    rules = new ZoneRules(timeZone);
    zoneCache.set(timeZone, rules);
  }
  return rules;
}

/** Whether the runtime's time-zone database knows an IANA zone name. */
export function isKnownTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    zoneRules(timeZone);
    return true;
  } catch {
    return false;
  }
}
