import { Redis } from 'ioredis';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, Kafka, logLevel } from 'kafkajs';
import mongoose, { mongo } from 'mongoose';
import { z } from 'zod';
import { CalendarInputError, loadDefaultCalendar } from '@tthc/calendar';
import { AppError, DependencyUnavailableError, PoisonMessageError, toAppError } from '../errors';
import { classifyFailure } from './failure-class';

// A port nothing listens on: the real clients fail there the way they fail during an outage.
const CLOSED = '127.0.0.1:1';

const thrownSync = (work: () => unknown): unknown => {
  try {
    work();
  } catch (err) {
    return err;
  }
  throw new Error('expected the work to fail');
};

const thrown = async (work: () => unknown): Promise<unknown> => {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected the work to fail');
};

describe('classifying a failed message', () => {
  test('when the handler throws PoisonMessageError or a non-retriable AppError, then it is poison with its own code and message', () => {
    expect(classifyFailure(new PoisonMessageError('invalid-event', 'not a CloudEvent'))).toEqual({ kind: 'poison', code: 'invalid-event', reason: 'not a CloudEvent' });
    expect(classifyFailure(new AppError('impossible-transition', 'after the final decision'))).toMatchObject({ kind: 'poison', code: 'impossible-transition' });
  });

  test('when the calendar refuses an instant of year 9999, then it is poison named by the calendar with its reason', () => {
    const err = thrownSync(() => loadDefaultCalendar().due({ from: '9999-12-20T09:00:00+07:00', amount: 10, unit: 'working-day' }));
    expect(err).toBeInstanceOf(CalendarInputError);
    const failure = classifyFailure(err);
    expect(failure).toMatchObject({ kind: 'poison', code: 'CalendarInputError' });
    expect(failure.reason).toMatch(/supported years/);
  });

  test('when handler code throws TypeError, RangeError, SyntaxError or a zod error, then it is poison named by its class', () => {
    const zodError = z.object({ dueAt: z.string() }).safeParse({ dueAt: 1 }).error;
    const cases: Array<[unknown, string]> = [
      [new TypeError("Cannot read properties of undefined (reading 'dueAt')"), 'TypeError'],
      [new RangeError('Invalid time value'), 'RangeError'],
      [thrownSync(() => JSON.parse('{')), 'SyntaxError'],
      [zodError, 'ZodError'],
    ];
    for (const [err, code] of cases) expect(classifyFailure(err)).toMatchObject({ kind: 'poison', code });
  });

  test('when MongoDB refuses the document itself (too large, BSON), then it is poison', () => {
    const tooLarge = new mongo.MongoServerError({ message: 'object to insert too large', code: 10334, codeName: 'BSONObjectTooLarge' });
    expect(classifyFailure(tooLarge)).toMatchObject({ kind: 'poison', code: 'BSONObjectTooLarge' });
    const updateTooLarge = new mongo.MongoServerError({ message: 'Resulting document after update is larger than 16777216', code: 17419 });
    expect(classifyFailure(updateTooLarge)).toMatchObject({ kind: 'poison' });
    expect(classifyFailure(new mongo.BSON.BSONError('cannot serialize'))).toMatchObject({ kind: 'poison', code: 'BSONError' });
    expect(classifyFailure(new mongo.MongoInvalidArgumentError('Document is larger than the maximum size 16777216'))).toMatchObject({ kind: 'poison' });
  });

  test('when the MongoDB driver reports a network, selection or not-primary failure, then a dependency is unavailable', () => {
    const notPrimary = new mongo.MongoServerError({ message: 'not primary', code: 10107, codeName: 'NotWritablePrimary' });
    const labelled = new mongo.MongoServerError({ message: 'connection pool cleared', code: 1 });
    labelled.addErrorLabel('RetryableWriteError');
    for (const err of [new mongo.MongoNetworkError('connection 3 to 127.0.0.1:27217 closed'), new mongo.MongoNetworkTimeoutError('timed out'), notPrimary, labelled]) {
      expect(classifyFailure(err)).toMatchObject({ kind: 'dependency', dependency: 'mongodb' });
    }
  });

  test('when a bulk write could not reach the server, which the driver reports as a MongoBulkWriteError without write errors, then a dependency is unavailable', () => {
    // Built as the driver builds it (mongo-batch.test.ts meets the real one on a cut connection).
    for (const cause of [new mongo.MongoNetworkError('connection 4 to 127.0.0.1:27217 closed'), new mongo.MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27217', { type: 'Unknown', servers: new Map() } as never)]) {
      const wrapped = new mongo.MongoBulkWriteError(cause as never, {} as never);
      expect(wrapped).toMatchObject({ name: 'MongoBulkWriteError', writeErrors: [] });
      expect(classifyFailure(wrapped)).toMatchObject({ kind: 'dependency', dependency: 'mongodb' });
    }
    // A write error of the document itself stays what it is.
    const duplicate = new mongo.MongoServerError({ message: 'E11000 duplicate key error collection: x.c', code: 11000 });
    expect(classifyFailure(duplicate)).not.toMatchObject({ kind: 'dependency' });
  });

  test('when mongoose cannot reach the server or times out buffering, then a dependency is unavailable', async () => {
    const conn = mongoose.createConnection(`mongodb://${CLOSED}/x`, { serverSelectionTimeoutMS: 200 });
    try {
      const selection = await thrown(() => conn.asPromise());
      expect(classifyFailure(selection)).toMatchObject({ kind: 'dependency', dependency: 'mongodb' });
      // Mongoose queues operations of a connection that is not open, then fails them.
      const buffering = await thrown(() => conn.collection('c', { bufferTimeoutMS: 200 } as never).findOne({}));
      expect((buffering as Error).message).toMatch(/buffering timed out/);
      expect(classifyFailure(buffering)).toMatchObject({ kind: 'dependency', dependency: 'mongodb' });
    } finally {
      await conn.close().catch(() => undefined);
    }
  });

  test('when Kafka cannot be reached, even through KafkaJS retry wrappers, then a dependency is unavailable', async () => {
    const kafka = new Kafka({ clientId: 'classify', brokers: [CLOSED], connectionTimeout: 200, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const real = await thrown(() => producer.connect());
    expect(classifyFailure(real)).toMatchObject({ kind: 'dependency', dependency: 'kafka' });
    const connection = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
    expect(classifyFailure(new KafkaJSNumberOfRetriesExceeded(connection, { retryCount: 5, retryTime: 3000 }))).toMatchObject({ kind: 'dependency' });
  });

  test('when Kafka refuses the record itself (too large), then it is poison even inside a non-retriable wrapper', () => {
    const tooLarge = new KafkaJSProtocolError({ message: 'The request included a message larger than the max message size the server will accept', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false } as never);
    // kafkajs's retrier keeps the refused error as the wrapper's cause; its typings do not say so.
    const wrapped = Object.assign(new KafkaJSNonRetriableError(tooLarge), { cause: tooLarge });
    expect(classifyFailure(wrapped)).toMatchObject({ kind: 'poison', code: 'MESSAGE_TOO_LARGE' });
  });

  test('when Redis cannot be reached, then a dependency is unavailable', async () => {
    const redis = new Redis(`redis://${CLOSED}`, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      const err = await thrown(() => redis.ping());
      expect(classifyFailure(err)).toMatchObject({ kind: 'dependency', dependency: 'redis' });
    } finally {
      redis.disconnect();
    }
  });

  test('when a retriable AppError names an unavailable dependency, or wraps a driver outage, then a dependency is unavailable', () => {
    expect(classifyFailure(new DependencyUnavailableError('mongodb', 'store down'))).toMatchObject({ kind: 'dependency', code: 'dependency-unavailable' });
    expect(classifyFailure(new AppError('store-unavailable', 'down', { retriable: true }))).toMatchObject({ kind: 'dependency' });
    expect(classifyFailure(toAppError(new mongo.MongoNetworkError('socket closed')))).toMatchObject({ kind: 'dependency', dependency: 'mongodb' });
  });

  test('when a network failure causes a TypeError (fetch failed), then the outage wins over the TypeError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classifyFailure(new TypeError('fetch failed', { cause: refused }))).toMatchObject({ kind: 'dependency', dependency: 'network' });
  });

  test('when the error is plain, a retriable AppError of another code, or not an Error at all, then it is unknown', () => {
    expect(classifyFailure(new Error('subject HS-1: too many concurrent updates'))).toMatchObject({ kind: 'unknown', code: 'Error' });
    expect(classifyFailure(new AppError('internal', 'odd', { retriable: true }))).toMatchObject({ kind: 'unknown', code: 'internal' });
    expect(classifyFailure('a string')).toMatchObject({ kind: 'unknown', reason: 'a string' });
  });
});
