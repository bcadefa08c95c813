import { isPetitionEventType, type SubjectKind } from '@tthc/contracts';
import { isAlertFact, type DeriveContext, type Fact, type SubjectStateBase } from './subject';

/** A dossier or petition derivation: the state is a deterministic function of the history. */
export type Derivation = (code: string, history: readonly Fact[], ctx: DeriveContext) => SubjectStateBase;
export type Derivations = Readonly<Record<SubjectKind, Derivation>>;

/**
 * Deadline version bumps added by calendar changes, per deadline key. A derivation counts
 * versions from the history alone, so re-deriving with a new calendar would give a moved
 * deadline the same version and the SLA service would keep the old timer (its job id is the
 * version); the bump is what makes the moved deadline a new version.
 */
export interface VersionBump {
  key: string;
  by: number;
}
/** Bump key of the subject's main deadline (`dueAt` / `deadlineVersion`). */
export const MAIN_DEADLINE_KEY = '@main';

// A reception gives a subject its identity; without one the facts belong to nothing known.
const RECEPTION_TYPES = new Set<string>(['vn.tthc.dossier.received', 'vn.tthc.dossier.refused', 'vn.tthc.petition.received']);
const COUNTER_SUPPLEMENT = 'vn.tthc.dossier.supplement-requested';

/** An alert says which kind of subject it is about; an inbound fact says it by its type. */
export function subjectKindOfFact(fact: Fact): SubjectKind {
  // Duty alerts never reach workflow (the consumer leaves them to sla), so an alert here is a case's.
  if (isAlertFact(fact)) return fact.data.subject === 'petition' ? 'petition' : 'dossier';
  return isPetitionEventType(fact.type) ? 'petition' : 'dossier';
}

/** The kind of the stored history: its first inbound fact decides, alerts only when alone. */
export function subjectKindOfHistory(history: readonly Fact[]): SubjectKind | null {
  const inbound = history.find((f) => !isAlertFact(f));
  const first = inbound ?? history[0];
  return first ? subjectKindOfFact(first) : null;
}

/**
 * Whether the one-stop counter ever saw the subject: a receipt, a refusal, a petition's
 * submission, or a supplement request that comes before anything else (Phiếu yêu cầu bổ sung
 * at the counter: the dossier awaits the citizen without being received yet).
 */
export function hasReception(history: readonly Fact[]): boolean {
  if (history.some((f) => RECEPTION_TYPES.has(f.type))) return true;
  return history.find((f) => !isAlertFact(f))?.type === COUNTER_SUPPLEMENT;
}

function agencyOfHistory(history: readonly Fact[]): string | null {
  for (const f of history) if (!isAlertFact(f)) return f.data.agencyCode;
  return history[0]?.data.agencyCode ?? null;
}

const bumpOf = (bumps: readonly VersionBump[], key: string) => bumps.find((b) => b.key === key)?.by ?? 0;

/**
 * Derives the state with the derivation of the subject's kind, and adds the calendar bumps.
 * Alerts carry the (bumped) version they were raised against; the derivation compares them
 * with versions it counts itself, so they are shown to it unbumped.
 */
export function deriveSubject(
  kind: SubjectKind,
  code: string,
  history: readonly Fact[],
  ctx: DeriveContext,
  derivations: Derivations,
  bumps: readonly VersionBump[] = [],
): SubjectStateBase {
  const input =
    bumps.length === 0
      ? history
      : history.map((f) => {
          if (!isAlertFact(f)) return f;
          const key = f.data.deadlineKey === 'dossier' && kind === 'dossier' ? MAIN_DEADLINE_KEY : f.data.deadlineKey;
          const by = Math.max(bumpOf(bumps, key), bumpOf(bumps, f.data.deadlineKey));
          return by === 0 ? f : { ...f, data: { ...f.data, deadlineVersion: f.data.deadlineVersion - by } };
        });
  const derived = derivations[kind](code, input, ctx);
  // Readers scope by agency; a subject known only from later facts still belongs to the
  // agency those facts name.
  const state = derived.agencyCode === null ? { ...derived, agencyCode: agencyOfHistory(history) } : derived;
  if (bumps.length === 0) return state;
  return {
    ...state,
    deadlineVersion: state.deadlineVersion + bumpOf(bumps, MAIN_DEADLINE_KEY),
    deadlines: state.deadlines.map((d) => ({ ...d, version: d.version + bumpOf(bumps, d.key) })),
  };
}

/** Whether two instants (ISO strings, possibly in different offsets) are the same, or both absent. */
export const sameInstant = (a: string | null | undefined, b: string | null | undefined) => (a == null || b == null ? a == b : Date.parse(a) === Date.parse(b));

/** Deadline keys whose due instant differs between two states (added and removed ones too). */
export function changedDeadlineKeys(before: SubjectStateBase, after: SubjectStateBase): string[] {
  const keys = new Set([...before.deadlines.map((d) => d.key), ...after.deadlines.map((d) => d.key)]);
  const changed: string[] = [];
  for (const key of keys) {
    const a = before.deadlines.find((d) => d.key === key);
    const b = after.deadlines.find((d) => d.key === key);
    if (!sameInstant(a?.dueAt, b?.dueAt)) changed.push(key);
  }
  return changed.sort();
}

export function mainDueChanged(before: SubjectStateBase, after: SubjectStateBase): boolean {
  return !sameInstant(before.dueAt, after.dueAt);
}

/** Adds one to the bump of each key. */
export function addBumps(bumps: readonly VersionBump[], keys: readonly string[]): VersionBump[] {
  const next = new Map(bumps.map((b) => [b.key, b.by]));
  for (const key of keys) next.set(key, (next.get(key) ?? 0) + 1);
  return [...next].map(([key, by]) => ({ key, by })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
