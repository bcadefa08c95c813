import { defaultCalendar } from '@tthc/calendar';
import { dossierStateChangedV1 } from '@tthc/contracts';
import { memoryDeadlines } from '../../test/support/memory-deadlines';
import { parseDuration, parseDurationList } from './duration';
import { createTimerPlanner } from './timer-plan';
import { deadlinesFromSnapshot, trackSnapshot } from './track-deadline.use-case';

// Snapshots are emitted a week before the steps' due instants, so warnings are planned.
const SENT = new Date('2026-02-24T01:00:00Z');
const deadlinesFromSnapshotAt = (s: Parameters<typeof deadlinesFromSnapshot>[0]) => deadlinesFromSnapshot(s, SENT);

const planner = createTimerPlanner(() => defaultCalendar(), { warningLead: parseDuration('1wd')!, escalationSteps: parseDurationList('1wd,3wd')! });
const memory = (horizonHours?: number) => memoryDeadlines(planner, SENT, horizonHours);

const snapshot = (revision: number, deadlines: unknown[], extra: Record<string, unknown> = {}) =>
  dossierStateChangedV1.parse({
    dossierCode: 'D-1',
    agencyCode: 'G01',
    procedureCode: 'P1',
    phase: 'open',
    statusCode: 4,
    receivedAt: '2026-03-02T01:00:00Z',
    dueAt: '2026-03-09T03:00:00Z',
    deadlineVersion: 1,
    closedAt: null,
    revision,
    deadlines,
    ...extra,
  });
const step = (over: Record<string, unknown> = {}) => ({
  key: 'step:1',
  kind: 'step',
  dueAt: '2026-03-04T03:00:00Z',
  version: 1,
  status: 'open',
  agencyCode: 'G02',
  label: 'Thẩm định',
  legalBasis: 'quy trình nội bộ',
  warn: true,
  escalate: false,
  ...over,
});

