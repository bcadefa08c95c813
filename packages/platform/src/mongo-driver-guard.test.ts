import type { Socket } from 'node:net';
import pino from 'pino';
import { Schema, type Connection } from 'mongoose';
import { requireEnv, uniqueName, withDatabase } from '@tthc/testkit';
import { classifyFailure } from './kafka/failure-class';
import { connectMongo } from './mongo';
import { guardDestroyedSocketWrites } from './mongo-driver-guard';

interface PooledConnection {
  id: number;
  socket: Socket;
}

/**
 * The idle connections of the client's pool. Driver internals, read only here: no public API
 * hands out a pooled socket, and the fault is in what the pool does with one.
 */
function idleConnections(conn: Connection): PooledConnection[] {
  const topology = (conn.getClient() as unknown as { topology: { s: { servers: Map<string, { pool: { connections: { toArray(): PooledConnection[] } } }> } } }).topology;
  return [...topology.s.servers.values()].flatMap((server) => server.pool.connections.toArray());
}

const HUNG = Symbol('hung');
/** The outcome of `work`, or HUNG if it has not settled after `ms` (a hang, not a speed goal). */
async function settledWithin<T>(work: Promise<T>, ms: number): Promise<T | typeof HUNG> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<typeof HUNG>((resolve) => {
    timer = setTimeout(() => resolve(HUNG), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

let conn: Connection;

beforeAll(async () => {
  conn = await connectMongo(withDatabase(requireEnv('MONGO_URL'), uniqueName('driver-guard')), pino({ level: 'silent' }));
});

afterAll(async () => {
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close(true);
});

describe('a command on a pooled connection the server has just closed', () => {
  test('when the service connects, then the guard is installed on the driver mongoose uses', () => {
    expect(guardDestroyedSocketWrites()).toEqual({ installed: true });
  });

  test('when the sockets of the idle connections are destroyed before their close event, then a read is retried on a fresh connection and answers instead of waiting forever', async () => {
    const Subject = conn.model('GuardedSubject', new Schema({ _id: String, revision: Number }));
    await Subject.create({ _id: 'S-1', revision: 3 });
    await Subject.find({}).lean().exec();
    const idle = idleConnections(conn);
    expect(idle.length).toBeGreaterThan(0);

    // What Node does on reading the server's FIN; 'close' follows only a loop turn later, and
    // the find below is checked out and written before that.
    for (const pooled of idle) pooled.socket.destroy();
    const found = await settledWithin(Subject.find({ _id: 'S-1' }).lean().exec(), 20_000);

    // Unguarded, the driver waited on the dead socket's 'drain' and this was HUNG.
    expect(found).toEqual([{ _id: 'S-1', revision: 3, __v: 0 }]);
    expect(idleConnections(conn).map((c) => c.id)).not.toEqual(expect.arrayContaining(idle.map((c) => c.id)));
  }, 60_000);

  test('when a write finds its connection destroyed, then it fails as a network error the consumer pauses on, and the next one succeeds', async () => {
    const Subject = conn.model('GuardedWrite', new Schema({ _id: String, revision: Number }));
    await Subject.find({}).lean().exec();
    for (const pooled of idleConnections(conn)) pooled.socket.destroy();

    const outcome = await settledWithin(Subject.create({ _id: 'W-1', revision: 1 }).then(() => null, (err: unknown) => err), 20_000);

    // The stand-in is a standalone server, which has no retryable writes: the caller sees it.
    expect(outcome).toBeInstanceOf(Error);
    expect(classifyFailure(outcome)).toMatchObject({ kind: 'dependency', dependency: 'mongodb', code: 'MongoNetworkError' });
    await Subject.updateOne({ _id: 'W-1' }, { $set: { revision: 2 } }, { upsert: true });
    expect(await Subject.findById('W-1').lean().exec()).toMatchObject({ revision: 2 });
  }, 60_000);
});
