import { defaultCalendar } from '@tthc/calendar';
import { ControllableClock } from '@tthc/testkit';
import { checkDeadline, type TimerJob } from './check-deadline.use-case';
import type { Alert, AlertRepository, DeadlineRepository, TimerRef, TimerScheduler, TrackedDeadline } from './deadline';
import { parseDuration, parseDurationList } from './duration';
import { createTimerPlanner } from './timer-plan';
import { createBacklogHold } from './backlog-hold';
import { createSourceProgress } from './source-progress';
import { pagesOf } from '../../test/support/pages-of';
import { trackedDeadline } from '../../test/support/tracked-deadline.builder';

const planner = createTimerPlanner(() => defaultCalendar(), { warningLead: parseDuration('1wd')!, escalationSteps: parseDurationList('1wd,3wd')! });

function fakes(deadline: TrackedDeadline | null) {
  const alerts = new Map<string, Alert>();
  const wakes = { count: 0 };
  const deadlines: DeadlineRepository = {
    find: async () => deadline,
    listForSubject: async () => (deadline ? [deadline] : []),
    upsertIfNewer: async (d) => ({ previous: deadline, stored: d }),
    markRaised: async (d, tags, nextFireAt) => {
      if (!deadline || deadline.version !== d.version) return;
      for (const tag of tags) if (!deadline.raised.includes(tag)) deadline.raised.push(tag);
      deadline.nextFireAt = nextFireAt;
    },
    setNextFireAt: async () => false,
    walkActive: (pageSize) => pagesOf(deadline ? [deadline] : [], pageSize),
    walkNearTerm: (_until, pageSize) => pagesOf([], pageSize),
  };
  const scheduled: Array<{ ref: TimerRef; fireAt: Date }> = [];
  const timers: TimerScheduler = {
    schedule: async (list) => void scheduled.push(...list),
    cancel: async () => undefined,
    ensure: async () => false,
  };
  const alertRepo: AlertRepository = {
    insertOnce: async (a) => {
      const existing = alerts.get(a.id);
      if (existing) return { alert: existing, inserted: false };
      alerts.set(a.id, { ...a });
      return { alert: a, inserted: true };
    },
  };
  return { deadlines, alerts: alertRepo, stored: () => [...alerts.values()], byId: alerts, wakes, relay: { wake: () => void (wakes.count += 1) }, planner, timers, scheduled };
}

/** The fakes with the firing's clock and a horizon of `hours`. */
const at = (f: ReturnType<typeof fakes>, clock: ControllableClock, hours = 6) => ({ ...f, clock, horizon: { clock, seconds: hours * 3600 } });

// Friday before Tết 2026, 14:00 Hà Nội time.
const DUE = new Date('2026-02-13T07:00:00Z');
const entry = (over: Partial<TrackedDeadline> = {}): TrackedDeadline =>
  trackedDeadline({ subjectCode: 'D-1', agencyCode: 'G01', responsibleAgencyCode: 'G01', procedureCode: 'P1', dueAt: DUE, since: new Date('2026-02-02T02:00:00Z'), ...over });
const job = (over: Partial<TimerJob> = {}): TimerJob => ({ dossierCode: 'D-1', deadlineVersion: 1, deadlineKey: 'dossier', stage: 'due', level: 0, ...over });

