/**
 * At-least-once delivery and late-arriving older facts: whatever order the history holds its
 * facts in, and however many times one was stored, the derived state is the same.
 */
import fc from 'fast-check';

import { deriveDossierState } from '../dossier-state';
import type { Fact } from '../subject';
import { CODE, TEN_DAY_PROCEDURE, alert, event, received, resolved, testContext } from '../../../test/support/dossier-fact.builder';

// Seven weeks around Tết 2026, so pauses, apologies and steps cross the holiday.
const START = Date.parse('2026-02-02T00:00:00+07:00');
const instant = fc.integer({ min: 0, max: 49 * 24 * 60 }).map((minutes) => new Date(START + minutes * 60_000).toISOString());
const stepNo = fc.integer({ min: 1, max: 3 });

const anyFact: fc.Arbitrary<Fact> = fc.oneof(
  fc.record({ at: instant, appointment: fc.option(instant, { nil: undefined }), lookup: fc.constantFrom(undefined, { procedure: null }, { procedure: TEN_DAY_PROCEDURE }) })
    .map(({ at, appointment, lookup }) => received(at, { ...(appointment === undefined ? {} : { appointmentAt: appointment }), ...(lookup === undefined ? {} : { lookup }) })),
  instant.map((at) => event('vn.tthc.dossier.supplement-requested', at)),
  instant.map((at) => event('vn.tthc.dossier.supplement-received', at)),
  instant.map((at) => event('vn.tthc.dossier.financial-obligation-requested', at)),
  instant.map((at) => event('vn.tthc.dossier.financial-obligation-fulfilled', at)),
  instant.map((at) => event('vn.tthc.dossier.processing-started', at)),
  fc.tuple(instant, instant, fc.subarray(['sms', 'email', 'vneid'] as const)).map(([at, next, channels]) =>
    event('vn.tthc.dossier.apology-issued', at, { newAppointmentAt: next, reason: 'quá hạn dự kiến', channels }),
  ),
  fc.tuple(instant, stepNo, fc.constantFrom('AG.A', 'AG.B'), fc.option(fc.integer({ min: 1, max: 24 }), { nil: undefined })).map(([at, n, agency, hours]) =>
    event('vn.tthc.dossier.step-assigned', at, { stepNo: n, stepAgencyCode: agency, ...(hours === undefined ? {} : { allottedHours: hours }) }),
  ),
  fc.tuple(instant, stepNo).map(([at, n]) => event('vn.tthc.dossier.step-completed', at, { stepNo: n })),
  instant.map((at) => event('vn.tthc.dossier.suspended', at)),
  instant.map((at) => event('vn.tthc.dossier.resumed', at)),
  instant.map((at) => resolved(at)),
  instant.map((at) => event('vn.tthc.dossier.returned', at)),
  instant.map((at) => event('vn.tthc.dossier.withdrawn', at)),
  instant.map((at) => event('vn.tthc.dossier.refused', at)),
  fc.tuple(fc.constantFrom('warning', 'overdue', 'escalation') as fc.Arbitrary<'warning' | 'overdue' | 'escalation'>, instant, fc.integer({ min: 1, max: 3 }), fc.constantFrom('dossier', 'step:1', 'step:2'))
    .map(([kind, at, version, key]) => alert(kind, at, version, key)),
);

/**
 * A plausible lifecycle: a receipt, then facts mostly after it (a few before, as late-arriving
 * counter events), supplement and step pairs, apologies, alerts and now and then a closing.
 */
