import type { SubjectDocument } from './subject.read-model';

/** A dossier's rating as workflow stores it in `state.ratings`. */
export interface StoredRating {
  ratedAt: string;
  level: string;
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);

/** The ratings of a stored subject; entries without an instant or a level are left out. */
export function ratingsOf(doc: Pick<SubjectDocument, 'state'>): StoredRating[] {
  const list = doc.state?.ratings;
  if (!Array.isArray(list)) return [];
  return list.flatMap((r: unknown) => {
    const o = (r ?? {}) as Record<string, unknown>;
    const ratedAt = str(o['ratedAt']);
    const level = str(o['level']);
    return ratedAt && level ? [{ ratedAt, level }] : [];
  });
}
