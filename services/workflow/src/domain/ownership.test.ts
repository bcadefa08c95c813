import { checkCodeAgency, checkOwnership, covers, ownerAt, receptionAgencyOf, sameSender, settleOwnership } from './ownership';
import { compareFacts, type Fact, type FactAuth } from './subject';

const A: FactAuth = { id: 'key-a', scope: 'G01.001.000' };
const B: FactAuth = { id: 'key-b', scope: 'G02.*' };
const C: FactAuth = { id: 'key-c', scope: 'G03.001.000' };

const f = (id: string, type: string, at: string, agencyCode: string, auth?: FactAuth, extra: Record<string, unknown> = {}): Fact =>
  ({ key: `urn:p\n${id}`, id, source: 'urn:p', type, time: at, occurredAt: at, ...(auth ? { auth } : {}), data: { agencyCode, occurredAt: at, ...extra } }) as unknown as Fact;
const sorted = (...facts: Fact[]) => facts.sort(compareFacts);

describe('owner of a subject', () => {
  test('when a dossier was received, then its receiving agency owns it at every time, and a refusal stands in when it was only refused', () => {
    const history = sorted(f('1', 'vn.tthc.dossier.processing-started', '2026-11-19T02:00:00Z', 'G01.001.000', A), f('2', 'vn.tthc.dossier.received', '2026-11-20T02:00:00Z', 'G02.001.000', B));
    expect(ownerAt('dossier', history, 0)).toBe('G02.001.000');
    expect(receptionAgencyOf('dossier', [f('3', 'vn.tthc.dossier.refused', '2026-11-20T02:00:00Z', 'G03.001.000')])).toBe('G03.001.000');
    expect(ownerAt('dossier', [f('4', 'vn.tthc.dossier.resolved', '2026-11-20T02:00:00Z', 'G01.001.000', A)], 0)).toBeNull();
  });

  test('when a petition is transferred, then the holder before each fact is the receiver until the transfer and the new agency after it; a transfer dated before the submission changes nothing', () => {
    const history = sorted(
      f('t0', 'vn.tthc.petition.transferred', '2026-11-19T02:00:00Z', 'G01.001.000', A, { toAgencyCode: 'G03.001.000' }),
      f('r', 'vn.tthc.petition.received', '2026-11-20T02:00:00Z', 'G01.001.000', A),
      f('x', 'vn.tthc.petition.supplement-requested', '2026-11-20T05:00:00Z', 'G01.001.000', A),
      f('t1', 'vn.tthc.petition.transferred', '2026-11-21T02:00:00Z', 'G01.001.000', A, { toAgencyCode: 'G02.001.000' }),
      f('y', 'vn.tthc.petition.answered', '2026-11-22T02:00:00Z', 'G02.001.000', B),
    );
    expect(history.map((h, i) => `${h.id}:${ownerAt('petition', history, i)}`)).toEqual(['t0:G01.001.000', 'r:G01.001.000', 'x:G01.001.000', 't1:G01.001.000', 'y:G02.001.000']);
  });
});

describe('judging a sender', () => {
  test('when a fact has no sender, then it is the system and always counts', () => {
    const history = sorted(f('r', 'vn.tthc.dossier.received', '2026-11-20T02:00:00Z', 'G02.001.000', B), f('s', 'vn.tthc.dossier.resolved', '2026-11-21T02:00:00Z', 'G01.001.000'));
    expect(checkOwnership('dossier', history, 1, 'G02.001.000')).toBeNull();
  });

  test('when a reception names an agency its key does not cover, or another than the receiving one, then it is a foreign reception', () => {
    const own = [f('r', 'vn.tthc.dossier.received', '2026-11-20T02:00:00Z', 'G02.001.000', A)];
    expect(checkOwnership('dossier', own, 0, null)).toMatchObject({ errorCode: 'foreign-reception' });
    const second = [f('r2', 'vn.tthc.dossier.received', '2026-11-19T02:00:00Z', 'G01.001.000', { id: 'reform', scope: '*' })];
    expect(checkOwnership('dossier', second, 0, 'G02.001.000')).toMatchObject({ errorCode: 'foreign-reception', reason: expect.stringContaining('received by G02.001.000') });
  });

  test('when the scope text is unreadable, then it covers nothing', () => {
    expect(covers({ id: 'k', scope: 'G01*,,' }, 'G01.001.000')).toBe(false);
    expect(covers(B, 'G02.009.000')).toBe(true);
  });

  test('when a TT 04/2025 dossier code names an agency outside the scope, then it is a foreign code; petitions and other code shapes are not judged', () => {
    const x = f('1', 'vn.tthc.dossier.received', '2026-11-20T02:00:00Z', 'G01.001.000', A);
    expect(checkCodeAgency('dossier', 'G02.001.000-261120-0001', x)).toMatchObject({ errorCode: 'foreign-code' });
    expect(checkCodeAgency('dossier', 'G01.001.000-261120-0001', x)).toBeNull();
    expect(checkCodeAgency('dossier', 'HS-0001', x)).toBeNull();
    expect(checkCodeAgency('petition', 'G02.001.000-261120-0001', x)).toBeNull();
  });

  test('when two facts share a key, then they have one sender only for the same key id, the same scope, or both the system', () => {
    const one = f('1', 'vn.tthc.dossier.resolved', '2026-11-20T02:00:00Z', 'G01.001.000', A);
    expect(sameSender(one, { ...one, auth: { id: 'other', scope: A.scope } })).toBe(true);
    expect(sameSender(one, { ...one, auth: B })).toBe(false);
    expect(sameSender(one, { ...one, auth: undefined } as Fact)).toBe(false);
    const { auth: _auth, ...system } = one;
    expect(sameSender(system as Fact, system as Fact)).toBe(true);
  });
});

describe('settling a history once the owner is known', () => {
  test('when an evicted transfer had handed the petition on, then the facts of the agency it named are evicted too and the rest stays', () => {
    const history = sorted(
      f('r', 'vn.tthc.petition.received', '2026-11-20T02:00:00Z', 'G01.001.000', A),
      // Sent by C, which never held the petition: C's transfer to itself does not count…
      f('t', 'vn.tthc.petition.transferred', '2026-11-21T02:00:00Z', 'G03.001.000', C, { toAgencyCode: 'G03.001.000' }),
      // …so neither does C's answer after it, while A's supplement request is A's to make.
      f('c', 'vn.tthc.petition.answered', '2026-11-22T02:00:00Z', 'G03.001.000', C),
      f('a', 'vn.tthc.petition.supplement-requested', '2026-11-22T03:00:00Z', 'G01.001.000', A),
    );
    const settled = settleOwnership('petition', history, null);
    expect(settled.history.map((h) => h.id)).toEqual(['r', 'a']);
    expect(settled.violations.map((v) => `${v.fact.id} ${v.errorCode}`)).toEqual(['t not-owner', 'c not-owner']);
  });
});
