import { z } from 'zod';
import { isoInstant } from '../cloud-event.schema';

export const DELAY_COUNTS_COMPUTED_V1 = 'vn.tthc.delay-counts.computed' as const;

const count = z.number().int().min(0);
const fraction = z.number().min(0).max(1);

/**
 * Portal delay counts of one agency × procedure in one period (definitions in
 * `@tthc/metrics` `DelayCounts`). Rates are fractions (0.25 = 25 %).
 */
export const delayCountsV1 = z.object({
  received: count,
  toHandle: count,
  resolvedEarly: count,
  resolvedOnTime: count,
  resolvedLate: count,
  openWithinDeadline: count,
  openOverdue: count,
  atRisk: count,
  lateRate: fraction,
  onTimeRate: fraction,
  petitionsReceived: count,
  petitionsToHandle: count,
  petitionsOnTime: count,
  petitionsLate: count,
  petitionsOpenWithinDeadline: count,
  petitionsOpenOverdue: count,
  petitionsAtRisk: count,
  apologies: count,
});
export type DelayCountsV1 = z.infer<typeof delayCountsV1>;

/**
 * Published by sla on `tthc.delay-counts.v1`, keyed by agency code, for every agency ×
 * procedure of the running month, quarter and year at each run, and once more when a period
 * closes (`final: true`). Every run recomputes from the dossiers, so a consumer keeps, per
 * `(periodKey, agencyCode, procedureCode)`, the message with the latest `asOf`.
 */
export const delayCountsComputedV1 = z.object({
  periodKey: z.string().regex(/^\d{4}(-\d{2}|-Q[1-4])?$/),
  periodKind: z.enum(['month', 'quarter', 'year']),
  /** Local midnights in `zone`, with the offset: `[periodStart, periodEnd)`. */
  periodStart: isoInstant,
  periodEnd: isoInstant,
  zone: z.string(),
  /** The instant the period was judged at: now for a running period, its end once closed. */
  asOf: isoInstant,
  final: z.boolean(),
  agencyCode: z.string(),
  /** ministry | province | commune | district (historic) | unknown (not in the directory). */
  agencyLevel: z.string(),
  /** The procedure code; `PAKN` for petitions without one; `(unknown)` when missing. */
  procedureCode: z.string(),
  counts: delayCountsV1,
  computedAt: isoInstant,
});
export type DelayCountsComputedV1 = z.infer<typeof delayCountsComputedV1>;
