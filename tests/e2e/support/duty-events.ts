import { randomUUID } from 'node:crypto';

/** A `vn.tthc.duty.fulfilled` event of the shipped leaders' dialogue, with minutes unless told. */
export function dutyFulfilledEvent(agencyCode: string, evidence: Record<string, unknown> = { date: '2026-06-15', minutes: 'Biên bản số 12/BB-UBND' }) {
  return {
    specversion: '1.0',
    id: `duty-${randomUUID()}`,
    source: 'urn:portal:test',
    type: 'vn.tthc.duty.fulfilled',
    time: new Date().toISOString(),
    data: { dutyId: 'leaders-dialogue', agencyCode, evidence },
  };
}

/** The subject code of an agency's 2026-H1 leaders' dialogue, as sla, alerts and reporting name it. */
export const dialogueCode = (agencyCode: string, period = '2026-H1') => `DUTY:leaders-dialogue:${agencyCode}:${period}`;
