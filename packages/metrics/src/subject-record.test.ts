import { responsibleStep, SUBJECT_RECORD_FIELDS, toSubjectRecord } from './subject-record';

describe('reading stored dossiers', () => {
  test('when an old document has string dates and no state, then it is read with safe defaults', () => {
    const r = toSubjectRecord({ _id: 'OLD-1', agencyCode: 'G01.002.000', receivedAt: '2026-02-16T02:00:00.000Z', dueAt: 'not a date', closedAt: '2026-02-17T02:00:00Z', phase: 'closed' });
    expect(r).toEqual({
      code: 'OLD-1',
      subject: 'dossier',
      agencyCode: 'G01.002.000',
      procedureCode: null,
      phase: 'closed',
      statusCode: null,
      receivedAt: Date.parse('2026-02-16T02:00:00Z'),
      dueAt: null,
      endAt: Date.parse('2026-02-17T02:00:00Z'),
      timeliness: null,
      overdue: false,
      atRisk: false,
      paused: false,
      apologies: [],
      steps: [],
      lateAgencies: [],
    });
    expect(toSubjectRecord({ agencyCode: 'x' })).toBeNull();
  });

  test('when a step is unfinished and past due, then it is the responsible one; otherwise the first unfinished one', () => {
    const r = toSubjectRecord({
      code: 'S',
      state: {
        steps: [
          { stepNo: 2, agencyCode: 'B', name: 'two', dueAt: '2026-02-10T10:00:00Z', completedAt: null },
          { stepNo: 1, agencyCode: 'A', name: 'one', dueAt: '2026-02-05T10:00:00Z', completedAt: '2026-02-04T10:00:00Z' },
          { stepNo: 3, agencyCode: 'C', name: 'three', dueAt: '2026-02-20T10:00:00Z', completedAt: null },
        ],
      },
    })!;
    expect(responsibleStep(r, Date.parse('2026-02-11T00:00:00Z'))).toMatchObject({ stepNo: 2, agencyCode: 'B' });
    expect(responsibleStep(r, Date.parse('2026-02-09T00:00:00Z'))).toMatchObject({ stepNo: 2 });
    expect(responsibleStep({ ...r, steps: [] }, Date.parse('2026-02-09T00:00:00Z'))).toBeNull();
  });
});

describe('the fields a record is read from', () => {
  /** The document as an inclusion projection of `fields` returns it. */
  const projected = (doc: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = { _id: doc['_id'] };
    for (const path of fields) {
      const [head, sub] = path.split('.') as [string, string | undefined];
      if (!(head in doc)) continue;
      if (sub === undefined) out[head] = doc[head];
      else {
        const inner = doc[head] as Record<string, unknown>;
        if (sub in inner) out[head] = { ...((out[head] as Record<string, unknown>) ?? {}), [sub]: inner[sub] };
      }
    }
    return out;
  };
  /** Every path `toSubjectRecord` looks at, top level and inside the state. */
  const pathsRead = (doc: Record<string, unknown>): Set<string> => {
    const read = new Set<string>();
    const watch = (target: Record<string, unknown>, prefix: string): Record<string, unknown> =>
      new Proxy(target, {
        get(t, key) {
          if (typeof key !== 'string') return Reflect.get(t, key);
          read.add(prefix + key);
          const value = Reflect.get(t, key) as unknown;
          return key === 'state' && value && typeof value === 'object' ? watch(value as Record<string, unknown>, 'state.') : value;
        },
      });
    toSubjectRecord(watch(doc, ''));
    return read;
  };
  const state = {
    phase: 'closed',
    subject: 'petition',
    apologies: [{ issuedAt: '2026-02-10T02:00:00Z' }],
    steps: [{ stepNo: 1, agencyCode: 'A', name: 'one', dueAt: '2026-02-05T10:00:00Z', completedAt: null, overdue: true }],
    lateAgencies: ['A'],
    ratings: [{ at: '2026-02-11T02:00:00Z', score: 5 }],
    checklist: ['a large part of the state no record reads'],
  };
  const full = {
    _id: 'FULL-1',
    code: 'FULL-1',
    phase: 'closed',
    subject: 'dossier',
    agencyCode: 'G01.002.000',
    procedureCode: '1.001',
    statusCode: 10,
    receivedAt: new Date('2026-02-01T02:00:00Z'),
    dueAt: new Date('2026-02-09T10:00:00Z'),
    endAt: new Date('2026-02-12T02:00:00Z'),
    closedAt: new Date('2026-02-12T03:00:00Z'),
    timeliness: 'late',
    overdue: true,
    atRisk: false,
    paused: false,
    state,
    history: [{ id: 'e1', type: 'x', time: '2026-02-01T02:00:00Z', data: {} }],
    findings: [{ code: 'F' }],
    versionBumps: [],
    deadlines: [],
  };
  // Older documents keep these only inside the state: the record falls back to it.
  const stateOnly = { _id: 'OLD-2', state };

  test('when a record is read from its projection instead of the whole document, then it is the same record', () => {
    for (const doc of [full, stateOnly]) expect(toSubjectRecord(projected(doc, SUBJECT_RECORD_FIELDS))).toEqual(toSubjectRecord(doc));
  });

  test('when toSubjectRecord reads a path, then the projection names it (it fails when the reader gains a field the list lacks)', () => {
    const read = new Set([...pathsRead(full), ...pathsRead(stateOnly), ...pathsRead({ ...stateOnly, state: { ...state, phase: 'open' } })]);
    read.delete('_id');
    read.delete('state');
    expect([...read].filter((path) => !(SUBJECT_RECORD_FIELDS as readonly string[]).includes(path))).toEqual([]);
  });
});
