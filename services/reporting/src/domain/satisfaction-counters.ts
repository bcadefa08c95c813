import type { Calendar } from '@tthc/calendar';
import type { Period, RatingCountOptions, RatingCounts, SubjectRecord } from '@tthc/metrics';
import { counterKey, encodeField, decodeField, monthKeyOf, monthSerial, unitOf, type Contribution, type CounterDocument } from './delay-counters';

/**
 * The satisfaction sub-score's counts kept as subjects change, beside the delay counters and
 * by the same claims, so the sub-scores read a few documents instead of the period's rated
 * dossiers and petitions. One document per agency of the rated (or named) dossier and per
 * month, quarter and year (`r|agency|2026-03`, `r|agency|2026-Q1`, `r|agency|2026`): "the
 * latest rating in the period" is not a sum of months, so every period kind the sub-scores
 * take has its own. Per procedure (`c.<procedure>.s.…`):
 * - `n`: ratings given in the period; `l.<level>`: rated dossiers by the level of their latest
 *   rating in it (the levels' meaning, dislike and weight, is configuration, read at read time);
 * - `x.<dossier>.<level>`: petitions received in the period naming that dossier, under the
 *   level of the dossier's latest rating in the period (`NONE` when unrated there), so the
 *   dossiers "with a petition or a dislike" are counted once. Only dossiers some petition names
 *   get an entry. The petition's part, counted when the petition is; a petition is counted
 *   again whenever the dossier it names changes (see `storedSubjects`).
 * The roll-up (`R|province|period`, agencies instead of procedures) sums them like the delay
 * counters' (`rollUpOf`).
 */

/** The slot of a subject without a procedure: `encodeField` never yields it, so no code reads as it. */
const NO_PROCEDURE = '%00';
/** The level slot of a named dossier not rated in the period. */
const NONE = '%00';

export const ratingDocId = (agency: string, period: string) => `r|${agency}|${period}`;
export const ratingRollUpDocId = (unit: string, period: string) => `R|${unit}|${period}`;

export interface RatingFact {
  ratedAt: string;
  level: string;
}

/** What the satisfaction counters read of a stored subject, beyond its delay-count record. */
export interface SatisfactionFacts {
  /** The subject's ratings (`state.ratings`). */
  ratings: readonly RatingFact[];
  /**
   * A subject naming a dossier (`concernsDossierCode`): its reception instant as stored, and the
   * named dossier as stored when it was read (null when no such dossier, or it is a petition).
   */
  concerns: {
    receivedAt: string | null;
    dossier: { code: string; agencyCode: string | null; procedureCode: string | null; ratings: readonly RatingFact[] } | null;
  } | null;
}

const ms = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
};

/** The month, quarter and year keys of an instant (the calendar's local date), as `Period.key` names them. */
function periodKeysOf(t: number, calendar: Calendar): [string, string, string] {
  const serial = monthSerial(t, calendar);
  const year = String(Math.floor(serial / 12)).padStart(4, '0');
  return [monthKeyOf(serial), `${year}-Q${Math.floor((serial % 12) / 3) + 1}`, year];
}

/**
 * Per period key, the number of ratings and the latest one (by instant; of equal instants the
 * one stored last), as `countRatings` takes the latest of a period.
 */
function latestByPeriod(ratings: readonly RatingFact[], calendar: Calendar): Map<string, { n: number; level: string }> {
  const timed = ratings.flatMap((r) => {
    const t = ms(r.ratedAt);
    return t === null ? [] : [{ t, level: r.level }];
  });
  // A stable sort, as the per-request count's: equal instants keep their stored order.
  timed.sort((a, b) => a.t - b.t);
  const out = new Map<string, { n: number; level: string }>();
  for (const r of timed) {
    for (const key of periodKeysOf(r.t, calendar)) {
      const seen = out.get(key);
      out.set(key, { n: (seen?.n ?? 0) + 1, level: r.level });
    }
  }
  return out;
}

const procedureSlot = (procedureCode: string | null) => (procedureCode === null ? NO_PROCEDURE : encodeField(procedureCode));

