import type { Connection, mongo } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';

/**
 * A document of reporting's `reporting_counters` collection: the delay counters of one agency
 * and month (`m|agency|YYYY-MM`), of its still-open subjects' tails (`t|agency`) or of its open
 * subjects now (`n|agency`), as `c.<procedure>.<d|p>.<field>` numbers; plus two bookkeeping
 * documents, `~version` (bumped by every change, the reports' ETag) and `~agencies` (the
 * agency codes that have counters). Every read is by `_id`, which any MongoDB, the local
 * stand-in included, answers from the `_id` index.
 */
export type CounterDocument = {
  _id: string;
  c?: Record<string, unknown>;
  v?: number;
  codes?: string[];
  /** Tokens of the batches whose difference this document took and that have not settled yet (a batch applied again skips it). */
  t?: string[];
  /** Set once every subject stored before the counters existed has been counted. */
  backfilledAt?: Date;
  rolledUpAt?: Date;
  /** Set once the satisfaction counters count every stored rating and petition naming a dossier. */
  countedAt?: Date;
};

/**
 * A document of `reporting_contributions`: what one subject (`_id` = its code) last added to
 * the counters, as [counter document, path, n] triples, and the revision it was read at.
 * `parts` holds each claimed difference from the compare-and-set of a new revision until its
 * batch is applied and settled.
 */
export type ContributionDocument = {
  _id: string;
  revision: number;
  /** The subject's first storing instant, which tells a subject received again after removal apart. */
  incarnation?: string | null;
  cells: Array<[string, string, number]>;
  /** Set by versions before `parts`: a claim whose difference may or may not have been applied. */
  pending?: boolean;
  /** Differences claimed and not yet confirmed applied, each under its batch's token, as [counter document, path, n]. */
  parts?: Array<{ token: string; at: Date; cells: Array<[string, string, number]> }>;
  /** How many settles touched the subject; a claim compares it with the revision. */
  s?: number;
};

export const COUNTER_VERSION_ID = '~version';
export const COUNTER_AGENCIES_ID = '~agencies';
export const COUNTER_BACKFILL_ID = '~backfill';
/** Set once the satisfaction counters hold every rated subject and petition naming a dossier (at the first fill, or counted once over counters kept before them). */
export const COUNTER_SATISFACTION_ID = '~satisfaction';
/** Set once petitions answered and awaiting publication count as handled in their answer's month (at the first fill, or recounted once over counters that held them open). */
export const COUNTER_ANSWERED_PETITIONS_ID = '~answered-petitions';
/**
 * Set once the province roll-up sums every detailed counter (at the first fill, or rebuilt from
 * counters kept before it). Named after the roll-up's shape: counters whose roll-up lacks the
 * per-procedure documents carry only the older `~rollup`, so a start sums it anew once.
 */
export const COUNTER_ROLLUP_ID = '~rollup-by-procedure';

export function counterDocuments(conn: Connection): mongo.Collection<CounterDocument> {
  return conn.collection<CounterDocument>(COLLECTIONS.reportingCounters);
}

export function contributionDocuments(conn: Connection): mongo.Collection<ContributionDocument> {
  return conn.collection<ContributionDocument>(COLLECTIONS.reportingContributions);
}

/**
 * The compare-and-set of a subject's revision filters on `_id` and `revision`; MongoDB answers
 * it from `_id` alone, the stand-in only from a unique index on exactly those keys.
 */
export async function createCounterIndexes(conn: Connection): Promise<void> {
  await contributionDocuments(conn).createIndex({ _id: 1, revision: 1 }, { unique: true, name: 'id_revision' });
  // The claim compares the settles too; the stand-in needs an index on exactly its keys.
  await contributionDocuments(conn).createIndex({ _id: 1, revision: 1, s: 1 }, { unique: true, name: 'id_revision_settles' });
  // A batch's `$inc` filters on the document and the absence of its token; without an index on
  // exactly those keys the stand-in scans every counter document for each update.
  await counterDocuments(conn).createIndex({ _id: 1, t: 1 }, { name: 'id_token' });
  // The recovery of interrupted batches looks for the parts claimed before an instant.
  await contributionDocuments(conn).createIndex({ 'parts.at': 1 }, { name: 'parts_at' });
}

/** Counter documents by id, or only the `paths` of them (and `_id`); absent ones are left out of the map. */
export async function readCounterDocuments(conn: Connection, ids: readonly string[], paths?: readonly string[]): Promise<Map<string, CounterDocument>> {
  const out = new Map<string, CounterDocument>();
  if (ids.length === 0) return out;
  const projection = paths ? Object.fromEntries(paths.map((p) => [p, 1])) : undefined;
  for await (const d of counterDocuments(conn).find({ _id: { $in: [...ids] } }, projection ? { projection } : {})) out.set(d._id, d);
  return out;
}

export async function readContributions(conn: Connection, codes: readonly string[]): Promise<Map<string, ContributionDocument>> {
  const out = new Map<string, ContributionDocument>();
  if (codes.length === 0) return out;
  for await (const d of contributionDocuments(conn).find({ _id: { $in: [...codes] } })) out.set(d._id, d);
  return out;
}
