import type { DutyPeriodFields } from '@tthc/contracts';
import type { AgencyScope } from './agency-scope';

export const DUTY_STATUSES = ['due', 'done', 'overdue'] as const;
export type DutyStatus = (typeof DUTY_STATUSES)[number];

/** One period of one periodic duty of one agency, as the API and the dashboard show it. */
export interface DutyView extends DutyPeriodFields {
  code: string;
  dueAt: string;
  status: DutyStatus;
  /** The evidence that closed the period; null while it is not done. */
  fulfilment: { date: string; minutes: string | null; link: string | null } | null;
}

export interface DutyReadModel {
  listDuties(q: { scope: AgencyScope; status?: DutyStatus; now: Date; limit: number }): Promise<DutyView[]>;
}

/**
 * Done once fulfilled; otherwise due until the period's due instant and overdue from it, the
 * instant sla raises the overdue alert at.
 */
export function dutyStatus(p: { fulfilled: boolean; dueAt: Date }, now: Date): DutyStatus {
  if (p.fulfilled) return 'done';
  return p.dueAt.getTime() <= now.getTime() ? 'overdue' : 'due';
}
