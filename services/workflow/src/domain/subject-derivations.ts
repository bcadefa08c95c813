import { deriveDossierState } from './dossier-state';
import type { Derivation, Derivations } from './derive-subject';
import type { SubjectStateBase } from './subject';

// Interim until petition-state.ts lands: every petition fact is rejected (dead-lettered with
// this reason) rather than stored under a state nobody derived.
const petitionsNotYetDerived: Derivation = (code, history) => {
  const first = history.find((f) => f.type.startsWith('vn.tthc.petition.'));
  const state: SubjectStateBase = {
    code,
    subject: 'petition',
    agencyCode: first ? (first.data as { agencyCode: string }).agencyCode : null,
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
    rejected: history.map((f) => ({ factKey: f.key, reason: 'petition derivation is not available in this build' })),
  };
  return state;
};

/** The derivation of each subject kind. */
export const SUBJECT_DERIVATIONS: Derivations = { dossier: deriveDossierState, petition: petitionsNotYetDerived };
