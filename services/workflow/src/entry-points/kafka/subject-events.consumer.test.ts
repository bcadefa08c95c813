import { mongo } from 'mongoose';
import { loadDefaultCalendar } from '@tthc/calendar';
import { AppError, PoisonMessageError, classifyFailure, createLogger, createMetrics } from '@tthc/platform';
import type { ApplyDeps } from '../../domain/apply-fact.use-case';
import { createCalendarChangeGate } from '../calendar-change.gate';
import { subjectEventsHandler, toFact } from './subject-events.consumer';

const event = (extra: Record<string, unknown>) => ({
  specversion: '1.0',
  id: 'e-1',
  source: 'urn:portal:test',
  type: 'vn.tthc.dossier.resolved',
  time: '2026-11-25T10:00:00+07:00',
  data: { dossierCode: 'HS-1', agencyCode: 'G01.001.000', resolvedAt: '2026-11-25T10:00:00+07:00' },
  ...extra,
});
const message = (value: unknown) => ({ topic: 'events', partition: 0, message: { key: Buffer.from('HS-1'), value: Buffer.from(JSON.stringify(value)), offset: '0' } }) as never;

describe('reading the sender of a consumed event', () => {
  test('when intake stamped the event, then the fact keeps the key id and scope', () => {
    const parsed = toFact(message(event({ authtype: 'api_key', authid: 'a1b2', authclaims: 'G01.001.000,G02.*' })), 'alerts');
    expect(parsed?.fact.auth).toEqual({ id: 'a1b2', scope: 'G01.001.000,G02.*' });
  });

  test('when the event has no authclaims, then it is a system fact without a sender', () => {
    const parsed = toFact(message(event({ authid: 'a1b2' })), 'alerts');
    expect(parsed?.fact).not.toHaveProperty('auth');
    expect(parsed?.code).toBe('HS-1');
  });

  test('when the authclaims are not a scope, then the message is poison rather than trusted', () => {
    for (const authclaims of ['G0*1', 42, '']) {
      let thrown: unknown;
      try {
        toFact(message(event({ authclaims })), 'alerts');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect((thrown as AppError).code).toBe('invalid-auth-context');
    }
  });
});

describe('what the handler hands the consumer runner when a fact cannot be applied', () => {
  const reception = {
    specversion: '1.0',
    id: 'e-2',
    source: 'urn:portal:test',
    type: 'vn.tthc.dossier.received',
    time: '2026-11-23T09:00:00+07:00',
    data: { dossierCode: 'HS-2', procedureCode: '1.001612', agencyCode: 'G01.001.000', receivedAt: '2026-11-23T09:00:00+07:00', appointmentAt: '2026-12-04T17:00:00+07:00' },
  };
  // In-memory stand-ins: only the error that leaves the handler is under test here.
  const handlerWith = (deps: Partial<ApplyDeps>) =>
    subjectEventsHandler({
      repo: { find: async () => null, findRecord: async () => null, insert: async () => true, replace: async () => true },
      publisher: { publish: async () => undefined },
      catalog: { find: async () => null },
      derive: () => {
        throw new Error('not derived in this test');
      },
      deadLetters: { send: async () => undefined },
      logger: createLogger({ service: 'workflow-test', level: 'silent' }),
      metrics: createMetrics('workflow-test'),
      alertsTopic: 'alerts',
      gate: createCalendarChangeGate(),
      ...deps,
    });
  const failureOf = async (work: Promise<void>) => {
    try {
      await work;
    } catch (err) {
      return err;
    }
    throw new Error('expected the handler to fail');
  };

  test('when the calendar cannot place an instant of the fact (year 9999), then the message is poison with the calendar reason', async () => {
    // What the real derivation meets for a history the calendar cannot place.
    const derive = () => {
      loadDefaultCalendar().due({ from: '9999-12-20T09:00:00+07:00', amount: 10, unit: 'working-day' });
      throw new Error('the calendar accepted year 9999');
    };
    const err = await failureOf(handlerWith({ derive }).handle(message(reception)));
    expect(err).toBeInstanceOf(PoisonMessageError);
    expect(err).toMatchObject({ code: 'calendar-input', message: expect.stringMatching(/vn\.tthc\.dossier\.received \(e-2\) of HS-2 .*supported years/) });
    expect(classifyFailure(err).kind).toBe('poison');
  });

  test('when MongoDB is unreachable, then the error reaches the runner as an unavailable dependency', async () => {
    const unreachable = async (): Promise<never> => {
      throw new mongo.MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27217', { type: 'Unknown', servers: new Map() } as never);
    };
    const repo = {
      find: unreachable,
      findRecord: unreachable,
      insert: async () => true,
      replace: async () => true,
    };
    const err = await failureOf(handlerWith({ repo }).handle(message(reception)));
    expect(classifyFailure(err)).toMatchObject({ kind: 'dependency', dependency: 'mongodb' });
  });

  test('when a lane holds a reception the calendar cannot place and a message that is not a CloudEvent, then each gets its own error and the lane still answers for every message', async () => {
    const derive = () => {
      loadDefaultCalendar().due({ from: '9999-12-20T09:00:00+07:00', amount: 10, unit: 'working-day' });
      throw new Error('the calendar accepted year 9999');
    };
    const broken = { topic: 'events', partition: 0, message: { key: Buffer.from('HS-2'), value: Buffer.from('not json'), offset: '1' } } as never;
    const answers = await handlerWith({ derive }).handleLane([message(reception), broken]);
    expect(answers).toHaveLength(2);
    expect(answers.map((a) => ('error' in a ? classifyFailure(a.error).kind : 'ok'))).toEqual(['poison', 'poison']);
    expect(answers[0]).toMatchObject({ error: { code: 'calendar-input' } });
  });

  test('when MongoDB is unreachable for a lane, then the lane fails as a whole and the runner handles its messages one by one', async () => {
    const unreachable = async (): Promise<never> => {
      throw new mongo.MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27217', { type: 'Unknown', servers: new Map() } as never);
    };
    const repo = {
      find: unreachable,
      findRecord: unreachable,
      insert: async () => true,
      replace: async () => true,
    };
    await expect(handlerWith({ repo }).handleLane([message(reception), message(reception)])).rejects.toThrow(/ECONNREFUSED/);
  });
});