const lifecycle = fc
  .record({ receivedAt: fc.integer({ min: 0, max: 21 * 24 * 60 }), appointmentDays: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }) })
  .chain(({ receivedAt, appointmentDays }) => {
    const base = START + receivedAt * 60_000;
    const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
    const offset = fc.integer({ min: -2 * 24 * 60, max: 25 * 24 * 60 }).map(at);
    const span = fc.integer({ min: 1, max: 6 * 24 * 60 });
    const later = (from: string, minutes: number) => new Date(Date.parse(from) + minutes * 60_000).toISOString();
    const receipt = fc.constantFrom({ procedure: TEN_DAY_PROCEDURE }, { procedure: null }, undefined).map((lookup) =>
      received(at(0), { ...(appointmentDays === undefined ? {} : { appointmentAt: at(appointmentDays * 24 * 60) }), ...(lookup === undefined ? {} : { lookup }) }),
    );
    const pairs: fc.Arbitrary<Fact[]> = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(offset, span).map(([t, d]) => [event('vn.tthc.dossier.supplement-requested', t), event('vn.tthc.dossier.supplement-received', later(t, d))]) },
      { weight: 1, arbitrary: fc.tuple(offset, span).map(([t, d]) => [event('vn.tthc.dossier.financial-obligation-requested', t), event('vn.tthc.dossier.financial-obligation-fulfilled', later(t, d))]) },
      {
        weight: 3,
        arbitrary: fc.tuple(offset, span, stepNo, fc.constantFrom('AG.A', 'AG.B'), fc.option(fc.integer({ min: 1, max: 24 }), { nil: undefined })).map(([t, d, n, agency, hours]) => [
          event('vn.tthc.dossier.step-assigned', t, { stepNo: n, stepAgencyCode: agency, ...(hours === undefined ? {} : { allottedHours: hours }) }),
          event('vn.tthc.dossier.step-completed', later(t, d), { stepNo: n }),
        ]),
      },
      { weight: 3, arbitrary: fc.tuple(offset, span).map(([t, d]) => [event('vn.tthc.dossier.apology-issued', t, { newAppointmentAt: later(t, d + 24 * 60), reason: 'quá hạn dự kiến', channels: ['sms'] })]) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom('warning', 'overdue', 'escalation') as fc.Arbitrary<'warning' | 'overdue' | 'escalation'>, offset, fc.integer({ min: 1, max: 3 }), fc.constantFrom('dossier', 'step:1', 'step:2')).map(([kind, t, version, key]) => [alert(kind, t, version, key)]) },
      { weight: 2, arbitrary: anyFact.map((f) => [f]) },
    );
    return fc.tuple(receipt, fc.array(pairs, { maxLength: 6 })).map(([r, rest]) => [r, ...rest.flat()]);
  });

/** A delivery of the history: any order, with some facts stored again (as copies). */
const delivery = (facts: Fact[]) =>
  fc.subarray(facts).chain((again) => {
    const copies = again.map((f) => structuredClone(f));
    const all = [...facts, ...copies];
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });

const ctx = testContext();
const payingCtx = testContext({ financialObligationPausesClock: true, supplementRequestsBeforeLate: 2 });

describe('dossier derivation is order-independent', () => {
  test('when the same facts arrive in any order with duplicates, then the state is identical', () => {
    fc.assert(
      fc.property(lifecycle.chain((facts) => fc.tuple(fc.constant(facts), delivery(facts))), ([facts, delivered]) => {
        expect(deriveDossierState(CODE, delivered, ctx)).toEqual(deriveDossierState(CODE, facts, ctx));
        expect(deriveDossierState(CODE, delivered, payingCtx)).toEqual(deriveDossierState(CODE, facts, payingCtx));
      }),
      { numRuns: 300 },
    );
  });

  test('when any history is derived, then the state is consistent with itself', () => {
    fc.assert(
      fc.property(fc.array(anyFact, { maxLength: 16 }), (facts) => {
        const s = deriveDossierState(CODE, facts, ctx);
        const keys = s.deadlines.map((d) => d.key);
        expect(new Set(keys).size).toBe(keys.length);
        expect(s.deadlines.find((d) => d.key === 'dossier')?.version ?? 0).toBe(s.dueAt === null ? 0 : s.deadlineVersion);
        if (s.paused) expect(s.phase).toBe('open');
        if (s.timeliness !== null) expect(s.phase).toBe('closed');
        if (s.phase !== 'closed') expect(s.endAt).toBeNull();
        expect(s.apologies.filter((a) => a.valid).length).toBeLessThanOrEqual(ctx.rules.maxReappointments);
        // Each stored fact is either applied or rejected once, never both counted twice.
        expect(new Set(s.rejected.map((r) => r.factKey)).size).toBe(s.rejected.length);
      }),
      { numRuns: 300 },
    );
  });
});
