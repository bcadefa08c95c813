import { CalendarRegistry, DEFAULT_CALENDAR_PATH, defaultCalendar, readJsonFile } from '@tthc/calendar';
import { ControllableClock } from '@tthc/testkit';
import type { DeadlineRepository, TimerRef, TimerScheduler, TrackedDeadline } from './deadline';
import { parseDuration, parseDurationList } from './duration';
import { reconcileTimers, type LoadedHorizon } from './reconcile-timers.use-case';
import { createTimerPlanner } from './timer-plan';
import { pagesOf } from '../../test/support/pages-of';
import { trackedDeadline } from '../../test/support/tracked-deadline.builder';

// Monday 30/11/2026 09:00 Hà Nội time.
const NOW = '2026-11-30T02:00:00Z';

/** An in-memory store with the MongoDB repository's ordering and conditional writes. */
function store(docs: TrackedDeadline[]) {
  const byId = new Map(docs.map((d) => [`${d.subjectCode}|${d.key}`, d]));
  const id = (d: Pick<TrackedDeadline, 'subjectCode' | 'key'>) => `${d.subjectCode}|${d.key}`;
  const repo: DeadlineRepository = {
    find: async (c, k) => byId.get(`${c}|${k}`) ?? null,
    listForSubject: async () => [],
    upsertIfNewer: async () => {
      throw new Error('not used');
    },
    markRaised: async () => undefined,
    setNextFireAt: async (d, at, planKey) => {
      const doc = byId.get(id(d));
      if (!doc || doc.revision !== d.revision || (doc.nextFireAt ?? null)?.getTime() !== (d.nextFireAt ?? null)?.getTime()) return false;
      doc.nextFireAt = at;
      doc.planKey = planKey;
      return true;
    },
    walkActive: (pageSize, notPlannedWith) =>
      pagesOf(
        [...byId.entries()]
          .filter(([, d]) => d.status === 'open' && d.planKey !== notPlannedWith)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([, d]) => ({ ...d })),
        pageSize,
      ),
    walkNearTerm: (until, pageSize) => {
      const key = (d: TrackedDeadline): [number, string] => [d.nextFireAt!.getTime(), id(d)];
      const due = [...byId.values()].filter((d) => d.nextFireAt && d.nextFireAt.getTime() < until.getTime()).sort((a, b) => key(a)[0] - key(b)[0] || (key(a)[1] < key(b)[1] ? -1 : 1));
      return pagesOf(due.map((d) => ({ ...d })), pageSize);
    },
  };
  const ensured: Array<{ ref: TimerRef; fireAt: Date }> = [];
  const timers: TimerScheduler = {
    schedule: async () => undefined,
    cancel: async () => undefined,
    ensure: async (ref, fireAt) => {
      ensured.push({ ref, fireAt });
      return true;
    },
  };
  return { repo, timers, ensured, doc: (code: string) => byId.get(`${code}|dossier`)! };
}

const deadline = (code: string, dueAt: string, over: Partial<TrackedDeadline> = {}): TrackedDeadline => trackedDeadline({ subjectCode: code, dueAt: new Date(dueAt), ...over });

function setUp(docs: TrackedDeadline[], registry = new CalendarRegistry(defaultCalendar())) {
  const s = store(docs);
  const clock = new ControllableClock(NOW);
  const planner = createTimerPlanner((agency) => registry.forAgency(agency), { warningLead: parseDuration('1wd')!, escalationSteps: parseDurationList('1wd,3wd')! }, () => registry.fingerprint());
  const deps = { deadlines: s.repo, timers: s.timers, planner, horizon: { clock, seconds: 6 * 3600 } };
  return { ...s, deps, registry };
}

