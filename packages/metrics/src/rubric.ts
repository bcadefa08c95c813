import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Measures a PAR Index rubric criterion can be scored on, all in percent (0–100):
 * - `onTimeRate`: dossiers not late / dossiers to handle (optionally of one government level);
 * - `petitionOnTimeRate`: petitions not late / petitions to handle (100 when there are none);
 * - `apologyRate`: apologies issued / late dossiers (100 when none is late).
 */
export const rubricMetric = z.enum(['onTimeRate', 'petitionOnTimeRate', 'apologyRate']);
export type RubricMetric = z.infer<typeof rubricMetric>;

const criterion = z.object({
  /** Becomes the sub-score id `par.<id>`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-"'),
  nameVi: z.string().min(1),
  nameEn: z.string().min(1),
  metric: rubricMetric,
  /** Restricts the measure to dossiers of agencies of this level. */
  level: z.enum(['ministry', 'province', 'commune']).optional(),
  /** The highest threshold the measure reaches gives its points; below all of them, 0. */
  thresholds: z.array(z.object({ min: z.number().min(0).max(100), points: z.number().min(0) })).min(1),
  max: z.number().positive(),
});
export type RubricCriterion = z.infer<typeof criterion>;

/**
 * PAR Index (Chỉ số cải cách hành chính, QĐ 1150/QĐ-BNV) criteria of one year. The official
 * thresholds for on-time rates, PAKN and apologies were not found (docs/legal-rules.md §3, rule 14),
 * so they are configuration only: the shipped `rubric.sample.json` is labelled sample.
 */
export const rubricFile = z.object({
  year: z.number().int().min(2000).max(2100),
  label: z.string().min(1),
  criteria: z.array(criterion),
});
export type Rubric = z.infer<typeof rubricFile>;

export function parseRubric(json: unknown, where = 'rubric'): Rubric {
  const parsed = rubricFile.safeParse(json);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Reads a rubric file, or a list of rubric files (one per year) in one JSON array. */
export function loadRubrics(path: string): Rubric[] {
  const json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const list = Array.isArray(json) ? json : [json];
  return list.map((r, i) => parseRubric(r, `${path}[${i}]`));
}

export function pointsFor(c: RubricCriterion, value: number): number {
  let best = 0;
  for (const t of c.thresholds) if (value >= t.min && t.points > best) best = t.points;
  return Math.min(best, c.max);
}
