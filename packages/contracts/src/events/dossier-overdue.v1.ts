import { z } from 'zod';
import { isoInstant } from '../cloud-event.schema';

export const DOSSIER_OVERDUE_V1 = 'vn.tthc.dossier.overdue' as const;

/** Raised once per dossier and deadline version when an open dossier passes its due instant. */
export const dossierOverdueV1 = z.object({
  alertId: z.string(),
  dossierCode: z.string(),
  agencyCode: z.string().nullable(),
  procedureCode: z.string().nullable(),
  dueAt: isoInstant,
  deadlineVersion: z.number().int().min(0),
  raisedAt: isoInstant,
  reason: z.string(),
});
export type DossierOverdueV1 = z.infer<typeof dossierOverdueV1>;

/** Stable alert id: one fact, one id, whatever the number of timer firings or restarts. */
export function overdueAlertId(dossierCode: string, deadlineVersion: number): string {
  return `overdue:${dossierCode}:v${deadlineVersion}`;
}
