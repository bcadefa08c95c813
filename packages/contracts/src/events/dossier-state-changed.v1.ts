import { z } from 'zod';
import { isoInstant } from '../cloud-event.schema';

export const DOSSIER_STATE_CHANGED_V1 = 'vn.tthc.dossier.state-changed' as const;

/** Portal status codes (TrangThaiHoSo) 1–10. */
export const PORTAL_STATUS = {
  registered: 1,
  received: 2,
  refused: 3,
  processing: 4,
  supplementRequested: 5,
  financialObligation: 6,
  withdrawn: 7,
  suspended: 8,
  resolved: 9,
  returned: 10,
} as const;

export const dossierPhase = z.enum(['awaiting-reception', 'open', 'closed']);
export type DossierPhase = z.infer<typeof dossierPhase>;

/**
 * Snapshot published by workflow after every applied fact. Consumers keep the highest
 * `revision` they saw, so redelivery and replays are harmless.
 */
export const dossierStateChangedV1 = z.object({
  dossierCode: z.string(),
  agencyCode: z.string().nullable(),
  procedureCode: z.string().nullable(),
  phase: dossierPhase,
  statusCode: z.number().int().min(1).max(10).nullable(),
  receivedAt: isoInstant.nullable(),
  dueAt: isoInstant.nullable(),
  /** Increments each time `dueAt` changes; timers are keyed by it. */
  deadlineVersion: z.number().int().min(0),
  closedAt: isoInstant.nullable(),
  revision: z.number().int().min(1),
});
export type DossierStateChangedV1 = z.infer<typeof dossierStateChangedV1>;
