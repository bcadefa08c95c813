import { countRatings, type Period, type PetitionLinkInput, type RatedDossierInput, type RatingCounts, type RatingSettings } from '@tthc/metrics';
import type { AgencyScope } from './agency-scope';
import type { Audience, ReportContext } from './metrics-report.use-case';

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
 */
export async function ratingCountsFor(ctx: Pick<ReportContext, 'directory' | 'now' | 'satisfaction'>, period: Period, who: Audience): Promise<RatingCounts | null> {
  if (!ctx.satisfaction) return null;
  const { readModel, settings } = ctx.satisfaction;
  const since = new Date(period.start);
  const until = new Date(Math.min(ctx.now.getTime(), Date.parse(period.end)));
  const [rated, links] = await Promise.all([readModel.ratedDossiersSince(since, who.countingScope), readModel.petitionLinksBetween({ since, until }, who.countingScope)]);
  return countRatings(rated, links, period, {
    directory: ctx.directory,
    settings,
    now: ctx.now.getTime(),
    visible: who.visible,
    ...(who.procedureCode ? { procedureCode: who.procedureCode } : {}),
  });
}
