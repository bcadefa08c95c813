import { ControllableClock } from '@tthc/testkit';
import { createBacklogHold, holdKeyOf, type InputWatermark } from './backlog-hold';

/** A watermark the test moves: where the applied facts stand, and whether the broker answers. */
function watermarkAt(mark: Date | null) {
  const w = { mark, away: null as Date | null };
  const source: InputWatermark = { caughtUpTo: () => w.mark, awaySince: () => w.away };
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
});