describe('the horizon loader', () => {
  test('when deadlines are near and far, then only the near ones get their next stage ensured, earliest first, across pages', async () => {
    // Due Tuesday 1/12 14:00: its warning, Monday 30/11 14:00, is within six hours.
    const near = deadline('NEAR', '2026-12-01T07:00:00Z', { nextFireAt: new Date('2026-11-30T07:00:00Z') });
    // Already raised its warning; due in three hours.
    const due = deadline('DUE', '2026-11-30T05:00:00Z', { raised: ['warning'], nextFireAt: new Date('2026-11-30T05:00:00Z') });
    const far = deadline('FAR', '2026-12-20T07:00:00Z', { nextFireAt: new Date('2026-12-18T07:00:00Z') });
    const t = setUp([near, due, far]);

    const result = await reconcileTimers(t.deps, { pageSize: 1 });
    expect(t.ensured.map((e) => [e.ref.subjectCode, e.ref.stage])).toEqual([
      ['DUE', 'due'],
      ['NEAR', 'warning'],
    ]);
    expect(result).toMatchObject({ deadlines: 2, replanned: 0, corrected: 0 });
  });

  test('when a snapshot stores a new version and removes the old timers while the page is loaded, then the old timer the loader put back is removed again', async () => {
    const d = deadline('RACED', '2026-12-01T07:00:00Z', { nextFireAt: new Date('2026-11-30T07:00:00Z') });
    const t = setUp([d]);
    const held = new Map<string, TimerRef>();
    const id = (r: TimerRef) => `${r.subjectCode}|${r.key}|${r.version}|${r.stage}|${r.level}`;
    const timers: TimerScheduler = {
      schedule: async (list) => list.forEach(({ ref }) => held.set(id(ref), ref)),
      cancel: async (ref) => void held.delete(id(ref)),
      ensure: async (ref) => {
        // The tracker ran between the page's read and this call: version 2 stored, then
        // version 1's timers removed and version 2's scheduled.
        Object.assign(t.doc('RACED'), { version: 2, revision: 2 });
        held.delete(id({ ...ref, version: 1 }));
        held.set(id({ ...ref, version: 2 }), { ...ref, version: 2 });
        if (held.has(id(ref))) return false;
        held.set(id(ref), ref);
        return true;
      },
    };

    const result = await reconcileTimers({ ...t.deps, timers }, { pageSize: 10 });

    expect([...held.values()].map((r) => [r.subjectCode, r.version, r.stage])).toEqual([['RACED', 2, 'warning']]);
    expect(result.recreated).toEqual([]);
  });

  test('when the last pass loaded up to an instant, then a timer created for a later one is loaded (routine), one for an earlier one recreated (lost), and the mark moves to this pass\'s horizon', async () => {
    // Due in three hours: Redis should have held its timer since the last pass.
    const lost = deadline('LOST', '2026-11-30T05:00:00Z', { raised: ['warning'], nextFireAt: new Date('2026-11-30T05:00:00Z') });
    // Its warning fires 5 h 30 min from now: it came within the six hours since the last pass.
    const entering = deadline('ENTERING', '2026-12-01T07:30:00Z', { nextFireAt: new Date('2026-11-30T07:30:00Z') });
    const t = setUp([lost, entering]);
    const marks: Date[] = [new Date('2026-11-30T07:00:00Z')];
    const loadedHorizon: LoadedHorizon = { get: async () => marks[marks.length - 1] ?? null, advance: async (until) => void marks.push(until) };
    const stages: string[] = [];

    const result = await reconcileTimers({ ...t.deps, loadedHorizon, onRecreated: (s) => stages.push(`recreated ${s}`), onLoaded: (s) => stages.push(`loaded ${s}`) }, { pageSize: 10 });

    expect(result.recreated).toEqual([{ subjectCode: 'LOST', key: 'dossier', stage: 'due' }]);
    expect(result.loaded).toBe(1);
    expect(stages.sort()).toEqual(['loaded warning', 'recreated due']);
    expect(marks[marks.length - 1]).toEqual(new Date('2026-11-30T08:00:00Z'));
  });

  test('when Redis holds no mark (it started empty), then every timer the loader creates counts as recreated', async () => {
    const entering = deadline('ENTERING', '2026-12-01T07:30:00Z', { nextFireAt: new Date('2026-11-30T07:30:00Z') });
    const t = setUp([entering]);
    const loadedHorizon: LoadedHorizon = { get: async () => null, advance: async () => undefined };

    const result = await reconcileTimers({ ...t.deps, loadedHorizon }, { pageSize: 10 });

    expect(result.recreated.map((r) => r.subjectCode)).toEqual(['ENTERING']);
    expect(result.loaded).toBe(0);
  });

  test('when a stored instant is stale (a settled entry, a raised stage), then it is corrected and only a stage still pending is ensured', async () => {
    const settled = deadline('MET', '2026-11-30T05:00:00Z', { status: 'met', nextFireAt: new Date('2026-11-30T05:00:00Z') });
    // The warning was raised but the stored instant still points at it; the due stage is days away.
    const behind = deadline('BEHIND', '2026-12-04T07:00:00Z', { raised: ['warning'], nextFireAt: new Date('2026-11-30T03:00:00Z') });
    const t = setUp([settled, behind]);

    const result = await reconcileTimers(t.deps, { pageSize: 10 });
    expect(t.ensured).toEqual([]);
    expect(result.corrected).toBe(2);
    expect(t.doc('MET').nextFireAt).toBeNull();
    expect(t.doc('BEHIND').nextFireAt).toEqual(new Date('2026-12-04T07:00:00Z'));
  });

  test('when one deadline cannot be placed on the calendar, then it is reported and skipped, and the others are still loaded', async () => {
    const beyond = deadline('BEYOND', '2026-12-01T07:00:00Z', { nextFireAt: new Date('2026-11-30T01:00:00Z') });
    const near = deadline('NEAR', '2026-12-01T07:00:00Z', { nextFireAt: new Date('2026-11-30T07:00:00Z') });
    const t = setUp([beyond, near]);
    // What the calendar answers for an instant beyond its years.
    const planner = { ...t.deps.planner, next: (d: TrackedDeadline) => (d.subjectCode === 'BEYOND' ? defaultCalendar().due({ from: '9999-12-20T09:00:00+07:00', amount: 10, unit: 'working-day' }) && null : t.deps.planner.next(d)) };

    const result = await reconcileTimers({ ...t.deps, planner }, { pageSize: 10 });
    expect(result.unplannable).toEqual([{ subjectCode: 'BEYOND', key: 'dossier', error: expect.any(String) }]);
    expect(t.ensured.map((e) => e.ref.subjectCode)).toEqual(['NEAR']);
  });

  test('when a calendar version moves a warning earlier into the horizon, then the re-planning run corrects the stored instant and loads its timer', async () => {
    // Due Wednesday 2/12 09:00: under the shipped calendar the warning is Tuesday 1/12 09:00.
    const d = deadline('MOVED', '2026-12-02T02:00:00Z', { nextFireAt: new Date('2026-12-01T02:00:00Z') });
    const t = setUp([d]);
    expect(await reconcileTimers(t.deps, { pageSize: 10 })).toMatchObject({ deadlines: 0 });

    // Tuesday 1/12 made a day off: one working day before due is now Monday 30/11 09:00, now.
    const file = readJsonFile(DEFAULT_CALENDAR_PATH) as { id: string; version: string; years: Record<string, { daysOff: Array<Record<string, unknown>> }> };
    file.years['2026']!.daysOff.push({ date: '2026-12-01', kind: 'holiday', reason: 'test' });
    t.registry.update({ ...file, version: 'test-1' });

    const result = await reconcileTimers(t.deps, { pageSize: 10, replan: true });
    expect(result).toMatchObject({ replanned: 1, corrected: 1, deadlines: 1 });
    expect(t.doc('MOVED').nextFireAt).toEqual(new Date('2026-11-30T02:00:00Z'));
    expect(t.ensured).toEqual([{ ref: { subjectCode: 'MOVED', key: 'dossier', version: 1, stage: 'warning', level: 0 }, fireAt: new Date('2026-11-30T02:00:00Z') }]);
    // Planned under today's calendars now: a further re-planning run has nothing to read.
    expect(await reconcileTimers(t.deps, { pageSize: 10, replan: true })).toMatchObject({ replanned: 0 });
  });
});
