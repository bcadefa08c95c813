import type { DossierPhase } from '@tthc/contracts';

/** The SLA service's own view of one dossier's open deadline. */
export interface Deadline {
  dossierCode: string;
  agencyCode: string | null;
  procedureCode: string | null;
  phase: DossierPhase;
  dueAt: Date | null;
  deadlineVersion: number;
  /** Workflow revision this view was built from; older snapshots are ignored. */
  revision: number;
  overdueAt: Date | null;
}

export interface Alert {
  id: string;
  type: 'dossier.overdue';
  dossierCode: string;
  agencyCode: string | null;
  procedureCode: string | null;
  dueAt: Date;
  deadlineVersion: number;
  raisedAt: Date;
  reason: string;
  publishedAt: Date | null;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface DeadlineRepository {
  /**
   * Stores the snapshot unless a newer revision is already stored; returns the view stored
   * before the call and the one stored after it.
   */
  upsertIfNewer(d: Deadline): Promise<{ previous: Deadline | null; stored: Deadline }>;
  find(dossierCode: string): Promise<Deadline | null>;
  markOverdue(dossierCode: string, deadlineVersion: number, at: Date): Promise<void>;
}

export interface AlertRepository {
  /** Inserts the alert unless one with the same id exists; returns the stored alert. */
  insertOnce(alert: Alert): Promise<Alert>;
  markPublished(id: string, at: Date): Promise<void>;
}

export interface AlertPublisher {
  publish(alert: Alert): Promise<void>;
}

export interface TimerScheduler {
  schedule(dossierCode: string, deadlineVersion: number, fireAt: Date): Promise<void>;
  cancel(dossierCode: string, deadlineVersion: number): Promise<void>;
}
