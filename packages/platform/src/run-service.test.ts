/**
 * A service whose start fails says why in its last log line. The process is real (the built
 * package, as `npm start` runs it), so what is checked is what an operator reads.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const DIST = path.resolve(__dirname, '../dist/run-service.js');

function startFailing(error: string): { status: number | null; lines: Array<Record<string, unknown>> } {
  const script = `
    const { runService } = require(${JSON.stringify(DIST)});
    runService('probe', () => ({ LOG_LEVEL: 'info' }), () => ({
      start: () => Promise.reject(${error}),
      stop: async () => undefined,
    }));`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  const lines = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: run.status, lines };
}

describe('a service that fails to start', () => {
  test('when the error holds what the logger cannot serialise (as a driver error holding its client), then the fatal line still names its type, message and cause', () => {
    // Both of pino's serialisers give up on a property whose getter throws.
    const error = `Object.defineProperty(
      Object.assign(new Error('connection 4 to 127.0.0.1:32217 closed', { cause: new Error('socket hang up') }), { code: 'ECLOSED' }),
      'topology',
      { enumerable: true, get() { throw new Error('not serialisable'); } },
    )`;
    const { status, lines } = startFailing(error);
    expect(status).toBe(1);
    const fatal = lines.find((l) => l.level === 'fatal');
    expect(fatal).toMatchObject({
      msg: 'probe failed to start',
      error: { type: 'Error', message: 'connection 4 to 127.0.0.1:32217 closed', code: 'ECLOSED', cause: { type: 'Error', message: 'socket hang up' } },
    });
    expect(String((fatal?.error as { stack?: string }).stack)).toContain('connection 4 to 127.0.0.1:32217 closed');
  });

  test('when something that is not an Error is thrown, then the fatal line gives its text', () => {
    const { status, lines } = startFailing(`'no broker answered'`);
    expect(status).toBe(1);
    expect(lines.find((l) => l.level === 'fatal')).toMatchObject({ error: { type: 'string', message: 'no broker answered' } });
  });
});
