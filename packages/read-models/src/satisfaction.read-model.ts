import type { Connection, mongo } from 'mongoose';
import { instantBefore, instantNotBefore, isoOf, type AgencyFilter } from './query-filter';
import { subjectDocuments, type SubjectDocument } from './subject.read-model';

/** A dossier's rating as workflow stores it in `state.ratings`. */
export interface StoredRating {
  ratedAt: string;
  level: string;
}

export interface RatedDossier {
  code: string;
  agencyCode: string | null;
  procedureCode: string | null;
  ratings: StoredRating[];
}

/** A petition that names the dossier it complains about, with that dossier's agency and procedure. */
export interface PetitionLink {
  petitionCode: string;
  receivedAt: string;
  dossier: { code: string; agencyCode: string | null; procedureCode: string | null };
}

const filter = (f: Record<string, unknown>) => f as mongo.Filter<SubjectDocument>;
const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);

function ratingsOf(doc: Pick<SubjectDocument, 'state'>): StoredRating[] {
  const list = doc.state?.ratings;
  if (!Array.isArray(list)) return [];
  return list.flatMap((r: unknown) => {
    const o = (r ?? {}) as Record<string, unknown>;
    const ratedAt = str(o['ratedAt']);
    const level = str(o['level']);
    return ratedAt && level ? [{ ratedAt, level }] : [];
  });
}

/**
 * Dossiers of `agencies` (every agency when null) rated at or after `since`: their latest
 * rating is, so `lastRatedAt` finds them. Every rating is returned; the caller keeps a period's.
 */
export async function ratedDossiersSince(conn: Connection, since: Date, agencies: AgencyFilter | null): Promise<RatedDossier[]> {
  const and: Array<Record<string, unknown>> = [{ $or: instantNotBefore('lastRatedAt', since) }];
  if (agencies) and.push(agencies);
  const docs = await subjectDocuments(conn)
    .find(filter({ $and: and }), { projection: { agencyCode: 1, procedureCode: 1, 'state.ratings': 1 } })
    .toArray();
  return docs.map((d) => ({ code: String(d._id), agencyCode: d.agencyCode ?? null, procedureCode: d.procedureCode ?? null, ratings: ratingsOf(d) }));
}

/**
 * Petitions received in `[since, until)` that name a dossier, with the dossier each names when
 * it is one of `agencies`: a petition counts against the dossier's agency, whoever holds it.
 */
export async function petitionLinksBetween(conn: Connection, { since, until }: { since: Date; until: Date }, agencies: AgencyFilter | null): Promise<PetitionLink[]> {
  const petitions = await subjectDocuments(conn)
    .find(filter({ $and: [{ concernsDossierCode: { $nin: [null, ''] } }, { $or: instantNotBefore('receivedAt', since) }, { $or: instantBefore('receivedAt', until) }] }), {
      projection: { concernsDossierCode: 1, receivedAt: 1 },
    })
    .toArray();
  if (petitions.length === 0) return [];
  const codes = [...new Set(petitions.map((p) => p.concernsDossierCode).filter((c): c is string => typeof c === 'string'))];
  const and: Array<Record<string, unknown>> = [{ _id: { $in: codes } }, { subject: { $ne: 'petition' } }];
  if (agencies) and.push(agencies);
  const dossiers = await subjectDocuments(conn)
    .find(filter({ $and: and }), { projection: { agencyCode: 1, procedureCode: 1 } })
    .toArray();
  const byCode = new Map(dossiers.map((d) => [String(d._id), { code: String(d._id), agencyCode: d.agencyCode ?? null, procedureCode: d.procedureCode ?? null }]));
  return petitions.flatMap((p) => {
    const dossier = byCode.get(String(p.concernsDossierCode));
    const receivedAt = isoOf(p.receivedAt);
    return dossier && receivedAt ? [{ petitionCode: String(p._id), receivedAt, dossier }] : [];
  });
}
