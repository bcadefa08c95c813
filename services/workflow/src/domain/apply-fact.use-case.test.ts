import fc from 'fast-check';
import type { CatalogEntry } from '@tthc/catalog';
import { applyFact, type ApplyDeps, type StoredSubject, type SubjectRepository } from './apply-fact.use-case';
import { deriveSubject, type Derivation } from './derive-subject';
import { DEFAULT_RULES, type DeriveContext, type Fact, type SubjectStateBase } from './subject';

const code = 'G01.001.000-261120-0001';
const ctx = { calendarFor: () => undefined, rules: DEFAULT_RULES } as unknown as DeriveContext;

/** In-memory repository with the same compare-and-set contract as the MongoDB one. */
function memoryRepo(): SubjectRepository & { docs: Map<string, StoredSubject> } {
  const docs = new Map<string, StoredSubject>();
  return {
    docs,
    async find(c) {
      return structuredClone(docs.get(c)) ?? null;
    },
    async insert(d) {
      if (docs.has(d.code)) return false;
      docs.set(d.code, structuredClone(d));
      return true;
    },
    async replace(d, expected) {
      if (docs.get(d.code)?.revision !== expected) return false;
      docs.set(d.code, structuredClone(d));
      return true;
    },
  };
}

// A stand-in derivation: the state lists the history's fact types; a fact typed `…returned`
// closes the subject and any later fact is rejected.
const listing: Derivation = (c, history) => {
  const closeAt = history.findIndex((f) => f.type === 'vn.tthc.dossier.returned');
  const base: SubjectStateBase = {
    code: c,
    subject: 'dossier',
    agencyCode: 'G01',
    procedureCode: null,
    phase: closeAt >= 0 ? 'closed' : 'open',
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
    findings: history.map((f) => ({ code: f.type, detail: '', factKey: f.key, at: f.occurredAt })),
    rejected: closeAt >= 0 ? history.slice(closeAt + 1).map((f) => ({ factKey: f.key, reason: 'after the return' })) : [],
  };
  return base;
};

function fact(id: string, type: string, occurredAt: string, data: Record<string, unknown> = {}): Fact {
  return { key: `urn:p\n${id}`, id, source: 'urn:p', type, time: occurredAt, occurredAt, data: { dossierCode: code, agencyCode: 'G01', occurredAt, ...data } } as unknown as Fact;
}

function deps(repo = memoryRepo(), lookups: string[] = []): ApplyDeps & { published: StoredSubject[]; repo: ReturnType<typeof memoryRepo> } {
  const published: StoredSubject[] = [];
  const entry = { procedure: { code: 'P1' }, catalogId: 'c', catalogVersion: 'v1' } as unknown as CatalogEntry;
  return {
    repo,
    published,
    publisher: { publish: async (s) => void published.push(s) },
    catalog: {
      find: async (procedureCode) => {
        lookups.push(procedureCode);
        return procedureCode === 'P1' ? entry : null;
      },
    },
    derive: (kind, c, history, bumps) => deriveSubject(kind, c, history, ctx, { dossier: listing, petition: listing }, bumps),
    now: () => new Date('2026-11-20T02:00:00Z'),
  };
}

const received = (id: string, at: string, procedureCode = 'P1') => fact(id, 'vn.tthc.dossier.received', at, { procedureCode, receivedAt: at });

