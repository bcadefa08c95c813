import { ControllableClock } from '@tthc/testkit';
import { createSourceProgress, factTimeOf } from './source-progress';

const due = new Date('2026-11-10T03:00:00Z');

describe('source progress', () => {
  test('when nothing was heard of an agency, then it is behind until the reader of the snapshots has listened for the quiet time (a restarted process cannot yet know its portal is handing over history); an agency-less deadline never is', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const sources = createSourceProgress({ quietSeconds: 10 }, wall);
    expect(sources.behind(null, due)).toBe(false);
    wall.advance(60_000);
    expect(sources.behind('G01.101.000', due)).toBe(true);
    sources.listening();
    wall.advance(10_000);
    expect(sources.behind('G01.101.000', due)).toBe(true);
    wall.advance(1);
    expect(sources.behind('G01.101.000', due)).toBe(false);
    // A rebalance is a new start of listening.
    sources.listening();
    expect(sources.behind('G01.101.000', due)).toBe(true);
  });

  test('when the first snapshot is heard before the reader is known to have joined, then listening counts from it', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const sources = createSourceProgress({ quietSeconds: 10 }, wall);
    sources.heard('B', Date.parse('2026-12-07T07:59:00Z'));
    wall.advance(10_001);
    expect(sources.behind('A', due)).toBe(false);
  });

  test('when the newest fact heard is older than the due instant and moved lately, then the agency is behind; once a newer fact passes the due instant, it is not', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const sources = createSourceProgress({ quietSeconds: 10 }, wall);
    sources.heard('A', Date.parse('2026-11-09T00:00:00Z'));
    expect(sources.behind('A', due)).toBe(true);
    // An older instant heard later (another partition) does not move the stream back.
    sources.heard('A', Date.parse('2026-11-01T00:00:00Z'));
    expect(sources.behind('A', due)).toBe(true);
    sources.heard('A', Date.parse('2026-11-10T03:00:00Z'));
    expect(sources.behind('A', due)).toBe(false);
  });

  test('when the stream has not moved forward for longer than the quiet time, then it is not behind, however old its newest fact', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const sources = createSourceProgress({ quietSeconds: 10 }, wall);
    sources.heard('A', Date.parse('2026-11-09T00:00:00Z'));
    wall.advance(9000);
    sources.heard('A', Date.parse('2026-11-08T00:00:00Z'));
    wall.advance(1000);
    expect(sources.behind('A', due)).toBe(true);
    wall.advance(1);
    expect(sources.behind('A', due)).toBe(false);
  });

  test('when the stream stood still for the quiet time and a second history of the agency starts before where the first ended, then the agency is behind again', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const sources = createSourceProgress({ quietSeconds: 10 }, wall);
    sources.heard('A', Date.parse('2026-12-07T07:59:00Z'));
    expect(sources.behind('A', due)).toBe(false);
    wall.advance(10_001);
    sources.heard('A', Date.parse('2026-11-01T00:00:00Z'));
    expect(sources.behind('A', due)).toBe(true);
    // While that history moves, an older instant (a snapshot republished for an alert) does not move it back.
    sources.heard('A', Date.parse('2026-10-01T00:00:00Z'));
    sources.heard('A', Date.parse('2026-11-10T03:00:00Z'));
    expect(sources.behind('A', due)).toBe(false);
  });

  test('when the quiet time is 0, then no agency is ever behind', () => {
    const sources = createSourceProgress({ quietSeconds: 0 }, new ControllableClock());
    sources.heard('A', Date.parse('2026-11-09T00:00:00Z'));
    expect(sources.behind('A', due)).toBe(false);
  });

  test('when a snapshot names a reception and a closing, then its fact time is the later; with neither, there is none', () => {
    expect(factTimeOf({ receivedAt: '2026-11-02T08:00:00+07:00', closedAt: '2026-11-05T08:00:00+07:00' })).toBe(Date.parse('2026-11-05T01:00:00Z'));
    expect(factTimeOf({ receivedAt: '2026-11-02T08:00:00+07:00', closedAt: null })).toBe(Date.parse('2026-11-02T01:00:00Z'));
    expect(factTimeOf({ receivedAt: null, closedAt: null })).toBeNull();
  });

  test('when a snapshot changed none of its deadline entries since the revisions applied with it (workflow republishing it for an alert), then it names no fact time; a changed, unstamped or deadline-less one does', () => {
    const s = { receivedAt: '2026-12-07T08:00:00+07:00', closedAt: null, revision: 7 };
    const at = Date.parse('2026-12-07T01:00:00Z');
    expect(factTimeOf({ ...s, deadlines: [{ changedAt: 3 }, { changedAt: 6 }] })).toBeNull();
    expect(factTimeOf({ ...s, deadlines: [{ changedAt: 3 }, { changedAt: 7 }] })).toBe(at);
    expect(factTimeOf({ ...s, deadlines: [{ changedAt: 3 }, {}] })).toBe(at);
    expect(factTimeOf({ ...s, deadlines: [] })).toBe(at);
    // Applied together with revision 5, which changed an entry.
    expect(factTimeOf({ ...s, deadlines: [{ changedAt: 5 }] }, 5)).toBe(at);
    expect(factTimeOf({ ...s, deadlines: [{ changedAt: 5 }] }, 6)).toBeNull();
  });

  test('when the broker went away while the stream was moving, then the quiet time does not run until it answers, and then runs whole from that instant', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const sources = createSourceProgress({ quietSeconds: 10 }, wall);
    const t0 = wall.now().getTime();
    sources.heard('A', Date.parse('2026-11-09T00:00:00Z'));
    wall.advance(60_000);
    expect(sources.behind('A', due, { since: t0 + 2000, until: null })).toBe(true);
    expect(sources.behind('A', due, { since: t0 + 2000, until: t0 + 60_000 })).toBe(true);
    wall.advance(10_001);
    expect(sources.behind('A', due, { since: t0 + 2000, until: t0 + 60_000 })).toBe(false);
  });

  test('when the broker went away after the stream had stood still for the quiet time, or an outage ended before the stream last moved, then the outage changes nothing', () => {
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const sources = createSourceProgress({ quietSeconds: 10 }, wall);
    const t0 = wall.now().getTime();
    sources.heard('A', Date.parse('2026-11-09T00:00:00Z'));
    wall.advance(30_000);
    expect(sources.behind('A', due, { since: t0 + 10_001, until: null })).toBe(false);
    expect(sources.behind('A', due, { since: t0 - 5000, until: t0 - 1000 })).toBe(false);
  });
});
