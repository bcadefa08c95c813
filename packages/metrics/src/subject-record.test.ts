import { responsibleStep, toSubjectRecord } from './subject-record';

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
