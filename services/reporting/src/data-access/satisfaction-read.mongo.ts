import type { Connection } from 'mongoose';
import { petitionLinksBetween, ratedDossiersSince } from '@tthc/read-models';
import { agencyFilter } from './agency-filter.mongo';
import type { SatisfactionReadModel } from '../domain/satisfaction.use-case';

/** Ratings and petition links from workflow's dossiers, through the queries `@tthc/read-models` declares. */
export function createMongoSatisfactionReadModel(conn: Connection): SatisfactionReadModel {
  return {
    ratedDossiersSince: (since, scope) => ratedDossiersSince(conn, since, agencyFilter(scope)),
    petitionLinksBetween: (window, scope) => petitionLinksBetween(conn, window, agencyFilter(scope)),
  };
}
