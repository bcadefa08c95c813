import type { StoredSubject } from './apply-fact.use-case';
import { deriveSubject, type Derivation } from './derive-subject';
import { recomputeOpenSubjects, type CalendarAudit, type RecomputeDeps } from './recompute-calendar.use-case';
import { DEFAULT_RULES, type DeriveContext, type Fact, type SubjectStateBase } from './subject';

const ctx = { calendarFor: () => undefined, rules: DEFAULT_RULES } as unknown as DeriveContext;

function state(code: string, dueAt: string | null, phase: SubjectStateBase['phase'] = 'open'): SubjectStateBase {
  return {
    code,
    subject: 'dossier',
    agencyCode: 'G01',
    procedureCode: null,
    phase,
    statusCode: 2,
    receivedAt: null,
    dueAt,
    deadlineVersion: dueAt ? 1 : 0,
    closedAt: null,
    endAt: null,
    timeliness: null,
    paused: false,
    deadlines: dueAt ? [{ key: 'dossier', kind: 'dossier', dueAt, version: 1, status: 'open', agencyCode: 'G01', label: null, legalBasis: '', warn: true, escalate: true }] : [],
    overdue: false,
    overdueAt: null,
    atRisk: false,
    findings: [],
    rejected: [],
  };
}

function subject(code: string, s: SubjectStateBase, history: Fact[] = []): StoredSubject {
  return { code, subject: 'dossier', revision: 3, history, state: s, versionBumps: [], firstStoredAt: '2026-11-20T00:00:00.000Z' };
}

/** The "calendar" is a table of due instants by code: what changes between two versions. */
function fixture(stored: StoredSubject[], dueByCode: Record<string, string>) {
  const docs = new Map(stored.map((s) => [s.code, s]));
  const published: StoredSubject[] = [];
  const audits: CalendarAudit[] = [];
  const derivation: Derivation = (code) => state(code, dueByCode[code] ?? null, docs.get(code)!.state.phase);
  const deps: RecomputeDeps = {
    subjects: {
      listOpenCodes: async () => [...docs.values()].filter((d) => d.state.phase === 'open').map((d) => d.code),
      find: async (code) => docs.get(code) ?? null,
      replace: async (doc, expected) => {
        if (docs.get(doc.code)?.revision !== expected) return false;
        docs.set(doc.code, doc);
        return true;
      },
    },
    derive: (kind, code, history, bumps) => deriveSubject(kind, code, history, ctx, { dossier: derivation, petition: derivation }, bumps),
    publisher: { publish: async (s) => void published.push(s) },
    audits: { exists: async (id) => audits.some((a) => a._id === id), insert: async (a) => void audits.push(a) },
  };
  return { deps, docs, published, audits };
}

const change = { auditId: 'vn@2@t', calendarId: 'vn', fromVersion: '1', toVersion: '2', appliedAt: '2026-11-23T00:00:00.000Z' };

describe('calendar recompute', () => {
  test('when a new calendar moves one open deadline, then only that subject is stored with a higher version, published and audited', async () => {
    const f = fixture(
      [subject('A', state('A', '2026-12-04T10:00:00Z')), subject('B', state('B', '2026-12-10T10:00:00Z')), subject('C', state('C', '2026-12-01T10:00:00Z', 'closed'))],
      { A: '2026-12-07T10:00:00Z', B: '2026-12-10T10:00:00Z', C: '2026-12-02T10:00:00Z' },
    );
    const audit = await recomputeOpenSubjects(change, f.deps);
    expect(audit).toEqual({
      _id: 'vn@2@t',
      calendarId: 'vn',
      fromVersion: '1',
      toVersion: '2',
      appliedAt: change.appliedAt,
      affected: [{ code: 'A', subject: 'dossier', agencyCode: 'G01', oldDueAt: '2026-12-04T10:00:00Z', newDueAt: '2026-12-07T10:00:00Z', deadlineKeys: ['dossier'] }],
      unchangedOpenCount: 1,
    });
    expect(f.published.map((p) => [p.code, p.revision, p.state.deadlineVersion, p.state.deadlines[0]?.version])).toEqual([['A', 4, 2, 2]]);
    expect(f.docs.get('C')?.state.dueAt).toBe('2026-12-01T10:00:00Z');
    expect(f.audits).toHaveLength(1);
  });

  test('when a recompute was interrupted after moving a subject, then running it again lists that subject with its first old due instant', async () => {
    const f = fixture([subject('A', state('A', '2026-12-04T10:00:00Z')), subject('B', state('B', '2026-12-10T10:00:00Z'))], { A: '2026-12-07T10:00:00Z', B: '2026-12-11T10:00:00Z' });
    const flaky = { ...f.deps, audits: { ...f.deps.audits, insert: async () => Promise.reject(new Error('mongo went away')) } };
    await expect(recomputeOpenSubjects(change, flaky)).rejects.toThrow('mongo went away');
    const audit = await recomputeOpenSubjects(change, f.deps);
    expect(audit.affected.map((a) => [a.code, a.oldDueAt, a.newDueAt])).toEqual([
      ['A', '2026-12-04T10:00:00Z', '2026-12-07T10:00:00Z'],
      ['B', '2026-12-10T10:00:00Z', '2026-12-11T10:00:00Z'],
    ]);
    // Nothing moved twice: one bump per subject.
    expect([...f.docs.values()].map((d) => d.state.deadlineVersion)).toEqual([2, 2]);
  });
});
