import { createRequire } from 'node:module';
import path from 'node:path';
import mongoose from 'mongoose';

const GUARDED = Symbol.for('tthc.mongodb.destroyed-socket-guard');

interface DriverConnection {
  id: number | string;
  address: string;
  socket?: { destroyed?: boolean };
  onError?(error: Error): void;
}

type WriteCommand = (this: DriverConnection, ...args: unknown[]) => Promise<unknown>;

/** Whether the guard is installed, or why it could not be. */
export type DriverGuardState = { installed: true } | { installed: false; reason: string };

let state: DriverGuardState | null = null;

/**
 * Makes a command written to a pooled connection whose socket is already destroyed fail as a
 * network error instead of waiting forever.
 *
 * When the server closes a connection, Node destroys the socket as soon as it reads the FIN but
 * emits 'close' only a loop turn later. A command checked out on that connection in between is
 * written to the dead socket: the write refuses without an 'error' event, and the driver
 * (mongodb 6.20, unchanged in 7.9) waits for a 'drain' that never comes. Its 'close' handler then
 * finds no read to fail, so the operation hangs with no socket timeout to end it. CI met this in
 * the workflow store-outage test: a find written 130 ms after the store went away, on a busy event
 * loop, was answered only by the batcher's 60 s guard. As a network error, a read is retried by
 * the driver on a fresh connection and anything else reaches the caller, who pauses or retries.
 *
 * The driver exports no hook for this, so its connection class is reached through the copy
 * mongoose loads; if that shape ever changes, the state says so and nothing is patched.
 */
export function guardDestroyedSocketWrites(): DriverGuardState {
  if (state) return state;
  state = install();
  return state;
}

function install(): DriverGuardState {
  let proto: Record<PropertyKey, unknown> | undefined;
  try {
    const fromMongoose = createRequire(require.resolve('mongoose'));
    const driverDir = path.dirname(fromMongoose.resolve('mongodb/package.json'));
    proto = (fromMongoose(path.join(driverDir, 'lib/cmap/connection')) as { Connection?: { prototype: Record<PropertyKey, unknown> } }).Connection?.prototype;
  } catch (err) {
    return { installed: false, reason: `the driver's connection class could not be loaded: ${(err as Error).message}` };
  }
  if (!proto || typeof proto['writeCommand'] !== 'function') return { installed: false, reason: 'the driver has no Connection.prototype.writeCommand' };
  if (proto[GUARDED]) return { installed: true };
  const original = proto['writeCommand'] as WriteCommand;
  const guarded: WriteCommand = function (this: DriverConnection, ...args) {
    if (this.socket?.destroyed) {
      const error = new mongoose.mongo.MongoNetworkError(`connection ${this.id} to ${this.address} closed`);
      // Closes the connection now rather than on the late 'close', so the pool drops it.
      this.onError?.(error);
      return Promise.reject(error);
    }
    return original.apply(this, args);
  };
  proto['writeCommand'] = guarded;
  proto[GUARDED] = true;
  return { installed: true };
}
