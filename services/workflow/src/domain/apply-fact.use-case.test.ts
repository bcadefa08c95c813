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
    async findRecord(c) {
      const d = docs.get(c);
      if (!d) return null;
      const { state: _state, ...record } = structuredClone(d);
      return record;
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

function deps(repo = memoryRepo(), lookups: string[] = []): ApplyDeps & { published: StoredSubject[]; letters: string[]; repo: ReturnType<typeof memoryRepo> } {
  const published: StoredSubject[] = [];
  const letters: string[] = [];
  const entry = { procedure: { code: 'P1' }, catalogId: 'c', catalogVersion: 'v1' } as unknown as CatalogEntry;
  return {
    repo,
    published,
    letters,
    publisher: { publish: async (s) => void published.push(s) },
    deadLetters: { send: async (_s, f, errorCode) => void letters.push(`${errorCode} ${f.id}`) },
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
    // Facts are applied to the subject read without its state; the duplicate's is the stored one.
    expect(d.published[1]?.state).toBeDefined();
    expect(d.published[1]?.state).toEqual(d.published[0]?.state);
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

describe('applying a fact sent by a key', () => {
  // Portal A covers G01.001.000, portal B covers G02.001.000, the reform office everything.
  const A = { id: 'key-a', scope: 'G01.001.000' };
  const B = { id: 'key-b', scope: 'G02.001.000' };
  const REFORM = { id: 'key-reform', scope: '*' };
  const opaque = 'HS-B-0001';
  const by = (auth: { id: string; scope: string }, f: Fact, c = opaque): Fact => ({ ...f, auth, data: { ...f.data, dossierCode: c } }) as Fact;
  const receivedBy = (auth: { id: string; scope: string }, id: string, at: string, agencyCode: string, c = opaque) =>
    ({ ...by(auth, received(id, at), c), data: { dossierCode: c, procedureCode: 'P1', agencyCode, receivedAt: at, occurredAt: at } }) as unknown as Fact;
  const factBy = (auth: { id: string; scope: string }, id: string, type: string, at: string, agencyCode: string, c = opaque) =>
    ({ ...fact(id, type, at), auth, data: { dossierCode: c, agencyCode, occurredAt: at, resolvedAt: at } }) as unknown as Fact;

  test("when A resolves B's dossier naming its own agency, then it is rejected as not-owner and B's dossier is unchanged", async () => {
    const d = deps();
    await applyFact(opaque, receivedBy(B, 'b1', '2026-11-20T02:00:00Z', 'G02.001.000'), d);
    const before = structuredClone(d.repo.docs.get(opaque));
    const result = await applyFact(opaque, factBy(A, 'a1', 'vn.tthc.dossier.resolved', '2026-11-21T02:00:00Z', 'G01.001.000'), d);
    expect(result).toMatchObject({ outcome: 'rejected', errorCode: 'not-owner', reason: expect.stringContaining('received by G02.001.000') });
    expect(d.repo.docs.get(opaque)).toEqual(before);
    expect(d.published).toHaveLength(1);
  });

  test('when another agency sends a second reception, even back-dated, then it is rejected as foreign-reception and the owner keeps the dossier', async () => {
    const d = deps();
    await applyFact(opaque, receivedBy(B, 'b1', '2026-11-20T02:00:00Z', 'G02.001.000'), d);
    const before = structuredClone(d.repo.docs.get(opaque));
    const takeover = await applyFact(opaque, receivedBy(A, 'a1', '2026-11-19T02:00:00Z', 'G01.001.000'), d);
    expect(takeover).toMatchObject({ outcome: 'rejected', errorCode: 'foreign-reception' });
    // A key that covers the owner still cannot move the reception to another agency.
    const moved = await applyFact(opaque, receivedBy(REFORM, 'r1', '2026-11-19T02:00:00Z', 'G01.001.000'), d);
    expect(moved).toMatchObject({ outcome: 'rejected', errorCode: 'foreign-reception', reason: expect.stringContaining('received by G02.001.000') });
    expect(d.repo.docs.get(opaque)).toEqual(before);
    // The owner's own re-issued receipt is still a fact of its dossier.
    expect((await applyFact(opaque, receivedBy(B, 'b2', '2026-11-20T03:00:00Z', 'G02.001.000'), d)).outcome).toBe('applied');
  });

  test("when A's facts wait for a reception that turns out to be B's, then they leave the history and are dead-lettered before the write, while B's and the system's stay", async () => {
    const d = deps();
    expect((await applyFact(opaque, factBy(A, 'a1', 'vn.tthc.dossier.resolved', '2026-11-21T02:00:00Z', 'G01.001.000'), d)).outcome).toBe('applied');
    await applyFact(opaque, factBy(B, 'b0', 'vn.tthc.dossier.processing-started', '2026-11-20T05:00:00Z', 'G02.001.000'), d);
    await applyFact(opaque, { ...fact('s1', 'vn.tthc.dossier.overdue', '2026-11-20T06:00:00Z'), data: { dossierCode: opaque, agencyCode: 'G02.001.000' } } as unknown as Fact, d);
    const order: string[] = [];
    const replace = d.repo.replace.bind(d.repo);
    d.repo.replace = async (doc, expected) => (order.push('write'), replace(doc, expected));
    const send = d.deadLetters.send;
    d.deadLetters.send = async (...args) => (order.push('letter'), send(...args));

    const result = await applyFact(opaque, receivedBy(B, 'b1', '2026-11-20T02:00:00Z', 'G02.001.000'), d);
    expect(result).toMatchObject({ outcome: 'applied', evicted: [{ errorCode: 'not-owner', fact: { id: 'a1' } }] });
    expect(d.repo.docs.get(opaque)?.history.map((f) => f.id)).toEqual(['b1', 'b0', 's1']);
    expect(d.letters).toEqual(['not-owner a1']);
    expect(order).toEqual(['letter', 'write']);
  });

  test('when another key sends a stored source and id, then it is a duplicate if it covers the owner, not-owner if not, and a key conflict before any reception', async () => {
    const d = deps();
    const pending = 'HS-PENDING-1';
    await applyFact(pending, factBy(A, 'x1', 'vn.tthc.dossier.processing-started', '2026-11-21T02:00:00Z', 'G01.001.000', pending), d);
    const early = await applyFact(pending, factBy(B, 'x1', 'vn.tthc.dossier.processing-started', '2026-11-21T02:00:00Z', 'G02.001.000', pending), d);
    expect(early).toMatchObject({ outcome: 'rejected', errorCode: 'key-conflict' });

    await applyFact(opaque, receivedBy(B, 'b1', '2026-11-20T02:00:00Z', 'G02.001.000'), d);
    await applyFact(opaque, factBy(B, 'b2', 'vn.tthc.dossier.processing-started', '2026-11-21T02:00:00Z', 'G02.001.000'), d);
    expect((await applyFact(opaque, factBy(A, 'b2', 'vn.tthc.dossier.processing-started', '2026-11-21T02:00:00Z', 'G01.001.000'), d)).outcome).toBe('rejected');
    expect((await applyFact(opaque, factBy(REFORM, 'b2', 'vn.tthc.dossier.processing-started', '2026-11-21T02:00:00Z', 'G02.001.000'), d)).outcome).toBe('duplicate');
    expect(d.repo.docs.get(opaque)?.history.map((f) => f.auth?.id)).toEqual(['key-b', 'key-b']);
  });

  test("when A took the id of B's coming reception for a fact of its own, then B's reception displaces A's fact instead of being its duplicate", async () => {
    const d = deps();
    const squat = { ...factBy(A, 'b-next', 'vn.tthc.dossier.resolved', '2026-11-25T02:00:00Z', 'G01.001.000') } as Fact;
    expect((await applyFact(opaque, squat, d)).outcome).toBe('applied');
    const reception = receivedBy(B, 'b-next', '2026-11-20T02:00:00Z', 'G02.001.000');
    const result = await applyFact(opaque, reception, d);
    expect(result).toMatchObject({ outcome: 'applied', evicted: [{ errorCode: 'not-owner', fact: { auth: A } }] });
    expect(d.repo.docs.get(opaque)?.history).toEqual([expect.objectContaining({ type: 'vn.tthc.dossier.received', auth: B })]);
    expect(d.letters).toEqual(['not-owner b-next']);
    // A key of the owner that sent the id first makes the reception a plain duplicate.
    const other = 'HS-B-0002';
    await applyFact(other, factBy(REFORM, 'r-next', 'vn.tthc.dossier.processing-started', '2026-11-21T02:00:00Z', 'G02.001.000', other), d);
    expect((await applyFact(other, receivedBy(B, 'r-next', '2026-11-20T02:00:00Z', 'G02.001.000', other), d)).outcome).toBe('duplicate');
  });

  test('when a TT 04/2025 code names an agency the key does not cover, then it is rejected as foreign-code unless the check is off', async () => {
    const tt04 = 'G02.001.000-261120-0001';
    const d = deps();
    const squat = receivedBy(A, 'a1', '2026-11-20T02:00:00Z', 'G01.001.000', tt04);
    expect(await applyFact(tt04, squat, d)).toMatchObject({ outcome: 'rejected', errorCode: 'foreign-code', reason: expect.stringContaining('G02.001.000') });
    expect(d.repo.docs.has(tt04)).toBe(false);
    expect((await applyFact(tt04, squat, { ...d, codeAgencyCheck: false })).outcome).toBe('applied');
  });
});

describe('applying petition facts sent by keys', () => {
  const petition = 'PAKN-0001';
  const A = { id: 'key-a', scope: 'G01.001.000' };
  const B = { id: 'key-b', scope: 'G02.*' };
  const pf = (auth: { id: string; scope: string }, id: string, type: string, at: string, agencyCode: string, extra: Record<string, unknown> = {}) =>
    ({ key: `urn:p\n${id}`, id, source: 'urn:p', type, time: at, occurredAt: at, auth, data: { petitionCode: petition, agencyCode, occurredAt: at, ...extra } }) as unknown as Fact;

  test('when A transfers its petition to B, then the transfer applies, a later fact from A is rejected and one from B applies', async () => {
    const d = deps();
    expect((await applyFact(petition, pf(A, 'p1', 'vn.tthc.petition.received', '2026-11-20T02:00:00Z', 'G01.001.000'), d)).outcome).toBe('applied');
    expect((await applyFact(petition, pf(B, 'p0', 'vn.tthc.petition.answered', '2026-11-20T03:00:00Z', 'G02.001.000'), d)).outcome).toBe('rejected');
    expect((await applyFact(petition, pf(A, 'p2', 'vn.tthc.petition.transferred', '2026-11-21T02:00:00Z', 'G01.001.000', { toAgencyCode: 'G02.001.000' }), d)).outcome).toBe('applied');
    const late = await applyFact(petition, pf(A, 'p3', 'vn.tthc.petition.answered', '2026-11-22T02:00:00Z', 'G01.001.000'), d);
    expect(late).toMatchObject({ outcome: 'rejected', errorCode: 'not-owner', reason: expect.stringContaining('held by G02.001.000') });
    expect((await applyFact(petition, pf(B, 'p4', 'vn.tthc.petition.answered', '2026-11-22T03:00:00Z', 'G02.001.000'), d)).outcome).toBe('applied');
    // Before the transfer's time A still held it, so A's back-dated fact there counts.
    expect((await applyFact(petition, pf(A, 'p5', 'vn.tthc.petition.supplement-requested', '2026-11-20T09:00:00Z', 'G01.001.000'), d)).outcome).toBe('applied');
    expect(d.repo.docs.get(petition)?.history.map((f) => f.id)).toEqual(['p1', 'p5', 'p2', 'p4']);
  });
});
