/** The alert type of a deadline passed while open; its payload is `slaAlertV1` like every alert. */
export const DOSSIER_OVERDUE_V1 = 'vn.tthc.dossier.overdue' as const;
