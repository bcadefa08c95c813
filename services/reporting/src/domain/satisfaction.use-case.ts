import { countRatings, type Period, type PetitionLinkInput, type RatedDossierInput, type RatingCounts, type RatingSettings } from '@tthc/metrics';
import type { AgencyScope } from './agency-scope';
import { onlyOf, unitOf } from './delay-counters';
import type { Audience, ReportContext } from './metrics-report.use-case';
import { ratingCountsFromCounters, ratingDocIds } from './satisfaction-counters';

/** Reads of workflow's dossiers for the satisfaction criterion (ratings in the state, petitions' links). */
export interface SatisfactionReadModel {
  /** Dossiers of `scope` rated at or after `since`, with every rating. */
  ratedDossiersSince(since: Date, scope: AgencyScope): Promise<RatedDossierInput[]>;
  /** Petitions received in the window that name a dossier of `scope`, with that dossier. */
  petitionLinksBetween(window: { since: Date; until: Date }, scope: AgencyScope): Promise<PetitionLinkInput[]>;
}

export interface SatisfactionContext {
  readModel: SatisfactionReadModel;
  settings: RatingSettings;
}

/**
 * The period's ratings and petitions about dossiers of the audience, counted against each
 * dossier's agency; null when the service reads no ratings (the sub-score then uses its proxy).
 * With the counters (and `agencies`, the raw codes with counters the audience reads) they are
 * read from the satisfaction counters; without them the stored subjects are counted per
 * request (the recount test and the bench compare the two).
 */
export async function ratingCountsFor(
  ctx: Pick<ReportContext, 'directory' | 'now' | 'satisfaction' | 'counters' | 'calendar'>,
  period: Period,
  who: Audience,
  agencies?: readonly string[],
): Promise<RatingCounts | null> {
  if (!ctx.satisfaction) return null;
  const { readModel, settings } = ctx.satisfaction;
  const opts = { directory: ctx.directory, settings, now: ctx.now.getTime(), visible: who.visible, ...(who.procedureCode ? { procedureCode: who.procedureCode } : {}) };
  if (ctx.counters && agencies) {
    // The province documents pay once the audience reads more agencies than provinces, as for the delay counts.
    const rollUp = !who.procedureCode && agencies.length > new Set(agencies.map(unitOf)).size;
    // One procedure's counters only: the roll-up (agencies inside) is never read for one.
    const docs = await ctx.counters.read(ratingDocIds(agencies, period, rollUp), rollUp ? undefined : onlyOf(who));
    return ratingCountsFromCounters(docs, agencies, period, rollUp, { ...opts, calendar: ctx.calendar });
  }
  const since = new Date(period.start);
  const until = new Date(Math.min(ctx.now.getTime(), Date.parse(period.end)));
  const [rated, links] = await Promise.all([readModel.ratedDossiersSince(since, who.countingScope), readModel.petitionLinksBetween({ since, until }, who.countingScope)]);
  return countRatings(rated, links, period, opts);
}
