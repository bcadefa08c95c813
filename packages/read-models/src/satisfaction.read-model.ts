import type { Connection, mongo } from 'mongoose';
import { idBatches, instantBefore, instantNotBefore, isoOf, type AgencyFilter } from './query-filter';
import { ratingsOf, type StoredRating } from './rating.read-model';
import { subjectDocuments, type SubjectDocument } from './subject.read-model';

export type { StoredRating } from './rating.read-model';

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

/** A dossier a petition names, as the satisfaction counters read it when counting the petition. */
export interface NamedDossier {
  code: string;
  revision: number;
  subject: string | null;
  agencyCode: string | null;
  procedureCode: string | null;
  ratings: StoredRating[];
}

/** The stored subjects of these codes as petitions name them; unknown codes are left out. */
export async function namedDossiers(conn: Connection, codes: readonly string[]): Promise<Map<string, NamedDossier>> {
  if (codes.length === 0) return new Map();
  const docs = await subjectDocuments(conn)
    .find(filter({ _id: { $in: [...codes] } }), { projection: { revision: 1, subject: 1, agencyCode: 1, procedureCode: 1, 'state.ratings': 1 } })
    .toArray();
  return new Map(
    docs.map((d) => [
      String(d._id),
      { code: String(d._id), revision: typeof d.revision === 'number' ? d.revision : 0, subject: d.subject ?? null, agencyCode: d.agencyCode ?? null, procedureCode: d.procedureCode ?? null, ratings: ratingsOf(d) },
    ]),
  );
}

/** The codes of the subjects naming any of `codes` as the dossier they complain about (`concernsDossierCode`, indexed by workflow). */
export async function subjectsNaming(conn: Connection, codes: readonly string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const docs = await subjectDocuments(conn)
    .find(filter({ concernsDossierCode: { $in: [...codes] } }), { projection: { _id: 1 } })
    .toArray();
  return docs.map((d) => String(d._id));
}

/** The codes of every subject with a rating or naming a dossier: what the satisfaction counters count. */
export function satisfactionSubjectCodes(conn: Connection, batchSize: number): AsyncGenerator<string[]> {
  const cursor = subjectDocuments(conn).find(filter({ $or: [{ lastRatedAt: { $ne: null } }, { concernsDossierCode: { $nin: [null, ''] } }] }), { projection: { _id: 1 }, batchSize });
  return idBatches(cursor, batchSize);
}