describe('deadline check', () => {
  test('when the due timer fires after the due instant, then one overdue alert is stored, unpublished, and the relay is woken, however often it fires', async () => {
    const clock = new ControllableClock('2026-02-13T07:00:00.200Z');
    const f = fakes(entry({ raised: ['warning'] }));
    const deps = at(f, clock);
    expect(await checkDeadline(job(), deps)).toMatchObject({ outcome: 'raised', alertId: 'overdue:D-1:v1', kind: 'overdue' });
    clock.advance(60_000);
    expect(await checkDeadline(job(), deps)).toMatchObject({ outcome: 'already-raised', alertId: 'overdue:D-1:v1' });
    expect(f.stored()).toHaveLength(1);
    expect(f.stored()[0]).toMatchObject({ type: 'dossier.overdue', eventType: 'vn.tthc.dossier.overdue', legalBasis: 'ND 118/2025', workingMinutesLate: 0, publishedAt: null });
    expect(f.wakes.count).toBe(2);
    expect(f.stored()[0]?.raisedAt.toISOString()).toBe('2026-02-13T07:00:00.200Z');
  });

  test('when a stage fires and its alert is stored, then the next stage is recorded and, within the horizon, its one timer scheduled', async () => {
    const clock = new ControllableClock('2026-02-13T07:00:01Z');
    const f = fakes(entry({ raised: ['warning'] }));
    expect(await checkDeadline(job(), at(f, clock, 24 * 30))).toMatchObject({ outcome: 'raised' });
    // Level 1 is one working day after due, Tết in between: Monday 23/2 14:00.
    const escalation1 = new Date('2026-02-23T07:00:00Z');
    expect((await f.deadlines.find('D-1', 'dossier'))?.nextFireAt).toEqual(escalation1);
    expect(f.scheduled).toEqual([{ ref: { subjectCode: 'D-1', key: 'dossier', version: 1, stage: 'escalation', level: 1 }, fireAt: escalation1 }]);
  });

  test('when a timer fires after later stages fell due too, then that firing stores their alerts in firing order, records them in one write and schedules the first stage still ahead', async () => {
    // Level 2 (three working days after due, Tết in between) is Wednesday 25/2 14:00; level 1 was Monday 23/2.
    const clock = new ControllableClock('2026-02-24T00:00:00Z');
    const f = fakes(entry());
    const marks: string[][] = [];
    const markRaised = f.deadlines.markRaised;
    f.deadlines.markRaised = async (d, tags, nextFireAt, key) => {
      marks.push([...tags]);
      await markRaised(d, tags, nextFireAt, key);
    };
    const result = await checkDeadline(job({ stage: 'warning' }), at(f, clock, 24 * 30));
    expect(result).toMatchObject({ outcome: 'raised', alertId: 'warning:D-1:dossier:v1' });
    expect(f.stored().map((a) => a.id)).toEqual(['warning:D-1:dossier:v1', 'overdue:D-1:v1', 'escalation:l1:D-1:dossier:v1']);
    expect(marks).toEqual([['warning', 'due', 'escalation:1']]);
    const escalation2 = new Date('2026-02-25T07:00:00Z');
    expect((await f.deadlines.find('D-1', 'dossier'))?.nextFireAt).toEqual(escalation2);
    expect(f.scheduled).toEqual([{ ref: { subjectCode: 'D-1', key: 'dossier', version: 1, stage: 'escalation', level: 2 }, fireAt: escalation2 }]);

    // The same timer firing again (a retry after a crash) stores nothing twice.
    f.deadlines.markRaised = markRaised;
    (await f.deadlines.find('D-1', 'dossier'))!.raised = [];
    expect(await checkDeadline(job({ stage: 'warning' }), at(f, clock, 24 * 30))).toMatchObject({ outcome: 'already-raised' });
    expect(f.stored()).toHaveLength(3);
  });

  test('when the next stage fires beyond the horizon, then it is only recorded for the loader and no timer is scheduled', async () => {
    const clock = new ControllableClock('2026-02-13T07:00:01Z');
    const f = fakes(entry({ raised: ['warning'] }));
    await checkDeadline(job(), at(f, clock, 6));
    expect((await f.deadlines.find('D-1', 'dossier'))?.nextFireAt).toEqual(new Date('2026-02-23T07:00:00Z'));
    expect(f.scheduled).toEqual([]);
  });

  test('when the last stage fires, then no next instant remains and nothing is scheduled', async () => {
    const clock = new ControllableClock('2026-03-06T00:00:00Z');
    const f = fakes(entry({ raised: ['warning', 'due', 'escalation:1'] }));
    expect(await checkDeadline(job({ stage: 'escalation', level: 2 }), at(f, clock))).toMatchObject({ outcome: 'raised' });
    expect((await f.deadlines.find('D-1', 'dossier'))?.nextFireAt).toBeNull();
    expect(f.scheduled).toEqual([]);
  });

  test('when the warning timer fires, then the warning says it is the last moment to apologise and set a new appointment', async () => {
    const clock = new ControllableClock('2026-02-12T07:00:00Z');
    const f = fakes(entry());
    expect(await checkDeadline(job({ stage: 'warning' }), at(f, clock))).toMatchObject({ outcome: 'raised', alertId: 'warning:D-1:dossier:v1', kind: 'warning' });
    expect(f.stored()[0]?.eventType).toBe('vn.tthc.deadline.warning');
    expect(f.stored()[0]?.reason).toContain('xin lỗi');
    expect(f.stored()[0]?.reason).toContain('new appointment');
  });

  test('when an escalation fires after Tết, then it carries its level and the working minutes late in the calendar', async () => {
    // Level 1 is one working day after due: Monday 23/2 14:00 (Tết in between); raised at 16:30,
    // i.e. Friday 14:00–17:00 plus Monday 08:00–16:30 late (`npx tthc-calendar between` says 630).
    const clock = new ControllableClock('2026-02-23T09:30:00Z');
    const f = fakes(entry());
    expect(await checkDeadline(job({ stage: 'escalation', level: 1 }), at(f, clock))).toMatchObject({ outcome: 'raised', alertId: 'escalation:l1:D-1:dossier:v1' });
    expect(f.stored()[0]).toMatchObject({ kind: 'escalation', level: 1, eventType: 'vn.tthc.deadline.escalated', workingMinutesLate: 180 + 450 });
  });

  test('when a petition deadline passes, then the alert type is petition.unhandled and names the responsible agency', async () => {
    const clock = new ControllableClock('2026-02-13T08:00:00Z');
    const f = fakes(entry({ subject: 'petition', key: 'petition:answer', kind: 'petition-answer', responsibleAgencyCode: 'G02', label: 'trả lời PAKN' }));
    expect(await checkDeadline(job({ deadlineKey: 'petition:answer' }), at(f, clock))).toMatchObject({ outcome: 'raised', alertId: 'overdue:D-1:petition:answer:v1' });
    expect(f.stored()[0]).toMatchObject({ eventType: 'vn.tthc.petition.unhandled', responsibleAgencyCode: 'G02', agencyCode: 'G01', workingMinutesLate: 60 });
  });

  test('when a timer fires early, then it is told to wait until its own instant', async () => {
    const clock = new ControllableClock('2026-02-12T06:59:59Z');
    const f = fakes(entry());
    expect(await checkDeadline(job({ stage: 'warning' }), at(f, clock))).toEqual({ outcome: 'not-due-yet', fireAt: new Date('2026-02-12T07:00:00Z') });
    expect(f.stored()).toHaveLength(0);
  });

  test('when the deadline settled, paused, moved or lost its stage, then nothing is raised', async () => {
    const clock = new ControllableClock('2026-03-06T00:00:00Z');
    const cases: Array<[TrackedDeadline, TimerJob, string]> = [
      [entry({ status: 'met' }), job(), 'inactive'],
      [entry({ status: 'paused' }), job(), 'inactive'],
      [entry({ phase: 'closed' }), job(), 'inactive'],
      [entry({ version: 2 }), job(), 'stale'],
      [entry({ warn: false }), job({ stage: 'warning' }), 'stale'],
      [entry(), job({ stage: 'escalation', level: 3 }), 'stale'],
    ];
    for (const [d, j, outcome] of cases) {
      const f = fakes(d);
      expect(await checkDeadline(j, at(f, clock))).toEqual({ outcome });
      expect(f.stored()).toHaveLength(0);
    }
    expect(await checkDeadline(job(), at(fakes(null), clock))).toEqual({ outcome: 'unknown' });
  });

  test('when the alert stored by an earlier firing was published, then a later firing neither stores it again nor wakes the relay', async () => {
    const clock = new ControllableClock('2026-02-13T08:00:00Z');
    const f = fakes(entry({ raised: ['warning'] }));
    expect(await checkDeadline(job(), at(f, clock))).toMatchObject({ outcome: 'raised', alertId: 'overdue:D-1:v1' });
    f.byId.get('overdue:D-1:v1')!.publishedAt = new Date('2026-02-13T08:00:01Z');
    expect(await checkDeadline(job(), at(f, clock))).toMatchObject({ outcome: 'already-raised', alertId: 'overdue:D-1:v1' });
    expect(f.stored()).toHaveLength(1);
    expect(f.wakes.count).toBe(1);
  });

  test('when the timer fires early or for a settled deadline, then the relay is not woken', async () => {
    const early = fakes(entry());
    await checkDeadline(job({ stage: 'warning' }), at(early, new ControllableClock('2026-02-12T06:59:59Z')));
    const settled = fakes(entry({ status: 'met' }));
    await checkDeadline(job(), at(settled, new ControllableClock('2026-02-13T08:00:00Z')));
    expect([early.wakes.count, settled.wakes.count]).toEqual([0, 0]);
  });
});

