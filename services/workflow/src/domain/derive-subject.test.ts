import type { AlertFact, DeriveContext, Fact, SubjectStateBase } from './subject';
import { DEFAULT_RULES } from './subject';
import { subjectState } from '../../test/support/subject-state.builder';
import { MAIN_DEADLINE_KEY, addBumps, changedDeadlineKeys, deriveSubject, hasReception, subjectKindOfFact, subjectKindOfHistory, type Derivation } from './derive-subject';

const ctx = { calendarFor: () => undefined, rules: DEFAULT_RULES } as unknown as DeriveContext;
const code = 'D1';

const state = (over: Partial<SubjectStateBase> = {}): SubjectStateBase => subjectState({ code, ...over });

function alert(deadlineVersion: number, subject: 'dossier' | 'petition' = 'dossier', type = 'vn.tthc.dossier.overdue'): AlertFact {
  return {
    key: `urn:sla\nA${deadlineVersion}`,
    id: `A${deadlineVersion}`,
    source: 'urn:sla',
    type,
    time: '2026-12-04T10:00:01Z',
    occurredAt: '2026-12-04T10:00:01Z',
    data: { alertId: 'x', kind: 'overdue', level: 0, subject, dossierCode: code, deadlineKey: 'dossier', deadlineKind: 'dossier', agencyCode: 'G01', responsibleAgencyCode: null, procedureCode: null, label: null, dueAt: '2026-12-04T10:00:00Z', deadlineVersion, raisedAt: '2026-12-04T10:00:01Z', workingMinutesLate: 0, reason: '', legalBasis: '' },
  } as AlertFact;
}

// Overdue when an alert names the version this derivation counts (always 1 here).
const counting: Derivation = (_c, history) => state({ overdue: history.some((f) => f.type === 'vn.tthc.dossier.overdue' && (f as AlertFact).data.deadlineVersion === 1) });

describe('subject derivation dispatch', () => {
  test('when a fact is a petition event or an alert about a petition, then its subject is a petition', () => {
    expect(subjectKindOfFact({ type: 'vn.tthc.petition.received' } as Fact)).toBe('petition');
    expect(subjectKindOfFact({ type: 'vn.tthc.dossier.received' } as Fact)).toBe('dossier');
    // The petition alert type starts like a petition event; the alert's own field decides.
    expect(subjectKindOfFact(alert(1, 'dossier', 'vn.tthc.petition.unhandled'))).toBe('dossier');
    expect(subjectKindOfFact(alert(1, 'petition', 'vn.tthc.deadline.warning'))).toBe('petition');
  });

  test('when a history starts with an alert, then its first inbound fact decides the kind', () => {
    expect(subjectKindOfHistory([alert(1, 'dossier'), { type: 'vn.tthc.petition.received' } as Fact])).toBe('petition');
    expect(subjectKindOfHistory([alert(1, 'petition')])).toBe('petition');
    expect(subjectKindOfHistory([])).toBeNull();
  });

  test('when only later facts are stored, then the history has no reception; a receipt, refusal, submission or counter supplement request counts', () => {
    expect(hasReception([{ type: 'vn.tthc.dossier.processing-started' } as Fact])).toBe(false);
    expect(hasReception([{ type: 'vn.tthc.dossier.refused' } as Fact])).toBe(true);
    expect(hasReception([{ type: 'vn.tthc.petition.received' } as Fact])).toBe(true);
    // A supplement request before anything else is the counter's Phiếu yêu cầu bổ sung.
    expect(hasReception([{ type: 'vn.tthc.dossier.supplement-requested' } as Fact])).toBe(true);
    expect(hasReception([{ type: 'vn.tthc.dossier.processing-started', occurredAt: '1' } as Fact, { type: 'vn.tthc.dossier.supplement-requested' } as Fact])).toBe(false);
  });

  test('when a calendar bumped the deadline, then versions are raised and an alert of the bumped version still counts', () => {
    const bumps = addBumps([], ['dossier', MAIN_DEADLINE_KEY]);
    const s = deriveSubject('dossier', code, [alert(2)], ctx, { dossier: counting, petition: counting }, bumps);
    expect(s).toMatchObject({ deadlineVersion: 2, overdue: true });
    expect(s.deadlines[0]?.version).toBe(2);
    // An alert raised against the version before the bump is stale.
    expect(deriveSubject('dossier', code, [alert(1)], ctx, { dossier: counting, petition: counting }, bumps).overdue).toBe(false);
  });

  test('when two states differ only in one deadline due instant, then that key alone changed', () => {
    const before = state();
    const after = state({ deadlines: [{ ...before.deadlines[0]!, dueAt: '2026-12-05T10:00:00+00:00' }, { ...before.deadlines[0]!, key: 'step:1', kind: 'step' }] });
    expect(changedDeadlineKeys(before, after)).toEqual(['dossier', 'step:1']);
    expect(changedDeadlineKeys(before, state({ deadlines: [{ ...before.deadlines[0]!, dueAt: '2026-12-04T17:00:00+07:00' }] }))).toEqual([]);
    expect(addBumps(addBumps([], ['dossier']), ['dossier', 'step:1'])).toEqual([
      { key: 'dossier', by: 2 },
      { key: 'step:1', by: 1 },
    ]);
  });

  test('when the derivation leaves the agency unknown, then the agency named by the first inbound fact is used', () => {
    const none: Derivation = () => state({ agencyCode: null });
    const resolved = { type: 'vn.tthc.dossier.resolved', data: { dossierCode: code, agencyCode: 'G07', resolvedAt: '2026-11-23T10:00:00Z' } } as Fact;
    expect(deriveSubject('dossier', code, [alert(1), resolved], ctx, { dossier: none, petition: none }).agencyCode).toBe('G07');
    expect(deriveSubject('dossier', code, [alert(1)], ctx, { dossier: none, petition: none }).agencyCode).toBe('G01');
  });
});
