import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AgencyDirectory } from './agency-directory';
import type { DelayCounts } from './delay-counts';
import type { Period } from './period';
import { toMs } from './subject-record';

/**
 * What each rating level means for the 766 satisfaction criterion: whether it is a "dislike"
 * (5.4 subtracts the share of dossiers with a petition or a dislike) and its weight in the share
 * of satisfied ratings (1 = satisfied). The portal's level list and any weighting were not
 * found in an official text (docs/legal-rules.md, ratings), so all of it is configuration.
 */
const levelSetting = z.object({
  level: z.string().regex(/^[a-z][a-z-]{0,39}$/, 'must be a level code such as dissatisfied'),
  nameVi: z.string().min(1),
  nameEn: z.string().min(1),
  dislike: z.boolean(),
  weight: z.number().min(0).max(1),
});
export type RatingLevelSetting = z.infer<typeof levelSetting>;

export const ratingSettingsFile = z
  .object({ label: z.string().min(1), levels: z.array(levelSetting).min(1) })
  .refine((f) => new Set(f.levels.map((l) => l.level)).size === f.levels.length, { message: 'each level may be listed once', path: ['levels'] })
  .refine((f) => f.levels.some((l) => l.dislike), { message: 'at least one level must count as a dislike', path: ['levels'] });
export type RatingSettings = z.infer<typeof ratingSettingsFile>;

/** Used when no file is configured: the portal's three levels and the five-level surveys' two more. */
export const DEFAULT_RATING_SETTINGS: RatingSettings = {
  label: 'default (unconfirmed): không hài lòng and rất không hài lòng are dislikes; rất hài lòng and hài lòng are satisfied',
  levels: [
    { level: 'very-satisfied', nameVi: 'Rất hài lòng', nameEn: 'Very satisfied', dislike: false, weight: 1 },
    { level: 'satisfied', nameVi: 'Hài lòng', nameEn: 'Satisfied', dislike: false, weight: 1 },
    { level: 'neutral', nameVi: 'Bình thường', nameEn: 'Neutral', dislike: false, weight: 0 },
    { level: 'dissatisfied', nameVi: 'Không hài lòng', nameEn: 'Dissatisfied', dislike: true, weight: 0 },
    { level: 'very-dissatisfied', nameVi: 'Rất không hài lòng', nameEn: 'Very dissatisfied', dislike: true, weight: 0 },
  ],
};

export function loadRatingSettings(path: string): RatingSettings {
  const parsed = ratingSettingsFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** A rated dossier as the store gives it (every rating; the period's are kept here). */
export interface RatedDossierInput {
  code: string;
  agencyCode: string | null;
  procedureCode: string | null;
  ratings: ReadonlyArray<{ ratedAt: string; level: string }>;
}

/** A petition received in the period that names a dossier of the reader's agencies. */
export interface PetitionLinkInput {
  receivedAt: string;
  dossier: { code: string; agencyCode: string | null; procedureCode: string | null };
}

/**
 * Ratings and petitions about dossiers in one period, for one audience. A dossier counts once
 * however often it was rated or complained about: by its latest rating in the period, and as
 * "with a petition" when any petition received in the period names it.
 */
export interface RatingCounts {
  /** Ratings given in the period. */
  ratings: number;
  ratedDossiers: number;
  /** Rated dossiers whose latest rating in the period is a dislike level. */
  dislikedDossiers: number;
  /** Dossiers named by a petition received in the period. */
  petitionDossiers: number;
  /** Dossiers with a dislike, a petition or both: the numerator of 766 criterion 5.4. */
  dossiersWithPetitionOrDislike: number;
  /** Weighted share of the rated dossiers' latest ratings (level weights), percent; null when none. */
  ratedSatisfiedPercent: number | null;
}

export interface RatingCountOptions {
  directory: AgencyDirectory;
  settings: RatingSettings;
  /** "Now": the running period counts up to it. */
  now: number;
  /** The effective agency (district units mapped to successors) must pass. */
  visible: (agencyCode: string) => boolean;
  procedureCode?: string;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Counts the ratings given and petitions received in `[period.start, min(now, period.end))`. */
export function countRatings(rated: readonly RatedDossierInput[], links: readonly PetitionLinkInput[], period: Period, opts: RatingCountOptions): RatingCounts {
  const start = Date.parse(period.start);
  const asOf = Math.min(opts.now, Date.parse(period.end));
  const inPeriod = (iso: string) => {
    const t = toMs(iso);
    return t !== null && t >= start && t < asOf;
  };
  const counts = (d: { agencyCode: string | null; procedureCode: string | null }) =>
    d.agencyCode !== null && opts.visible(opts.directory.effectiveCode(d.agencyCode, period)) && (!opts.procedureCode || d.procedureCode === opts.procedureCode);
  const level = new Map(opts.settings.levels.map((l) => [l.level, l]));
  const disliked = new Set<string>();
  const withPetition = new Set<string>();
  let ratings = 0;
  let ratedDossiers = 0;
  let weights = 0;
  for (const d of rated) {
    if (!counts(d)) continue;
    const given = d.ratings.filter((r) => inPeriod(r.ratedAt)).sort((a, b) => Date.parse(a.ratedAt) - Date.parse(b.ratedAt));
    const latest = given[given.length - 1];
    if (!latest) continue;
    ratings += given.length;
    ratedDossiers += 1;
    const setting = level.get(latest.level);
    // A level the settings do not list is neither a dislike nor satisfied.
    weights += setting?.weight ?? 0;
    if (setting?.dislike) disliked.add(d.code);
  }
  for (const link of links) if (inPeriod(link.receivedAt) && counts(link.dossier)) withPetition.add(link.dossier.code);
  return {
    ratings,
    ratedDossiers,
    dislikedDossiers: disliked.size,
    petitionDossiers: withPetition.size,
    dossiersWithPetitionOrDislike: new Set([...disliked, ...withPetition]).size,
    ratedSatisfiedPercent: ratedDossiers === 0 ? null : round2((weights / ratedDossiers) * 100),
  };
}

/**
 * 766 criterion 5.4 with ratings: rate = 100 % − late % − (dossiers with a petition or a dislike)
 * / dossiers to handle; score = min(6, 6 × rate / 90 %), never below 0; 6 when nothing is to
 * handle. Both shares are of the period's dossiers to handle, as the late share is.
 */
export function satisfactionFromRatings(c: DelayCounts, r: RatingCounts): { score: number; inputs: Record<string, number | null> } {
  const late = c.resolvedLate + c.openOverdue;
  const latePercent = c.toHandle === 0 ? 0 : (late / c.toHandle) * 100;
  const petitionOrDislikePercent = c.toHandle === 0 ? 0 : Math.min(100, (r.dossiersWithPetitionOrDislike / c.toHandle) * 100);
  const score = c.toHandle === 0 ? 6 : Math.max(0, Math.min(6, (6 * (100 - latePercent - petitionOrDislikePercent)) / 90));
  return {
    score,
    inputs: {
      latePercent: round2(latePercent),
      petitionOrDislikePercent: round2(petitionOrDislikePercent),
      toHandle: c.toHandle,
      ratings: r.ratings,
      ratedDossiers: r.ratedDossiers,
      dislikedDossiers: r.dislikedDossiers,
      petitionDossiers: r.petitionDossiers,
      dossiersWithPetitionOrDislike: r.dossiersWithPetitionOrDislike,
      ratedSatisfiedPercent: r.ratedSatisfiedPercent,
    },
  };
}