describe('deadline check behind a backlog', () => {
  const behind = () => {
    const w = { mark: null as Date | null };
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    return { w, wall, hold: createBacklogHold({ caughtUpTo: () => w.mark, awaySince: () => null, lastOutage: () => null }, { graceSeconds: 5, maxHoldSeconds: 600, retryMs: 1000 }, wall) };
  };

  test('when the facts handed over before the firing are not applied yet, then nothing is stored and it looks again later; once they are and the deadline is still open, the alert is stored with the wait told', async () => {
    const clock = new ControllableClock('2026-02-13T07:00:00.200Z');
    const f = fakes(entry({ raised: ['warning'] }));
    const { w, wall, hold } = behind();
    expect(await checkDeadline(job(), { ...at(f, clock), backlog: hold })).toEqual({ outcome: 'held', retryAt: new Date('2026-12-07T08:00:01Z') });
    expect(f.stored()).toHaveLength(0);
    wall.advance(2_000);
    w.mark = new Date('2026-12-07T08:00:00Z');
    expect(await checkDeadline(job(), { ...at(f, clock), backlog: hold })).toMatchObject({ outcome: 'raised', alertId: 'overdue:D-1:v1', held: { ms: 2_000, reason: 'backlog-applied' } });
    expect(hold.waiting()).toBe(0);
  });

  test('when the backlog held the deadline\'s resolution, then the deadline is not read again while it waits; once the backlog is applied the look finds it met and raises nothing, and the wait is forgotten', async () => {
    const clock = new ControllableClock('2026-02-13T07:00:00.200Z');
    const deadline = entry({ raised: ['warning'] });
    const f = fakes(deadline);
    let reads = 0;
    const find = f.deadlines.find;
    f.deadlines.find = async (...args) => {
      reads += 1;
      return find(...args);
    };
    const { w, wall, hold } = behind();
    expect(await checkDeadline(job(), { ...at(f, clock), backlog: hold })).toMatchObject({ outcome: 'held' });
    wall.advance(1_000);
    expect(await checkDeadline(job(), { ...at(f, clock), backlog: hold })).toMatchObject({ outcome: 'held' });
    expect(reads).toBe(1);
    deadline.status = 'met';
    w.mark = wall.now();
    expect(await checkDeadline(job(), { ...at(f, clock), backlog: hold })).toEqual({ outcome: 'inactive' });
    expect(reads).toBe(2);
    expect(f.stored()).toHaveLength(0);
    expect(hold.waiting()).toBe(0);
  });

  test("when the deadline was first heard of after its due instant while its agency's history is still being handed over, then the firing waits for that history to pass the due instant; an on-time deadline of the same agency does not", async () => {
    const clock = new ControllableClock('2026-02-20T07:00:00Z');
    const wall = new ControllableClock('2026-12-07T08:00:00Z');
    const w = { mark: new Date('2026-12-07T08:00:00Z') as Date | null };
    const sources = createSourceProgress({ quietSeconds: 10 }, wall);
    const hold = createBacklogHold({ caughtUpTo: () => w.mark, awaySince: () => null, lastOutage: () => null }, { graceSeconds: 5, maxHoldSeconds: 600, retryMs: 1000 }, wall, sources);
    sources.heard('G01', Date.parse('2026-02-10T02:00:00Z'));
    const late = fakes(entry({ since: new Date('2026-02-20T06:59:00Z') }));
    expect(await checkDeadline(job(), { ...at(late, clock), backlog: hold })).toMatchObject({ outcome: 'held' });
    const onTime = fakes(entry({ subjectCode: 'D-2' }));
    expect(await checkDeadline(job({ dossierCode: 'D-2' }), { ...at(onTime, clock), backlog: hold })).toMatchObject({ outcome: 'raised' });
    wall.advance(1000);
    sources.heard('G01', Date.parse('2026-02-14T02:00:00Z'));
    w.mark = wall.now();
    expect(await checkDeadline(job(), { ...at(late, clock), backlog: hold })).toMatchObject({ outcome: 'raised', held: { ms: 1000, reason: 'source-caught-up' } });
  });
});
