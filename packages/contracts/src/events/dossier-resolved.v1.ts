import { z } from 'zod';
import { boundedCode, isoInstant } from '../cloud-event.schema';

export const DOSSIER_RESOLVED_V1 = 'vn.tthc.dossier.resolved' as const;

/** Đã xử lý xong (status code 9): the end instant that on-time rules compare with the due date. */
export const dossierResolvedV1 = z.object({
  dossierCode: boundedCode(64),
  agencyCode: boundedCode(64),
  resolvedAt: isoInstant,
});
export type DossierResolvedV1 = z.infer<typeof dossierResolvedV1>;
