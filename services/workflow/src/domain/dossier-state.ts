import {
  DOSSIER_OVERDUE_V1,
  DOSSIER_RECEIVED_V1,
  DOSSIER_RESOLVED_V1,
  PORTAL_STATUS,
  type DossierOverdueV1,
  type DossierPhase,
  type DossierReceivedV1,
  type DossierResolvedV1,
} from '@tthc/contracts';

/** One fact about a dossier, as recorded in its history. */
export type Fact =
  | FactBase<typeof DOSSIER_RECEIVED_V1, DossierReceivedV1>
  | FactBase<typeof DOSSIER_RESOLVED_V1, DossierResolvedV1>
  | FactBase<typeof DOSSIER_OVERDUE_V1, DossierOverdueV1>;

interface FactBase<T extends string, D> {
  /** CloudEvents identity (source + id): the idempotency key. */
  key: string;
  id: string;
  source: string;
  type: T;
  /** CloudEvent `time`. */
  time: string;
  /** The instant the fact happened in the one-stop unit; the primary ordering key. */
  occurredAt: string;
  data: D;
}

export interface DossierState {
  code: string;
  agencyCode: string | null;
  procedureCode: string | null;
  channel: string | null;
  phase: DossierPhase;
  statusCode: number | null;
  receivedAt: string | null;
  dueAt: string | null;
  deadlineVersion: number;
  closedAt: string | null;
  overdue: boolean;
  overdueAt: string | null;
}

export function occurredAtOf(fact: Pick<Fact, 'type' | 'data'> & { time: string }): string {
  switch (fact.type) {
    case DOSSIER_RECEIVED_V1:
      return (fact.data as DossierReceivedV1).receivedAt;
    case DOSSIER_RESOLVED_V1:
      return (fact.data as DossierResolvedV1).resolvedAt;
    case DOSSIER_OVERDUE_V1:
      return (fact.data as DossierOverdueV1).raisedAt;
    default:
      return fact.time;
  }
}

const ms = (iso: string) => Date.parse(iso);

/**
 * Total order over facts: when they happened, then when they were emitted, then their key.
 * Sorting (rather than trusting arrival order) is what makes duplicates and late-arriving
 * older facts converge to the same state.
 */
export function compareFacts(a: Fact, b: Fact): number {
  return ms(a.occurredAt) - ms(b.occurredAt) || ms(a.time) - ms(b.time) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

const sameInstant = (a: string | null, b: string | null) => (a === null || b === null ? a === b : ms(a) === ms(b));

/** The dossier state is a deterministic function of its history. */
export function deriveState(code: string, history: readonly Fact[]): DossierState {
  const state: DossierState = {
    code,
    agencyCode: null,
    procedureCode: null,
    channel: null,
    phase: 'awaiting-reception',
    statusCode: null,
    receivedAt: null,
    dueAt: null,
    deadlineVersion: 0,
    closedAt: null,
    overdue: false,
    overdueAt: null,
  };
  const overdueAlerts: DossierOverdueV1[] = [];
  for (const fact of [...history].sort(compareFacts)) {
    switch (fact.type) {
      case DOSSIER_RECEIVED_V1: {
        const d = fact.data;
        state.agencyCode = d.agencyCode;
        state.procedureCode = d.procedureCode;
        state.channel = d.channel ?? state.channel;
        state.receivedAt ??= d.receivedAt;
        if (!sameInstant(state.dueAt, d.appointmentAt)) {
          state.dueAt = d.appointmentAt;
          state.deadlineVersion += 1;
        }
        if (state.phase === 'awaiting-reception') {
          state.phase = 'open';
          state.statusCode = PORTAL_STATUS.received;
        }
        break;
      }
      case DOSSIER_RESOLVED_V1:
        state.agencyCode ??= fact.data.agencyCode;
        if (state.phase !== 'closed') {
          state.phase = 'closed';
          state.statusCode = PORTAL_STATUS.resolved;
          state.closedAt = fact.data.resolvedAt;
        }
        break;
      case DOSSIER_OVERDUE_V1:
        overdueAlerts.push(fact.data);
        break;
    }
  }
  // An alert counts only for the deadline it was raised against; a new appointment clears it.
  const current = overdueAlerts.find((a) => a.deadlineVersion === state.deadlineVersion);
  state.overdue = current !== undefined;
  state.overdueAt = current?.raisedAt ?? null;
  return state;
}
