import { deriveDossierState } from './dossier-state';
import { derivePetitionState } from './petition-state';
import type { Derivations } from './derive-subject';

/** The derivation of each subject kind. */
export const SUBJECT_DERIVATIONS: Derivations = { dossier: deriveDossierState, petition: derivePetitionState };
