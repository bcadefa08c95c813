import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@tthc/contracts';
import { agencyFilter } from './agency-filter.mongo';
import type { SurveyResult, SurveyStore } from '../domain/survey.use-case';

type SurveyDoc = SurveyResult & { _id: string };

/** Reporting's own collection: one document per agency and period, `_id` = `period|agency`. */
export function createMongoSurveyStore(conn: Connection): SurveyStore & { init(): Promise<void> } {
  const col = conn.collection<SurveyDoc>(COLLECTIONS.surveyResults);
  return {
    async init() {
      // Serves the share of one period for a key's agencies.
      await col.createIndex({ periodKey: 1, agencyCode: 1 });
    },
    async save(results) {
      if (results.length === 0) return;
      await col.bulkWrite(
        results.map((r) => ({ replaceOne: { filter: { _id: `${r.periodKey}|${r.agencyCode}` }, replacement: { ...r }, upsert: true } })),
        { ordered: false },
      );
    },
    async list({ periodKey, scope }) {
      const agencies = agencyFilter(scope);
      const docs = await col.find({ $and: [{ periodKey }, ...(agencies ? [agencies] : [])] } as never).toArray();
      return docs.map(({ _id, ...r }) => r);
    },
  };
}
