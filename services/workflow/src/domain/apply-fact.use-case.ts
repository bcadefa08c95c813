import { compareFacts, deriveState, type DossierState, type Fact } from './dossier-state';

export interface StoredDossier {
  code: string;
  revision: number;
  /** Kept in `compareFacts` order, so readers never re-sort it. */
  history: Fact[];
  state: DossierState;
}

export interface DossierRepository {
  find(code: string): Promise<StoredDossier | null>;
  /** Inserts revision 1; false when another writer created the dossier first. */
  insert(doc: StoredDossier): Promise<boolean>;
  /** Writes `doc` only if the stored revision is still `expectedRevision`. */
  replace(doc: StoredDossier, expectedRevision: number): Promise<boolean>;
}

export interface StatePublisher {
  publish(dossier: StoredDossier): Promise<void>;
}

export interface ApplyOutcome {
  outcome: 'applied' | 'duplicate';
  dossier: StoredDossier;
}

const MAX_CONFLICT_RETRIES = 20;

/**
 * Adds a fact to a dossier's history and recomputes its state. Idempotent on the fact key;
 * the resulting state is published even for a duplicate, because the first delivery may have
 * stored the fact and crashed before publishing.
 */
export async function applyFact(code: string, fact: Fact, deps: { repo: DossierRepository; publisher: StatePublisher }): Promise<ApplyOutcome> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const current = await deps.repo.find(code);
    if (current?.history.some((f) => f.key === fact.key)) {
      await deps.publisher.publish(current);
      return { outcome: 'duplicate', dossier: current };
    }
    const history = [...(current?.history ?? []), fact].sort(compareFacts);
    const next: StoredDossier = { code, revision: (current?.revision ?? 0) + 1, history, state: deriveState(code, history) };
    const written = current ? await deps.repo.replace(next, current.revision) : await deps.repo.insert(next);
    if (written) {
      await deps.publisher.publish(next);
      return { outcome: 'applied', dossier: next };
    }
  }
  throw new Error(`dossier ${code}: too many concurrent updates`);
}
