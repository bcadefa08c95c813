/**
 * What the walk over a dossier's history carries from one fact to the next: the state being
 * built, and what that state does not publish (open pauses, the closings of the current closed
 * episode, step versions, alerts kept for the finishing step). Reducers and the finishing step
 * share it, so each reads and writes the same names the rules use.
 */
import type { Calendar } from '@tthc/calendar';
import type { CatalogEntry } from '@tthc/catalog';

import type { Closing } from '../classification';
import type { DossierState, DossierStep } from '../dossier-state';
import { findingOf, type AlertFact, type DeriveContext, type Fact } from '../subject';

export type PauseKind = 'supplement' | 'financial';

export interface StepRecord extends DossierStep {
  version: number;
  fromCatalog: boolean;
}

export interface DossierDerivation {
  readonly ctx: DeriveContext;
  readonly s: DossierState;
  received: boolean;
  // The first processing fact after reception is the competent agency taking the dossier over.
  forwardedAt: string | null;
  catalog: CatalogEntry | null;
  finalClose: Fact | null;
  closings: Closing[];
  readonly pauses: Set<PauseKind>;
  pauseStartedAt: string | null;
  validApologies: number;
  readonly steps: Map<number, StepRecord>;
  readonly alerts: AlertFact[];
}

export const ms = (iso: string) => Date.parse(iso);
export const sameInstant = (a: string | null, b: string | null) => (a === null || b === null ? a === b : ms(a) === ms(b));

export function startDossierDerivation(code: string, ctx: DeriveContext): DossierDerivation {
  const s: DossierState = {
    code,
    subject: 'dossier',
    agencyCode: null,
    procedureCode: null,
    phase: 'awaiting-reception',
    statusCode: null,
    receivedAt: null,
    dueAt: null,
    deadlineVersion: 0,
    closedAt: null,
    endAt: null,
    timeliness: null,
    paused: false,
    deadlines: [],
    overdue: false,
    overdueAt: null,
    atRisk: false,
    findings: [],
    rejected: [],
    channel: null,
    appointmentAt: null,
    legalDueAt: null,
    catalogVersion: null,
    calendarVersion: null,
    supplementRequests: 0,
    pausedWorkingMinutes: 0,
    apologies: [],
    ratings: [],
    steps: [],
    lateAgencies: [],
    forwarding: null,
  };
  return {
    ctx,
    s,
    received: false,
    forwardedAt: null,
    catalog: null,
    finalClose: null,
    closings: [],
    pauses: new Set(),
    pauseStartedAt: null,
    validApologies: 0,
    steps: new Map(),
    alerts: [],
  };
}

/** The calendar of the dossier's agency (the default one until the receipt names the agency). */
export const calendarOf = (d: DossierDerivation): Calendar => d.ctx.calendarFor(d.s.agencyCode);

export function addFinding(d: DossierDerivation, code: string, detail: string, fact: Fact | null): void {
  d.s.findings.push(findingOf(code, detail, fact));
}
