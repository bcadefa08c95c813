/**
 * An instant as a reader may find it: writers store Dates, but documents written by earlier
 * releases hold ISO strings.
 */
export type StoredInstant = Date | string;

/**
 * A filter on `agencyCode` built by the reader from its caller's scope (codes, prefixes); it is
 * added as is to the query, so the total of a page counts only what the scope reaches. It never
 * matches a subject without an agency (a missing, null or empty code): no key can be checked
 * against such a subject, and the lists rely on the filter to leave it out.
 */
export type AgencyFilter = Record<string, unknown>;

// MongoDB compares values of one BSON type at a time, so a bound on a stored instant is asked
// for in both forms.
export const instantBefore = (field: string, at: Date): Array<Record<string, unknown>> => [{ [field]: { $lt: at } }, { [field]: { $lt: at.toISOString() } }];
export const instantNotBefore = (field: string, at: Date): Array<Record<string, unknown>> => [{ [field]: { $gte: at } }, { [field]: { $gte: at.toISOString() } }];

/** A stored instant as ISO 8601, null when absent. */
export const isoOf = (v: StoredInstant | null | undefined): string | null => (v instanceof Date ? v.toISOString() : v == null ? null : new Date(v).toISOString());

export interface Page<T> {
  total: number;
  items: T[];
}

/** The `_id`s a cursor yields, as strings, `batchSize` at a time. */
export async function* idBatches(docs: AsyncIterable<{ _id: unknown }>, batchSize: number): AsyncGenerator<string[]> {
  let batch: string[] = [];
  for await (const doc of docs) {
    batch.push(String(doc._id));
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
