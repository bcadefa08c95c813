import { loadDefaultCalendar } from '@tthc/calendar';
import { DOSSIER_STATE_CHANGED_V1 } from '@tthc/contracts';
import { PoisonMessageError, classifyFailure } from '@tthc/platform';
import { mongo } from 'mongoose';
import type { DeadlineRepository, TimerScheduler, TrackedDeadline } from '../../domain/deadline';
import type { TimerPlanner } from '../../domain/timer-plan';
import { dossierStateHandler } from './dossier-state.consumer';

const snapshot = {
  specversion: '1.0',
  id: 'state-1',
  source: 'urn:tthc:workflow',
  type: DOSSIER_STATE_CHANGED_V1,
  time: '2026-11-23T09:00:01+07:00',
  data: {
    dossierCode: 'HS-1',
    agencyCode: 'G01.001.000',
    procedureCode: '1.001612',
    phase: 'open',
    statusCode: 2,
    receivedAt: '2026-11-23T09:00:00+07:00',
    dueAt: '2026-12-04T17:00:00+07:00',
    deadlineVersion: 1,
    closedAt: null,
    revision: 1,
    deadlines: [{ key: 'dossier', kind: 'dossier', dueAt: '2026-12-04T17:00:00+07:00', version: 1, status: 'open', agencyCode: 'G01.001.000', label: null, legalBasis: 'ND 118/2025', warn: true, escalate: true }],
  },
};
const message = { topic: 'state', partition: 0, message: { key: Buffer.from('HS-1'), value: Buffer.from(JSON.stringify(snapshot)), offset: '7' } } as never;

// In-memory stand-ins: these tests are about what the handler throws, not about storage.
const deadlines = (failWith?: Error): DeadlineRepository =>
  ({
    upsertIfNewer: async (d: TrackedDeadline) => {
      if (failWith) throw failWith;
      return { previous: null, stored: d };
    },
    find: async () => null,
    listForSubject: async () => [],
  }) as unknown as DeadlineRepository;
const timers = { schedule: async () => undefined, cancel: async () => undefined, ensure: async () => false } as unknown as TimerScheduler;
const horizon = { clock: { now: () => new Date('2026-11-23T02:00:02Z') }, seconds: 6 * 3600 };

async function failureOf(work: Promise<void>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected the handler to fail');
}

describe('the dossier-state consumer', () => {
  test('when the calendar cannot place a timer (an instant of year 9999), then the snapshot is poison with the calendar reason', async () => {
    const planner = {
      policy: { warningLead: { unit: 'working-day', amount: 1, text: '1wd' }, escalationSteps: [] },
      // What the real planner meets for a deadline near the end of the calendar's years.
      next: () => ({ stage: 'due', level: 0, fireAt: loadDefaultCalendar().due({ from: '9999-12-20T09:00:00+07:00', amount: 10, unit: 'working-day' }).due }),
      workingMinutesBetween: () => 0,
      key: () => 'test',
    } as unknown as TimerPlanner;

    const err = await failureOf(dossierStateHandler({ deadlines: deadlines(), timers, planner, horizon }).handle(message));
    expect(err).toBeInstanceOf(PoisonMessageError);
    expect(err).toMatchObject({ code: 'calendar-input', message: expect.stringMatching(/HS-1 \(revision 1\).*supported years/) });
    expect(classifyFailure(err).kind).toBe('poison');
  });

  test('when MongoDB is unreachable, then the error reaches the runner as an unavailable dependency, not as poison', async () => {
    const planner = { policy: { warningLead: { unit: 'second', amount: 1, text: '1s' }, escalationSteps: [] }, next: () => null, workingMinutesBetween: () => 0, key: () => 'test' } as unknown as TimerPlanner;
    const err = await failureOf(dossierStateHandler({ deadlines: deadlines(new mongo.MongoNetworkError('connection 2 to 127.0.0.1:27217 closed')), timers, planner, horizon }).handle(message));
    expect(classifyFailure(err)).toMatchObject({ kind: 'dependency', dependency: 'mongodb' });
  });
  test('when a lane holds three snapshots of one dossier and a message that is not JSON, then only the newest revision is tracked and the broken message gets its own poison error', async () => {
    const tracked: number[] = [];
    const planner = { policy: { warningLead: { unit: 'second', amount: 1, text: '1s' }, escalationSteps: [] }, plan: () => [], next: () => null, workingMinutesBetween: () => 0, key: () => 'test' } as unknown as TimerPlanner;
    const recording = {
      upsertIfNewer: async (d: TrackedDeadline) => {
        tracked.push(d.revision);
        return { previous: null, stored: d };
      },
      find: async () => null,
      listForSubject: async () => [],
    } as unknown as DeadlineRepository;
    const at = (revision: number, offset: string) =>
      ({ topic: 'state', partition: 0, message: { key: Buffer.from('HS-1'), value: Buffer.from(JSON.stringify({ ...snapshot, id: `state-${revision}`, data: { ...snapshot.data, revision } })), offset } }) as never;
    const broken = { topic: 'state', partition: 0, message: { key: Buffer.from('HS-1'), value: Buffer.from('{'), offset: '9' } } as never;
    const answers = await dossierStateHandler({ deadlines: recording, timers, planner, horizon }).handleLane([at(1, '6'), at(3, '7'), broken, at(2, '8')]);
    expect(tracked).toEqual([3]);
    expect(answers.map((a) => ('error' in a ? classifyFailure(a.error).kind : 'ok'))).toEqual(['ok', 'ok', 'poison', 'ok']);
  });
});
