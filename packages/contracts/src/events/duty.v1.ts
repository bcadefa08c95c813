import { z } from 'zod';
import { boundedCode, type CloudEvent } from '../cloud-event.schema';

/**
 * Periodic duties: obligations that recur per agency (the head of the agency's dialogue with
 * citizens and businesses at least once every 6 months, …), listed in the duties file
 * (`@tthc/catalog`, `DUTIES_FILE`). sla follows each period of each duty as a deadline; this
 * event, sent by a portal through intake, says the duty was carried out.
 */
export const DUTY_FULFILLED_V1 = 'vn.tthc.duty.fulfilled' as const;

/** A duty's id in the duties file: lower-case words joined by hyphens. */
export const dutyId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case letters, digits and hyphens').max(64);

/**
 * What shows the duty was done: the local date it took place (it picks the period it counts
 * for) and the minutes' reference or a link to the published record, at least one of them.
 */
export const dutyEvidenceV1 = z
  .object({
    date: z.iso.date({ message: 'must be a date, e.g. 2026-05-20' }),
    /** Number or title of the minutes (biên bản), not their content. */
    minutes: z.string().trim().min(1).max(200).optional(),
    link: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048).optional(),
  })
  .refine((e) => e.minutes !== undefined || e.link !== undefined, { message: 'needs the minutes (minutes) or a link (link)', path: ['minutes'] });

export const dutyFulfilledV1 = z.object({
  dutyId,
  /** The agency whose duty it is: a key may fulfil only its own agencies' duties. */
  agencyCode: boundedCode(64),
  evidence: dutyEvidenceV1,
});
export type DutyFulfilledV1 = z.infer<typeof dutyFulfilledV1>;
export type DutyFulfilledEvent = CloudEvent<typeof DUTY_FULFILLED_V1, DutyFulfilledV1>;

/** The Kafka key of a duty's events: every fulfilment of one duty of one agency stays in order. */
export function dutyKeyOf(d: Pick<DutyFulfilledV1, 'dutyId' | 'agencyCode'>): string {
  return `duty:${d.dutyId}:${d.agencyCode}`;
}

/**
 * The subject code of one period of one duty of one agency (`DUTY:<duty>:<agency>:<period>`),
 * under which sla keeps its deadline and raises its alerts. A period is its own subject so
 * each one settles on its own.
 */
export function dutyPeriodCode(p: { dutyId: string; agencyCode: string; period: string }): string {
  return `${DUTY_PERIOD_CODE_PREFIX}${p.dutyId}:${p.agencyCode}:${p.period}`;
}

const DUTY_PERIOD_CODE_PREFIX = 'DUTY:';

/** Whether a subject code names a duty period rather than a dossier or petition. */
export const isDutyPeriodCode = (code: string): boolean => code.startsWith(DUTY_PERIOD_CODE_PREFIX);

/** The deadline key of a duty period within its subject. */
export const DUTY_DEADLINE_KEY = 'duty';

/**
 * What sla records of one duty period and reporting shows of it: sla's `duty_periods` document,
 * its domain record and reporting's view all carry these fields.
 */
export interface DutyPeriodFields {
  dutyId: string;
  title: { vi: string; en: string };
  legalBasis: string;
  agencyCode: string;
  period: string;
  startDate: string;
  endDate: string;
}

/** The evidence of the `vn.tthc.duty.fulfilled` event that closed a period, and who sent it. */
export interface DutyFulfilmentRecord {
  /** Local date the duty was carried out (the evidence's date). */
  date: string;
  minutes: string | null;
  link: string | null;
  /** The CloudEvent's source and id, and the id (never the secret) of the key that sent it. */
  source: string;
  eventId: string;
  keyId: string | null;
  recordedAt: Date;
}
