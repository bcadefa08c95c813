import { z } from 'zod';
import { boundedCode, isoInstant } from '../cloud-event.schema';
import { applicant } from './dossier-received.v1';

/**
 * Petition (phản ánh, kiến nghị — PAKN) facts. `agencyCode` is the agency holding the
 * petition when the fact happened; `occurredAt` orders the history.
 */
const petitionFact = {
  petitionCode: boundedCode(64),
  agencyCode: boundedCode(64),
  occurredAt: isoInstant,
};

/** The citizen or business submitted the petition: every PAKN deadline counts from here. */
export const PETITION_RECEIVED_V1 = 'vn.tthc.petition.received' as const;
export const petitionReceivedV1 = z.object({
  ...petitionFact,
  title: z.string().max(500).optional(),
  field: z.string().max(200).optional(),
  channel: z.enum(['direct', 'online', 'postal', 'phone']).optional(),
  petitioner: applicant.optional(),
  /**
   * The dossier the petition complains about, when the petitioner names one. The 766 index
   * counts such a dossier as one with a petition (criterion 5.4), against the dossier's agency.
   */
  concernsDossierCode: boundedCode(64).optional(),
});
export type PetitionReceivedV1 = z.infer<typeof petitionReceivedV1>;

/** Transferred to the competent agency; the PAKN deadlines restart from the latest transfer. */
export const PETITION_TRANSFERRED_V1 = 'vn.tthc.petition.transferred' as const;
export const petitionTransferredV1 = z.object({ ...petitionFact, toAgencyCode: boundedCode(64), reason: z.string().max(2000).optional() });
export type PetitionTransferredV1 = z.infer<typeof petitionTransferredV1>;

export const PETITION_REJECTED_V1 = 'vn.tthc.petition.rejected' as const;
export const petitionRejectedV1 = z.object({ ...petitionFact, reason: z.string().max(2000).optional() });
export type PetitionRejectedV1 = z.infer<typeof petitionRejectedV1>;

export const PETITION_SUPPLEMENT_REQUESTED_V1 = 'vn.tthc.petition.supplement-requested' as const;
export const petitionSupplementRequestedV1 = z.object({ ...petitionFact, reason: z.string().max(2000).optional() });
export type PetitionSupplementRequestedV1 = z.infer<typeof petitionSupplementRequestedV1>;

/** Handled: the answer exists ("chờ công khai"). */
export const PETITION_ANSWERED_V1 = 'vn.tthc.petition.answered' as const;
export const petitionAnsweredV1 = z.object({ ...petitionFact });
export type PetitionAnsweredV1 = z.infer<typeof petitionAnsweredV1>;

/** The answer was published ("đã công khai"). */
export const PETITION_PUBLISHED_V1 = 'vn.tthc.petition.published' as const;
export const petitionPublishedV1 = z.object({ ...petitionFact, url: z.string().url().max(2000).optional() });
export type PetitionPublishedV1 = z.infer<typeof petitionPublishedV1>;
