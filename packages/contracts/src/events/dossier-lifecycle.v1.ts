import { z } from 'zod';
import { boundedCode, isoInstant } from '../cloud-event.schema';

/**
 * Dossier facts after reception (portal status codes in brackets). Every fact names the
 * dossier, the agency that owns it (authorisation, routing) and `occurredAt`, the instant it
 * happened in the one-stop unit, which orders the history.
 */
const dossierFact = {
  dossierCode: boundedCode(64),
  agencyCode: boundedCode(64),
  occurredAt: isoInstant,
};

/** Phiếu từ chối tiếp nhận (3): the dossier never gets a due date. */
export const DOSSIER_REFUSED_V1 = 'vn.tthc.dossier.refused' as const;
export const dossierRefusedV1 = z.object({ ...dossierFact, procedureCode: boundedCode(64).optional(), reason: z.string().max(2000).optional() });
export type DossierRefusedV1 = z.infer<typeof dossierRefusedV1>;

/** Đang xử lý (4): the competent agency started processing. */
export const DOSSIER_PROCESSING_STARTED_V1 = 'vn.tthc.dossier.processing-started' as const;
export const dossierProcessingStartedV1 = z.object({ ...dossierFact });
export type DossierProcessingStartedV1 = z.infer<typeof dossierProcessingStartedV1>;

/**
 * A step of the internal procedure was handed to an agency (4, Phiếu kiểm soát "Giao/Nhận").
 * `allottedHours` overrides the catalog's allotment for this step when the portal sends it.
 */
export const DOSSIER_STEP_ASSIGNED_V1 = 'vn.tthc.dossier.step-assigned' as const;
export const dossierStepAssignedV1 = z.object({
  ...dossierFact,
  stepNo: z.number().int().min(1).max(99),
  stepAgencyCode: boundedCode(64),
  stepName: z.string().max(300).optional(),
  allottedHours: z.number().positive().max(10_000).optional(),
});
export type DossierStepAssignedV1 = z.infer<typeof dossierStepAssignedV1>;

export const DOSSIER_STEP_COMPLETED_V1 = 'vn.tthc.dossier.step-completed' as const;
export const dossierStepCompletedV1 = z.object({ ...dossierFact, stepNo: z.number().int().min(1).max(99) });
export type DossierStepCompletedV1 = z.infer<typeof dossierStepCompletedV1>;

/** Yêu cầu bổ sung giấy tờ (5). Before reception it carries no clock; during processing it pauses it. */
export const DOSSIER_SUPPLEMENT_REQUESTED_V1 = 'vn.tthc.dossier.supplement-requested' as const;
export const dossierSupplementRequestedV1 = z.object({ ...dossierFact, reason: z.string().max(2000).optional() });
export type DossierSupplementRequestedV1 = z.infer<typeof dossierSupplementRequestedV1>;

/** The citizen supplied the documents: processing resumes (back to 4). */
export const DOSSIER_SUPPLEMENT_RECEIVED_V1 = 'vn.tthc.dossier.supplement-received' as const;
export const dossierSupplementReceivedV1 = z.object({ ...dossierFact });
export type DossierSupplementReceivedV1 = z.infer<typeof dossierSupplementReceivedV1>;

/** Yêu cầu thực hiện nghĩa vụ tài chính (6). Whether it pauses the clock is configuration. */
export const DOSSIER_FINANCIAL_OBLIGATION_REQUESTED_V1 = 'vn.tthc.dossier.financial-obligation-requested' as const;
export const dossierFinancialObligationRequestedV1 = z.object({ ...dossierFact, amountVnd: z.number().int().min(0).optional() });
export type DossierFinancialObligationRequestedV1 = z.infer<typeof dossierFinancialObligationRequestedV1>;

export const DOSSIER_FINANCIAL_OBLIGATION_FULFILLED_V1 = 'vn.tthc.dossier.financial-obligation-fulfilled' as const;
export const dossierFinancialObligationFulfilledV1 = z.object({ ...dossierFact });
export type DossierFinancialObligationFulfilledV1 = z.infer<typeof dossierFinancialObligationFulfilledV1>;

/** Công dân yêu cầu rút hồ sơ (7): a closing state. */
export const DOSSIER_WITHDRAWN_V1 = 'vn.tthc.dossier.withdrawn' as const;
export const dossierWithdrawnV1 = z.object({ ...dossierFact, reason: z.string().max(2000).optional() });
export type DossierWithdrawnV1 = z.infer<typeof dossierWithdrawnV1>;

/** Dừng xử lý (8): a closing state unless a `resumed` follows. */
export const DOSSIER_SUSPENDED_V1 = 'vn.tthc.dossier.suspended' as const;
export const dossierSuspendedV1 = z.object({ ...dossierFact, reason: z.string().max(2000).optional() });
export type DossierSuspendedV1 = z.infer<typeof dossierSuspendedV1>;

export const DOSSIER_RESUMED_V1 = 'vn.tthc.dossier.resumed' as const;
export const dossierResumedV1 = z.object({ ...dossierFact });
export type DossierResumedV1 = z.infer<typeof dossierResumedV1>;

/** Đã trả kết quả (10). */
export const DOSSIER_RETURNED_V1 = 'vn.tthc.dossier.returned' as const;
export const dossierReturnedV1 = z.object({ ...dossierFact });
export type DossierReturnedV1 = z.infer<typeof dossierReturnedV1>;

/** How the apology (văn bản xin lỗi và hẹn lại ngày trả kết quả) reached the citizen. */
export const apologyChannel = z.enum(['email', 'sms', 'vneid', 'phone', 'social', 'paper', 'portal']);

/**
 * Apology with a new appointment. Allowed once, no later than one working day before the due
 * instant; a second or a late one is still recorded, and flagged.
 */
export const DOSSIER_APOLOGY_ISSUED_V1 = 'vn.tthc.dossier.apology-issued' as const;
export const dossierApologyIssuedV1 = z.object({
  ...dossierFact,
  newAppointmentAt: isoInstant,
  reason: z.string().min(1).max(2000),
  channels: z.array(apologyChannel).max(7).optional(),
});
export type DossierApologyIssuedV1 = z.infer<typeof dossierApologyIssuedV1>;