describe('applying a fact', () => {
  test('when the same fact is applied twice, then it is stored once and the state is published both times', async () => {
    const d = deps();
    const first = await applyFact(code, received('a', '2026-11-20T02:00:00Z'), d);
    const second = await applyFact(code, received('a', '2026-11-20T02:00:00Z'), d);
    expect([first.outcome, second.outcome]).toEqual(['applied', 'duplicate']);
    expect(d.repo.docs.get(code)?.history).toHaveLength(1);
    expect(d.published.map((p) => p.revision)).toEqual([1, 1]);
  });

  test('when a reception is applied, then the catalog entry in force is kept in the fact, looked up once', async () => {
    const lookups: string[] = [];
    const d = deps(memoryRepo(), lookups);
    await applyFact(code, received('a', '2026-11-20T02:00:00Z'), d);
    await applyFact(code, received('a', '2026-11-20T02:00:00Z'), d);
    const stored = d.repo.docs.get(code)?.history[0] as Fact & { lookup?: { procedure: CatalogEntry | null } };
    expect(stored.lookup?.procedure?.catalogVersion).toBe('v1');
    expect(lookups).toEqual(['P1']);
  });

  test('when the procedure is not in the catalog, then the look-up is stored as null', async () => {
    const d = deps();
    await applyFact(code, received('a', '2026-11-20T02:00:00Z', 'UNKNOWN'), d);
    expect(d.repo.docs.get(code)?.history[0]).toMatchObject({ lookup: { procedure: null } });
  });

  test('when the derivation rejects the fact, then it is not stored and nothing is published', async () => {
    const d = deps();
    await applyFact(code, received('a', '2026-11-20T02:00:00Z'), d);
    await applyFact(code, fact('b', 'vn.tthc.dossier.returned', '2026-11-21T02:00:00Z'), d);
    const result = await applyFact(code, fact('c', 'vn.tthc.dossier.processing-started', '2026-11-22T02:00:00Z'), d);
    expect(result).toMatchObject({ outcome: 'rejected', reason: 'after the return' });
    expect(d.repo.docs.get(code)?.history.map((f) => f.id)).toEqual(['a', 'b']);
    expect(d.published).toHaveLength(2);
  });

  test('when a petition fact names a stored dossier, then it is rejected as the wrong kind of subject', async () => {
    const d = deps();
    await applyFact(code, received('a', '2026-11-20T02:00:00Z'), d);
    const petition = { ...fact('p', 'vn.tthc.petition.answered', '2026-11-21T02:00:00Z'), data: { petitionCode: code, agencyCode: 'G01', occurredAt: '2026-11-21T02:00:00Z' } } as unknown as Fact;
    const result = await applyFact(code, petition, d);
    expect(result.outcome).toBe('rejected');
    expect(d.repo.docs.get(code)?.subject).toBe('dossier');
  });

  test('when another writer wins the compare-and-set, then the fact is applied on top of its write', async () => {
    const repo = memoryRepo();
    const d = deps(repo);
    await applyFact(code, received('a', '2026-11-20T02:00:00Z'), d);
    const original = repo.replace.bind(repo);
    let raced = false;
    repo.replace = async (doc, expected) => {
      if (!raced) {
        raced = true;
        const other = await repo.find(code);
        await original({ ...other!, revision: other!.revision + 1, history: [...other!.history, fact('x', 'vn.tthc.dossier.step-completed', '2026-11-20T05:00:00Z')] }, other!.revision);
      }
      return original(doc, expected);
    };
    await applyFact(code, fact('b', 'vn.tthc.dossier.processing-started', '2026-11-20T03:00:00Z'), d);
    expect(repo.docs.get(code)?.history.map((f) => f.id)).toEqual(['a', 'b', 'x']);
    expect(repo.docs.get(code)?.revision).toBe(3);
  });

  test('when facts arrive in any order with duplicates, then the stored history and state are the same', async () => {
    const facts = [received('a', '2026-11-20T02:00:00Z'), fact('b', 'vn.tthc.dossier.processing-started', '2026-11-20T03:00:00Z'), fact('c', 'vn.tthc.dossier.resolved', '2026-11-21T03:00:00Z')];
    const reference = deps();
    for (const f of facts) await applyFact(code, f, reference);
    const expected = reference.repo.docs.get(code)!;
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([...facts, ...facts], { minLength: 6, maxLength: 6 }), async (order) => {
        const d = deps();
        for (const f of order) await applyFact(code, f, d);
        const got = d.repo.docs.get(code)!;
        expect(got.history).toEqual(expected.history);
        expect(got.state).toEqual(expected.state);
      }),
      { numRuns: 30 },
    );
  });

  test('when a subject closes, then the calendar versions in force are frozen with it and used for its later facts', async () => {
    const d = deps();
    const seen: unknown[] = [];
    const inner = d.derive;
    d.derive = (kind, c, history, bumps, pins) => {
      seen.push(pins);
      return inner(kind, c, history, bumps, pins);
    };
    d.calendarPins = () => [{ calendarId: 'vn', version: 'v1' }];
    await applyFact(code, received('a', '2026-11-20T02:00:00Z'), d);
    expect(d.repo.docs.get(code)?.frozenCalendars).toBeUndefined();
    await applyFact(code, fact('b', 'vn.tthc.dossier.returned', '2026-11-21T02:00:00Z'), d);
    expect(d.repo.docs.get(code)?.frozenCalendars).toEqual([{ calendarId: 'vn', version: 'v1' }]);
    d.calendarPins = () => [{ calendarId: 'vn', version: 'v2' }];
    await applyFact(code, fact('c', 'vn.tthc.dossier.overdue', '2026-11-20T05:00:00Z'), d);
    expect(seen.at(-1)).toEqual([{ calendarId: 'vn', version: 'v1' }]);
    expect(d.repo.docs.get(code)?.frozenCalendars).toEqual([{ calendarId: 'vn', version: 'v1' }]);
  });
});
