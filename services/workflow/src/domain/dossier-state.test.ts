import fc from 'fast-check';
import { deriveState, type Fact } from './dossier-state';

const code = 'G01.001.000-260302-0001';

function received(id: string, receivedAt: string, appointmentAt: string): Fact {
  return {
    key: `urn:p\n${id}`,
    id,
    source: 'urn:p',
    type: 'vn.tthc.dossier.received',
    time: receivedAt,
    occurredAt: receivedAt,
    data: { dossierCode: code, procedureCode: 'P1', agencyCode: 'G01', receivedAt, appointmentAt },
  };
}
function resolved(id: string, resolvedAt: string): Fact {
  return { key: `urn:p\n${id}`, id, source: 'urn:p', type: 'vn.tthc.dossier.resolved', time: resolvedAt, occurredAt: resolvedAt, data: { dossierCode: code, agencyCode: 'G01', resolvedAt } };
}
function overdue(id: string, raisedAt: string, deadlineVersion: number): Fact {
  return {
    key: `urn:sla\n${id}`,
    id,
    source: 'urn:sla',
    type: 'vn.tthc.dossier.overdue',
    time: raisedAt,
    occurredAt: raisedAt,
    data: { alertId: id, dossierCode: code, agencyCode: 'G01', procedureCode: 'P1', dueAt: '2026-03-05T10:00:00Z', deadlineVersion, raisedAt, reason: 'late' },
  };
}

describe('dossier state', () => {
  test('when a dossier is received, then it is open with the appointment as due instant, status 2', () => {
    const s = deriveState(code, [received('a', '2026-03-02T01:00:00Z', '2026-03-05T10:00:00Z')]);
    expect(s).toMatchObject({ phase: 'open', statusCode: 2, dueAt: '2026-03-05T10:00:00Z', deadlineVersion: 1, overdue: false });
  });

  test('when it is resolved, then it is closed with status 9 and the resolution instant', () => {
    const s = deriveState(code, [received('a', '2026-03-02T01:00:00Z', '2026-03-05T10:00:00Z'), resolved('b', '2026-03-04T03:00:00Z')]);
    expect(s).toMatchObject({ phase: 'closed', statusCode: 9, closedAt: '2026-03-04T03:00:00Z' });
  });

  test('when an overdue alert concerns an earlier deadline version, then it does not flag the new deadline', () => {
    const history = [
      received('a', '2026-03-02T01:00:00Z', '2026-03-05T10:00:00Z'),
      overdue('o1', '2026-03-05T10:00:01Z', 1),
      received('c', '2026-03-05T11:00:00Z', '2026-03-09T10:00:00Z'),
    ];
    expect(deriveState(code, history)).toMatchObject({ deadlineVersion: 2, overdue: false, dueAt: '2026-03-09T10:00:00Z' });
    expect(deriveState(code, history.slice(0, 2))).toMatchObject({ deadlineVersion: 1, overdue: true, overdueAt: '2026-03-05T10:00:01Z' });
  });

  test('when the same facts arrive in any order, then the state is the same', () => {
    const facts = [
      received('a', '2026-03-02T01:00:00Z', '2026-03-05T10:00:00Z'),
      overdue('o1', '2026-03-05T10:00:01Z', 1),
      resolved('b', '2026-03-06T03:00:00Z'),
    ];
    const expected = deriveState(code, facts);
    fc.assert(
      fc.property(fc.shuffledSubarray(facts, { minLength: facts.length, maxLength: facts.length }), (order) => {
        expect(deriveState(code, order)).toEqual(expected);
      }),
    );
  });
});
