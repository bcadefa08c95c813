import { z } from 'zod';
import { boundedCode, isoInstant } from '../cloud-event.schema';

/**
 * The levels a citizen's rating of a dossier can take. The national portal's dossier rating has
 * "Rất hài lòng / Hài lòng / Không hài lòng" (the 766 methodology calls the last one "dislike");
 * ministry and provincial portals also ask on five levels with "Bình thường" and "Rất không hài
 * lòng". Which levels count as a dislike, and their names and weights, are configuration of the
 * reporting service (docs/legal-rules.md, ratings): the official list was not found.
 */
export const ratingLevel = z.enum(['very-satisfied', 'satisfied', 'neutral', 'dissatisfied', 'very-dissatisfied']);
export type RatingLevel = z.infer<typeof ratingLevel>;

/** Where the citizen gave the rating. */
export const ratingChannel = z.enum(['portal', 'kiosk', 'sms', 'phone', 'paper', 'vneid']);

/**
 * A citizen rated the handling of a dossier (đánh giá mức độ hài lòng). A fact of the dossier's
 * history like any other, but it changes neither its status nor its deadlines, and it may come
 * after the dossier was returned. `agencyCode` is the agency the dossier belongs to; the rating
 * carries no personal data.
 */
export const DOSSIER_RATED_V1 = 'vn.tthc.dossier.rated' as const;
export const dossierRatedV1 = z.object({
  dossierCode: boundedCode(64),
  agencyCode: boundedCode(64),
  /** When the citizen rated. */
  occurredAt: isoInstant,
  level: ratingLevel,
  channel: ratingChannel.optional(),
});
export type DossierRatedV1 = z.infer<typeof dossierRatedV1>;
