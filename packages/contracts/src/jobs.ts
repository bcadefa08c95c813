import { z } from 'zod';

/** Payload of `sla.check-deadline.v1`: references only, the state is re-read when it fires. */
export const checkDeadlineJobV1 = z.object({
  dossierCode: z.string(),
  deadlineVersion: z.number().int().min(0),
});
export type CheckDeadlineJobV1 = z.infer<typeof checkDeadlineJobV1>;

/**
 * BullMQ job ids may not contain `:` and may not be all digits; dossier codes are free text
 * up to 64 characters, so the code is percent-encoded (which also encodes `:`).
 */
export function deadlineJobId(dossierCode: string, deadlineVersion: number): string {
  return `due.${encodeURIComponent(dossierCode)}.v${deadlineVersion}`;
}
