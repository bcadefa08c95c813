import { ControllableClock } from '@tthc/testkit';
import { createBacklogHold, holdKeyOf, type HeldFiring, type InputWatermark } from './backlog-hold';
import { createSourceProgress, type BrokerOutage } from './source-progress';

/** A watermark the test moves: where the applied facts stand, and whether the broker answers. */
function watermarkAt(mark: Date | null) {
  const w = { mark, away: null as Date | null, outage: null as BrokerOutage | null };
  const source: InputWatermark = { caughtUpTo: () => w.mark, awaySince: () => w.away, lastOutage: () => w.outage };
  return { w, source };
}

const policy = { graceSeconds: 5, maxHoldSeconds: 60, retryMs: 1000 };
const KEY = holdKeyOf({ dossierCode: 'D-1', deadlineKey: 'dossier', deadlineVersion: 1, stage: 'due', level: 0 });

describe('backlog hold', () => {
  test('when the applied facts are within the grace of the firing, then it raises at once without having waited', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const { source } = watermarkAt(new Date('2026-12-07T07:59:56Z'));
    const hold = createBacklogHold(source, policy, wall);
    expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 0, reason: 'not-waiting' });
    expect(hold.waiting()).toBe(0);
  });

  test('when the facts applied are older than the grace, then the firing waits and looks again a second later; once everything handed over before its first look is applied, it raises and tells how long it waited', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const { w, source } = watermarkAt(new Date('2026-12-07T07:58:00Z'));
    const hold = createBacklogHold(source, policy, wall);
    expect(hold.decide(KEY)).toEqual({ hold: true, retryAt: new Date('2026-12-07T08:00:01Z') });
    expect(hold.waiting()).toBe(1);
    // The backlog moves, but not yet past the first look less the grace.
    wall.advance(20_000);
    w.mark = new Date('2026-12-07T07:59:54Z');
    expect(hold.decide(KEY)).toMatchObject({ hold: true });
    // Measured from the first look, not the latest: a steady backlog does not keep it waiting.
    wall.advance(10_000);
    w.mark = new Date('2026-12-07T07:59:55Z');
    expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 30_000, reason: 'backlog-applied' });
    expect(hold.waiting()).toBe(0);
  });

  test('when the backlog is never applied, then the firing raises once the longest wait has passed, and the last look is never later than that', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const { source } = watermarkAt(null);
    const hold = createBacklogHold(source, { ...policy, retryMs: 50_000 }, wall);
    expect(hold.decide(KEY)).toEqual({ hold: true, retryAt: new Date('2026-12-07T08:00:50Z') });
    wall.advance(50_000);
    expect(hold.decide(KEY)).toEqual({ hold: true, retryAt: new Date('2026-12-07T08:01:00Z') });
    wall.advance(10_000);
    expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 60_000, reason: 'wait-ran-out' });
  });

  test('when the broker went away with the facts applied up to then, then a waiting firing raises at once and a new one does not wait', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const { w, source } = watermarkAt(new Date('2026-12-07T07:59:50Z'));
    const hold = createBacklogHold(source, policy, wall);
    expect(hold.decide(KEY)).toMatchObject({ hold: true });
    wall.advance(8_000);
    w.away = new Date('2026-12-07T07:59:54Z');
    expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 8_000, reason: 'broker-away' });
    expect(hold.decide('other')).toEqual({ hold: false, heldMs: 0, reason: 'not-waiting' });
  });

  test('when the broker went away in the middle of a backlog, then the firing keeps waiting for it', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const { w, source } = watermarkAt(new Date('2026-12-07T07:58:00Z'));
    const hold = createBacklogHold(source, policy, wall);
    w.away = new Date('2026-12-07T07:59:30Z');
    expect(hold.decide(KEY)).toMatchObject({ hold: true });
    wall.advance(10_000);
    expect(hold.decide(KEY)).toMatchObject({ hold: true });
    expect(hold.waiting()).toBe(1);
  });

  test('when the longest wait is 0, then nothing waits whatever the backlog', () => {
    const hold = createBacklogHold(watermarkAt(null).source, { ...policy, maxHoldSeconds: 0 }, new ControllableClock());
    expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 0, reason: 'not-waiting' });
  });

  test('when a waiting firing never comes back (its deadline closed and its timer was removed), then it is forgotten a minute after its longest wait', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const hold = createBacklogHold(watermarkAt(null).source, policy, wall);
    hold.decide(KEY);
    // Not looked at for a while: no longer counted as waiting, though still remembered.
    wall.advance(10_000);
    expect(hold.waiting()).toBe(0);
    wall.advance(50_000 + 60_001);
    hold.decide('another firing');
    expect(hold.waiting()).toBe(1);
  });

  describe('a deadline first heard of past its due instant (a portal handing over its history)', () => {
    const at = (iso: string) => Date.parse(iso);
    const lateFiring: HeldFiring = { agencyCode: 'G01.101.000', dueAt: new Date('2026-11-10T10:00:00+07:00'), lateArrival: true };
    function setup(mark: string) {
      // The reader of the snapshots has listened for longer than the quiet time by 08:00.
      const wall = new ControllableClock('2026-12-07T07:59:49.999Z');
      const { w, source } = watermarkAt(new Date(mark));
      const sources = createSourceProgress({ quietSeconds: 10 }, wall);
      sources.listening();
      wall.advance(10_001);
      const hold = createBacklogHold(source, policy, wall, sources);
      return { wall, w, sources, hold };
    }

    test('when the pipeline is within the grace, then it still waits until every fact handed over before its first look is applied, being late already', () => {
      const { wall, w, hold } = setup('2026-12-07T07:59:59Z');
      expect(hold.decide(KEY, lateFiring)).toMatchObject({ hold: true });
      wall.advance(1000);
      w.mark = new Date('2026-12-07T08:00:00Z');
      expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 1000, reason: 'backlog-applied' });
    });

    test("when its agency's facts are still arriving from before its due instant, then it waits; once they pass it, it waits for what was handed over until then and raises, counted as the source caught up", () => {
      const { wall, w, sources, hold } = setup('2026-12-07T08:00:00Z');
      sources.heard('G01.101.000', at('2026-11-02T09:00:00+07:00'));
      expect(hold.decide(KEY, lateFiring)).toMatchObject({ hold: true });
      wall.advance(3000);
      w.mark = new Date('2026-12-07T08:00:03Z');
      sources.heard('G01.101.000', at('2026-11-09T09:00:00+07:00'));
      expect(hold.decide(KEY)).toMatchObject({ hold: true });
      wall.advance(3000);
      sources.heard('G01.101.000', at('2026-11-10T11:00:00+07:00'));
      // Passed at 08:00:06; the watermark still stands at 08:00:03.
      expect(hold.decide(KEY)).toMatchObject({ hold: true });
      wall.advance(1000);
      w.mark = new Date('2026-12-07T08:00:06Z');
      expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 7000, reason: 'source-caught-up' });
    });

    test("when its agency's facts stop moving before its due instant, then the wait ends after the quiet time: a portal that never catches up does not silence the alert", () => {
      const { wall, w, sources, hold } = setup('2026-12-07T08:00:00Z');
      sources.heard('G01.101.000', at('2026-11-02T09:00:00+07:00'));
      expect(hold.decide(KEY, lateFiring)).toMatchObject({ hold: true });
      wall.advance(5000);
      // Snapshots republished for alerts name the same old instants: not progress.
      sources.heard('G01.101.000', at('2026-11-02T09:00:00+07:00'));
      w.mark = new Date('2026-12-07T08:00:05Z');
      expect(hold.decide(KEY)).toMatchObject({ hold: true });
      wall.advance(5001);
      w.mark = new Date('2026-12-07T08:00:10.001Z');
      expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 10_001, reason: 'source-caught-up' });
    });

    test("when another agency's history is under way, or the firing was on time, then that history holds nothing back", () => {
      const { sources, hold } = setup('2026-12-07T07:59:59Z');
      sources.heard('G01.102.000', at('2026-11-02T09:00:00+07:00'));
      expect(hold.decide(KEY, lateFiring)).toMatchObject({ hold: true });
      expect(sources.behind('G01.101.000', lateFiring.dueAt)).toBe(false);
      sources.heard('G01.101.000', at('2026-11-02T09:00:00+07:00'));
      expect(hold.decide('on time', { ...lateFiring, lateArrival: false })).toEqual({ hold: false, heldMs: 0, reason: 'not-waiting' });
    });

    test('when its agency never stops handing over history older than its due instant, then the longest wait still ends it', () => {
      const { wall, w, sources, hold } = setup('2026-12-07T08:00:00Z');
      let t = at('2026-10-01T09:00:00+07:00');
      sources.heard('G01.101.000', t);
      expect(hold.decide(KEY, lateFiring)).toMatchObject({ hold: true });
      for (let i = 0; i < 60; i += 1) {
        sources.heard('G01.101.000', (t += 60_000));
        wall.advance(1000);
        w.mark = wall.now();
        const d = hold.decide(KEY);
        if (i < 59) expect(d).toMatchObject({ hold: true });
        else expect(d).toEqual({ hold: false, heldMs: 60_000, reason: 'wait-ran-out' });
      }
    });

    test('when the broker goes away while its agency is handing over history from before its due instant, then it waits through the outage, however long, and the quiet time starts again when the broker answers', () => {
      const { wall, w, sources, hold } = setup('2026-12-07T07:59:59Z');
      sources.heard('G01.101.000', at('2026-11-02T09:00:00+07:00'));
      expect(hold.decide(KEY, lateFiring)).toMatchObject({ hold: true });
      // The broker stops answering 2 s later; 3 s on it counts as away, with the facts applied up to then.
      wall.advance(2000);
      w.outage = { since: wall.now().getTime(), until: null };
      wall.advance(3000);
      w.away = new Date(w.outage.since);
      w.mark = new Date(w.outage.since);
      // Intake refuses the portal's posts: nothing moves for far longer than the quiet time.
      for (let i = 0; i < 25; i += 1) {
        wall.advance(1000);
        expect(hold.decide(KEY)).toMatchObject({ hold: true });
      }
      // Back at 08:00:30; the portal's retry comes 4 s later and carries the closing fact's history on.
      w.outage = { since: w.outage.since, until: wall.now().getTime() };
      w.away = null;
      wall.advance(4000);
      expect(hold.decide(KEY)).toMatchObject({ hold: true });
      sources.heard('G01.101.000', at('2026-11-10T11:00:00+07:00'));
      wall.advance(1000);
      expect(hold.decide(KEY)).toMatchObject({ hold: true });
      w.mark = wall.now();
      wall.advance(1000);
      expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 36_000, reason: 'source-caught-up' });
    });

    test('when the broker is away and the facts were applied up to when it went, then an on-time firing raises but a late arrival waits for the watermark past the outage', () => {
      const { wall, w, hold } = setup('2026-12-07T07:59:58Z');
      w.outage = { since: at('2026-12-07T07:59:59Z'), until: null };
      w.away = new Date(w.outage.since);
      expect(hold.decide('on time', { ...lateFiring, lateArrival: false })).toMatchObject({ hold: false, reason: 'not-waiting' });
      expect(hold.decide(KEY, lateFiring)).toMatchObject({ hold: true });
      wall.advance(20_000);
      expect(hold.decide(KEY)).toMatchObject({ hold: true });
      w.away = null;
      w.outage = { since: w.outage.since, until: wall.now().getTime() };
      w.mark = wall.now();
      expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 20_000, reason: 'backlog-applied' });
    });

    test('when the process has just started and knows nothing of its agency, then it waits until the reader of the snapshots has listened for the quiet time, and for the history it then hears', () => {
      const wall = new ControllableClock('2026-12-07T08:00:00Z');
      const { w, source } = watermarkAt(new Date('2026-12-07T08:00:00Z'));
      const sources = createSourceProgress({ quietSeconds: 10 }, wall);
      const hold = createBacklogHold(source, policy, wall, sources);
      expect(hold.decide(KEY, lateFiring)).toMatchObject({ hold: true });
      // The group join takes a while after a restart.
      wall.advance(20_000);
      sources.listening();
      wall.advance(5000);
      expect(hold.decide(KEY)).toMatchObject({ hold: true });
      sources.heard('G01.101.000', at('2026-11-03T09:00:00+07:00'));
      wall.advance(8000);
      expect(hold.decide(KEY)).toMatchObject({ hold: true });
      sources.heard('G01.101.000', at('2026-11-10T11:00:00+07:00'));
      w.mark = wall.now();
      expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 33_000, reason: 'source-caught-up' });
    });

    test('when the watermark moves, then only the waiting firings a look would now let go are named, and naming them lets none go: the next look does, with the reason and the whole wait', () => {
      const wall = new ControllableClock('2026-12-07T08:00:00Z');
      const { w, source } = watermarkAt(new Date('2026-12-07T07:58:00Z'));
      const sources = createSourceProgress({ quietSeconds: 10 }, wall);
      sources.listening();
      sources.heard('G01.101.000', at('2026-11-03T09:00:00+07:00'));
      const hold = createBacklogHold(source, policy, wall, sources);
      expect(hold.decide('on time', { ...lateFiring, lateArrival: false })).toMatchObject({ hold: true });
      expect(hold.decide(KEY, lateFiring)).toMatchObject({ hold: true });
      expect(hold.releasable()).toEqual([]);
      // The backlog is applied: the on-time firing can go; the late arrival's history has not
      // reached its due instant yet.
      wall.advance(2000);
      w.mark = wall.now();
      expect(hold.releasable()).toEqual(['on time']);
      expect(hold.releasable()).toEqual(['on time']);
      // Its history passes the due instant: from then on the facts handed over must be applied.
      sources.heard('G01.101.000', at('2026-11-10T11:00:00+07:00'));
      wall.advance(500);
      expect(hold.releasable()).toEqual(['on time']);
      wall.advance(500);
      w.mark = wall.now();
      expect(hold.releasable()).toEqual(['on time', KEY]);
      expect(hold.decide(KEY)).toEqual({ hold: false, heldMs: 3000, reason: 'source-caught-up' });
      expect(hold.decide('on time')).toEqual({ hold: false, heldMs: 3000, reason: 'backlog-applied' });
      expect(hold.releasable()).toEqual([]);
    });

    test('when a waiting firing reaches the longest wait, then it is named though nothing moved', () => {
      const wall = new ControllableClock('2026-12-07T08:00:00Z');
      const { source } = watermarkAt(null);
      const hold = createBacklogHold(source, policy, wall);
      expect(hold.decide(KEY)).toMatchObject({ hold: true });
      wall.advance(59_999);
      expect(hold.releasable()).toEqual([]);
      wall.advance(1);
      expect(hold.releasable()).toEqual([KEY]);
    });
  });
});