describe('tracking snapshots', () => {
  test('when a snapshot has no deadline entries, then its dueAt becomes the entry "dossier" with only a due timer', () => {
    const [d] = deadlinesFromSnapshotAt(snapshot(1, []));
    expect(d).toMatchObject({ key: 'dossier', kind: 'dossier', version: 1, status: 'open', warn: false, escalate: false, dueAt: new Date('2026-03-09T03:00:00Z') });
    expect(deadlinesFromSnapshotAt(snapshot(2, [], { phase: 'closed', closedAt: '2026-03-10T00:00:00Z' }))[0]?.status).toBe('missed');
  });

  test('when a deadline is set inside its own warning window, then no warning is planned, only the due timer', async () => {
    const m = memory();
    // Emitted on Wednesday 4/3 09:00 for a step due the same day at 10:00: less than a working day ahead.
    const late = deadlinesFromSnapshot(snapshot(1, [step()]), new Date('2026-03-04T02:00:00Z'));
    await trackSnapshot({ subjectCode: 'D-1', revision: 1, deadlines: late }, m.deps);
    expect([...m.scheduled.keys()]).toEqual(['due0:step:1:v1']);
  });

  test('when an entry with a warning is tracked, then it holds one timer, its warning, and stores that instant as its next', async () => {
    const m = memory();
    await trackSnapshot({ subjectCode: 'D-1', revision: 1, deadlines: deadlinesFromSnapshotAt(snapshot(1, [step({ escalate: true })])) }, m.deps);
    // One working day before Wednesday 4/3 10:00 (Hà Nội): Tuesday 3/3 10:00.
    expect([...m.scheduled.entries()]).toEqual([['warning0:step:1:v1', new Date('2026-03-03T03:00:00Z')]]);
    expect((await m.repo.find('D-1', 'step:1'))?.nextFireAt).toEqual(new Date('2026-03-03T03:00:00Z'));
  });

  test('when the next stage of an entry fires beyond the horizon, then its instant is stored and no timer is held', async () => {
    const m = memory(6);
    const [outcome] = await trackSnapshot({ subjectCode: 'D-1', revision: 1, deadlines: deadlinesFromSnapshotAt(snapshot(1, [step()])) }, m.deps);
    expect(outcome).toEqual({ key: 'step:1', outcome: 'deferred' });
    expect(m.scheduled.size).toBe(0);
    expect((await m.repo.find('D-1', 'step:1'))?.nextFireAt).toEqual(new Date('2026-03-03T03:00:00Z'));
  });

  test('when an entry gets a new version, then the old version timers are cancelled and the new one scheduled', async () => {
    const m = memory();
    await trackSnapshot({ subjectCode: 'D-1', revision: 1, deadlines: deadlinesFromSnapshotAt(snapshot(1, [step()])) }, m.deps);
    expect([...m.scheduled.keys()]).toEqual(['warning0:step:1:v1']);
    await trackSnapshot({ subjectCode: 'D-1', revision: 2, deadlines: deadlinesFromSnapshotAt(snapshot(2, [step({ version: 2, dueAt: '2026-03-05T03:00:00Z', warn: false })])) }, m.deps);
    expect([...m.scheduled.entries()]).toEqual([['due0:step:1:v2', new Date('2026-03-05T03:00:00Z')]]);
  });

  test('when an older snapshot arrives after a newer one, then the stored view and its timers stay those of the newer one', async () => {
    const m = memory();
    await trackSnapshot({ subjectCode: 'D-1', revision: 5, deadlines: deadlinesFromSnapshotAt(snapshot(5, [step({ version: 2 })])) }, m.deps);
    await trackSnapshot({ subjectCode: 'D-1', revision: 4, deadlines: deadlinesFromSnapshotAt(snapshot(4, [step({ version: 1 })])) }, m.deps);
    expect((await m.repo.find('D-1', 'step:1'))?.version).toBe(2);
    expect([...m.scheduled.keys()]).toEqual(['warning0:step:1:v2']);
  });

  test('when an entry is met or disappears from a newer snapshot, then all its timers are cancelled', async () => {
    const m = memory();
    const second = step({ key: 'step:2', escalate: true });
    await trackSnapshot({ subjectCode: 'D-1', revision: 1, deadlines: deadlinesFromSnapshotAt(snapshot(1, [step(), second])) }, m.deps);
    expect(m.scheduled.size).toBe(2);
    await trackSnapshot({ subjectCode: 'D-1', revision: 2, deadlines: deadlinesFromSnapshotAt(snapshot(2, [step({ status: 'met' })])) }, m.deps);
    expect(m.scheduled.size).toBe(0);
    expect(await m.repo.find('D-1', 'step:2')).toMatchObject({ status: 'removed', nextFireAt: null });
  });

  test('when a deadline whose next stage fires beyond the horizon changes version or is met, then no removal is asked of Redis, which holds none of its timers', async () => {
    const m = memory(6);
    await trackSnapshot({ subjectCode: 'D-1', revision: 1, deadlines: deadlinesFromSnapshotAt(snapshot(1, [step()])) }, m.deps);
    await trackSnapshot({ subjectCode: 'D-1', revision: 2, deadlines: deadlinesFromSnapshotAt(snapshot(2, [step({ version: 2, dueAt: '2026-03-05T03:00:00Z' })])) }, m.deps);
    await trackSnapshot({ subjectCode: 'D-1', revision: 3, deadlines: deadlinesFromSnapshotAt(snapshot(3, [step({ version: 2, dueAt: '2026-03-05T03:00:00Z', status: 'met' })])) }, m.deps);
    expect(m.cancelled).toEqual([]);
    expect(await m.repo.find('D-1', 'step:1')).toMatchObject({ version: 2, status: 'met', nextFireAt: null });
  });

  test('when a met deadline is delivered again, then its timers are not removed a second time', async () => {
    const m = memory();
    await trackSnapshot({ subjectCode: 'D-1', revision: 1, deadlines: deadlinesFromSnapshotAt(snapshot(1, [step()])) }, m.deps);
    const met = deadlinesFromSnapshotAt(snapshot(2, [step({ status: 'met' })]));
    await trackSnapshot({ subjectCode: 'D-1', revision: 2, deadlines: met }, m.deps);
    // Every stage of the version: warning, due and the two escalation levels.
    const once = [...m.cancelled];
    expect(once).toHaveLength(4);
    expect(once).toContain('warning0:step:1:v1');
    await trackSnapshot({ subjectCode: 'D-1', revision: 2, deadlines: met }, m.deps);
    await trackSnapshot({ subjectCode: 'D-1', revision: 3, deadlines: deadlinesFromSnapshotAt(snapshot(3, [step({ status: 'met', version: 2 })])) }, m.deps);
    expect(m.cancelled).toEqual(once);
    expect(m.scheduled.size).toBe(0);
  });

  test('when stored entries do not name their siblings (written before they were kept), then a dropped key is still found and settled', async () => {
    const m = memory();
    const entries = deadlinesFromSnapshotAt(snapshot(1, [step(), step({ key: 'step:2' })])).map((e) => ({ ...e, siblings: null }));
    await trackSnapshot({ subjectCode: 'D-1', revision: 1, deadlines: entries }, m.deps);
    await trackSnapshot({ subjectCode: 'D-1', revision: 2, deadlines: deadlinesFromSnapshotAt(snapshot(2, [step()])) }, m.deps);
    expect((await m.repo.find('D-1', 'step:2'))?.status).toBe('removed');
  });
});
