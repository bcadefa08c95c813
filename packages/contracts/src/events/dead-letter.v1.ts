import { z } from 'zod';
import { isoInstant } from '../cloud-event.schema';

export const DEAD_LETTER_V1 = 'vn.tthc.dead-letter' as const;

/** A message that can never be applied, kept whole so it can be read and replayed. */
export const deadLetterV1 = z.object({
  originalTopic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  key: z.string().nullable(),
  /** The raw message value, as received (UTF-8). */
  value: z.string().nullable(),
  consumerGroup: z.string(),
  reason: z.string(),
  errorCode: z.string(),
  failedAt: isoInstant,
});
export type DeadLetterV1 = z.infer<typeof deadLetterV1>;