/** What one subject adds to the satisfaction counters, from its stored state (and the dossier it names) only. */
export function satisfactionContributionOf(record: Pick<SubjectRecord, 'agencyCode' | 'procedureCode'>, facts: SatisfactionFacts | undefined, calendar: Calendar): Contribution {
  const out: Contribution = new Map();
  if (!facts) return out;
  const add = (doc: string, path: string) => {
    const key = counterKey(doc, path);
    out.set(key, (out.get(key) ?? 0) + 1);
  };
  // A subject without an agency counts for nobody (nor does one the per-request count reads).
  if (record.agencyCode !== null && facts.ratings.length > 0) {
    const prefix = `c.${procedureSlot(record.procedureCode)}.s.`;
    for (const [key, { n, level }] of latestByPeriod(facts.ratings, calendar)) {
      const doc = ratingDocId(record.agencyCode, key);
      const cell = counterKey(doc, `${prefix}n`);
      out.set(cell, (out.get(cell) ?? 0) + n);
      add(doc, `${prefix}l.${encodeField(level)}`);
    }
  }
  const named = facts.concerns?.dossier;
  const received = facts.concerns?.receivedAt ? ms(facts.concerns.receivedAt) : null;
  if (named && named.agencyCode !== null && received !== null) {
    const latest = latestByPeriod(named.ratings, calendar);
    const prefix = `c.${procedureSlot(named.procedureCode)}.s.x.${encodeField(named.code)}.`;
    for (const key of periodKeysOf(received, calendar)) {
      const level = latest.get(key)?.level;
      add(ratingDocId(named.agencyCode, key), prefix + (level === undefined ? NONE : encodeField(level)));
    }
  }
  return out;
}

/** The per-request count's options, with the calendar that places a rating in its period. */
export type RatingCounterReadOptions = RatingCountOptions & { calendar: Calendar };

const round2 = (x: number) => Math.round(x * 100) / 100;
const entries = (v: unknown): Array<[string, unknown]> => (v && typeof v === 'object' ? Object.entries(v as object) : []);
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** The documents the rating counts of `period` read for `agencies` (raw codes): the detailed ones, or the provinces' roll-up. */
export function ratingDocIds(agencies: readonly string[], period: Period, rollUp: boolean): string[] {
  if (!rollUp) return agencies.filter((a) => a !== '').map((a) => ratingDocId(a, period.key));
  return [...new Set(agencies.filter((a) => a !== '').map(unitOf))].map((u) => ratingRollUpDocId(u, period.key));
}

/**
 * `countRatings` from the counters: the same counts the per-request count gives over the
 * period's rated dossiers and petitions naming dossiers of `agencies`. `rollUp` reads the
 * province documents, whose slots are agencies (no procedure filter there).
 */
export function ratingCountsFromCounters(docs: ReadonlyMap<string, CounterDocument>, agencies: readonly string[], period: Period, rollUp: boolean, opts: RatingCounterReadOptions): RatingCounts {
  const out = { ratings: 0, ratedDossiers: 0, dislikedDossiers: 0, petitionDossiers: 0, dossiersWithPetitionOrDislike: 0, ratedSatisfiedPercent: null as number | null };
  // The running period counts up to now; facts are stored when they happen, so none lies after it.
  if (Math.min(opts.now, Date.parse(period.end)) <= Date.parse(period.start)) return out;
  const level = new Map(opts.settings.levels.map((l) => [encodeField(l.level), l]));
  const dislike = (slot: string) => level.get(slot)?.dislike === true;
  const candidates = new Set(agencies);
  const effective = new Map<string, string | null>();
  const agencyOf = (raw: string) => {
    let code = effective.get(raw);
    if (code === undefined) {
      const e = opts.directory.effectiveCode(raw, period);
      code = candidates.has(raw) && opts.visible(e) ? e : null;
      effective.set(raw, code);
    }
    return code;
  };
  let weights = 0;
  const count = (leaf: unknown) => {
    const s = (leaf as { s?: unknown } | undefined)?.s;
    if (!s) return;
    out.ratings += num((s as { n?: unknown }).n);
    for (const [slot, n] of entries((s as { l?: unknown }).l)) {
      const k = num(n);
      out.ratedDossiers += k;
      // A level the settings do not list is neither a dislike nor satisfied.
      weights += k * (level.get(slot)?.weight ?? 0);
      if (dislike(slot)) out.dislikedDossiers += k;
    }
    for (const [, levels] of entries((s as { x?: unknown }).x)) {
      const named = entries(levels).filter(([, n]) => num(n) > 0);
      if (named.length === 0) continue;
      out.petitionDossiers += 1;
      // A dossier disliked in the period is already among the disliked ones.
      if (!named.some(([slot]) => dislike(slot))) out.dossiersWithPetitionOrDislike += 1;
    }
  };
  for (const id of ratingDocIds(agencies, period, rollUp)) {
    const d = docs.get(id);
    if (!d) continue;
    if (rollUp) {
      for (const [slot, leaf] of entries(d.c)) if (agencyOf(decodeField(slot)) !== null) count(leaf);
      continue;
    }
    const agency = id.slice(2, id.lastIndexOf('|'));
    if (agencyOf(agency) === null) continue;
    for (const [slot, leaf] of entries(d.c)) {
      if (opts.procedureCode && (slot === NO_PROCEDURE || decodeField(slot) !== opts.procedureCode)) continue;
      count(leaf);
    }
  }
  out.dossiersWithPetitionOrDislike += out.dislikedDossiers;
  out.ratedSatisfiedPercent = out.ratedDossiers === 0 ? null : round2((weights / out.ratedDossiers) * 100);
  return out;
}
