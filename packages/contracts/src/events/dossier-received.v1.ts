import { z } from 'zod';
import { boundedCode, isoInstant } from '../cloud-event.schema';

export const DOSSIER_RECEIVED_V1 = 'vn.tthc.dossier.received' as const;

/** KenhThucHien 1/2/3 of the portal synchronisation. */
export const dossierChannel = z.enum(['direct', 'online', 'postal']);

/**
 * Personal data of the applicant. Optional, stored with the dossier for the one-stop unit,
 * and always redacted from logs.
 */
export const applicant = z.object({
  fullName: z.string().max(200).optional(),
  idNumber: z.string().max(32).optional(),
  phone: z.string().max(32).optional(),
  email: z.string().max(254).optional(),
});

/**
 * The one-stop unit issued a Giấy tiếp nhận hồ sơ và hẹn trả kết quả (status code 2): the
 * legal clock starts here.
 */
export const dossierReceivedV1 = z.object({
  /** TT 04/2025 code (MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX) or any other code the portal uses. */
  dossierCode: boundedCode(64),
  procedureCode: boundedCode(64),
  agencyCode: boundedCode(64),
  receivedAt: isoInstant,
  /**
   * Ngày hẹn trả printed on the receipt. When absent, the due instant is computed from the
   * procedure catalog; when present, both are kept and a difference is an audit finding.
   */
  appointmentAt: isoInstant.optional(),
  channel: dossierChannel.optional(),
  applicant: applicant.optional(),
});
export type DossierReceivedV1 = z.infer<typeof dossierReceivedV1>;
