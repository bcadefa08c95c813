import fc from 'fast-check';
import type { DeadlineEntryV1 } from '@tthc/contracts';
import type { SubjectStateBase } from './subject';
import { stampDeadlines, type TrackedView } from './deadline-stamp';
import { deadlineEntry, subjectState } from '../../test/support/subject-state.builder';

const entry = (over: Partial<DeadlineEntryV1> = {}) => deadlineEntry({ legalBasis: 'ND 118/2025', ...over });
const state = (deadlines: DeadlineEntryV1[], over: Partial<SubjectStateBase> = {}) => subjectState({ procedureCode: 'P1', statusCode: 4, dueAt: null, deadlines, ...over });

const viewOf = (s: SubjectStateBase): TrackedView => ({ subject: 'dossier', agencyCode: s.agencyCode, procedureCode: s.procedureCode, phase: s.phase, deadlines: s.deadlines });
const stampsOf = (s: SubjectStateBase) => Object.fromEntries(s.deadlines.map((d) => [d.key, d.changedAt]));

describe('stampDeadlines', () => {
  test('when a subject is new, then every deadline is stamped with its first revision', () => {
    const s = stampDeadlines(null, 'dossier', state([entry(), entry({ key: 'step:1', kind: 'step' })]), 1);
    expect(stampsOf(s)).toEqual({ dossier: 1, 'step:1': 1 });
  });

  test('when one deadline moves, then only it takes the new revision and the others keep theirs', () => {
    const r3 = stampDeadlines(null, 'dossier', state([entry(), entry({ key: 'step:1', kind: 'step' })]), 3);
    const r4 = stampDeadlines(viewOf(r3), 'dossier', state([entry(), entry({ key: 'step:1', kind: 'step', status: 'met' })]), 4);
    expect(stampsOf(r4)).toEqual({ dossier: 3, 'step:1': 4 });
    // The same instant written another way is no change.
    const r5 = stampDeadlines(viewOf(r4), 'dossier', state([entry({ dueAt: '2026-12-04T17:00:00+07:00' }), entry({ key: 'step:1', kind: 'step', status: 'met' })]), 5);
    expect(stampsOf(r5)).toEqual({ dossier: 3, 'step:1': 4 });
  });

  test('when a field the tracker copies onto every entry changes (phase, agency, procedure, the keys), then every deadline takes the new revision', () => {
    const r1 = stampDeadlines(null, 'dossier', state([entry()]), 1);
    expect(stampsOf(stampDeadlines(viewOf(r1), 'dossier', state([entry()], { phase: 'closed' }), 2))).toEqual({ dossier: 2 });
    expect(stampsOf(stampDeadlines(viewOf(r1), 'dossier', state([entry()], { agencyCode: 'G02' }), 2))).toEqual({ dossier: 2 });
    expect(stampsOf(stampDeadlines(viewOf(r1), 'dossier', state([entry()], { procedureCode: 'P2' }), 2))).toEqual({ dossier: 2 });
    expect(stampsOf(stampDeadlines(viewOf(r1), 'dossier', state([entry(), entry({ key: 'step:1', kind: 'step' })]), 2))).toEqual({ dossier: 2, 'step:1': 2 });
  });

  test('when the stored entry has no stamp (written before stamps), then the deadline takes the new revision', () => {
    const s = stampDeadlines(viewOf(state([entry()])), 'dossier', state([entry()]), 7);
    expect(stampsOf(s)).toEqual({ dossier: 7 });
  });

  // What the SLA service relies on: the entry, and the subject fields copied onto it, look the
  // same in every revision from the stamp to the one stamped, whatever the sequence of states.
  test('when any sequence of states is stamped revision after revision, then each stamp names the revision from which the tracked entry never changed', () => {
    const variant = fc.record({
      due: fc.constantFrom('2026-12-04T10:00:00Z', '2026-12-05T10:00:00Z'),
      status: fc.constantFrom('open' as const, 'paused' as const, 'met' as const),
      label: fc.constantFrom(null, 'Thẩm định'),
    });
    const revisionState = fc.record({
      phase: fc.constantFrom('open' as const, 'closed' as const),
      agencyCode: fc.constantFrom('G01', 'G02'),
      steps: fc.integer({ min: 0, max: 2 }),
      dossier: variant,
      step: variant,
    });
    fc.assert(
      fc.property(fc.array(revisionState, { minLength: 1, maxLength: 12 }), (plan) => {
        const tracked = (s: SubjectStateBase, key: string) => {
          const e = s.deadlines.find((d) => d.key === key);
          return JSON.stringify([s.phase, s.agencyCode, s.procedureCode, s.deadlines.map((d) => d.key), e && { ...e, changedAt: undefined }]);
        };
        const states: SubjectStateBase[] = [];
        let before: TrackedView | null = null;
        plan.forEach((p, i) => {
          const deadlines = [entry({ dueAt: p.dossier.due, status: p.dossier.status, label: p.dossier.label })];
          for (let n = 1; n <= p.steps; n++) deadlines.push(entry({ key: `step:${n}`, kind: 'step', dueAt: p.step.due, status: p.step.status, label: p.step.label }));
          const stamped = stampDeadlines(before, 'dossier', state(deadlines, { phase: p.phase, agencyCode: p.agencyCode }), i + 1);
          states.push(stamped);
          before = viewOf(stamped);
        });
        states.forEach((s, i) => {
          for (const d of s.deadlines) {
            const from = d.changedAt ?? Number.NaN;
            expect(from).toBeGreaterThanOrEqual(1);
            expect(from).toBeLessThanOrEqual(i + 1);
            for (let r = from; r <= i + 1; r++) expect(tracked(states[r - 1] as SubjectStateBase, d.key)).toBe(tracked(s, d.key));
            // And no later than needed: the revision before the stamp showed it otherwise.
            if (from > 1) expect(tracked(states[from - 2] as SubjectStateBase, d.key)).not.toBe(tracked(s, d.key));
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
