import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { DEFAULT_CALENDAR_PATH, loadCalendarFile } from '@tthc/calendar';
import { COLLECTIONS } from '@tthc/contracts';
import { requireEnv, uniqueName, withDatabase } from '@tthc/testkit';
import { main } from '../src/cli/calendar-apply.cli';

const run = promisify(execFile);
const BUILT = join(__dirname, '..', 'dist', 'cli', 'calendar-apply.cli.js');
const mongoUrl = withDatabase(requireEnv('MONGO_URL'), uniqueName('wf-cli'));

afterAll(async () => {
  const conn = await mongoose.createConnection(mongoUrl).asPromise();
  await conn.dropDatabase();
  await conn.close();
});

describe('calendar:apply', () => {
  test('when the built command is run twice with the same file, then the version is stored once and the second run says it is active', async () => {
    // `npm test` builds the workspace first; a bare jest run after a build finds it too.
    expect(existsSync(BUILT)).toBe(true);
    const version = loadCalendarFile(DEFAULT_CALENDAR_PATH).version;
    const env = { ...process.env, MONGO_URL: mongoUrl };
    const first = await run(process.execPath, [BUILT, DEFAULT_CALENDAR_PATH], { env });
    expect(first.stdout).toContain(`applied calendar vn-civil-service version ${version}`);
    const second = await run(process.execPath, [BUILT, DEFAULT_CALENDAR_PATH], { env });
    expect(second.stdout).toContain('is already active');

    const conn = await mongoose.createConnection(mongoUrl).asPromise();
    try {
      const docs = await conn.collection(COLLECTIONS.calendars).find({}).toArray();
      expect(docs.map((d) => [d['calendarId'], d['version']])).toEqual([['vn-civil-service', version]]);
      // One audit entry: the second run changed nothing.
      const audits = await conn.collection(COLLECTIONS.auditLog).find({ action: 'calendar.applied' }).toArray();
      const years = Object.values(loadCalendarFile(DEFAULT_CALENDAR_PATH).file.years);
      expect(audits).toEqual([
        expect.objectContaining({
          actor: `cli:${userInfo().username}`,
          role: 'operator',
          target: `vn-civil-service@${version}`,
          agencyCode: null,
          details: expect.objectContaining({ calendarId: 'vn-civil-service', version, years: years.length, daysOff: years.reduce((n, y) => n + (y.daysOff?.length ?? 0), 0) }),
        }),
      ]);
      expect(audits[0]?.['at']).toBeInstanceOf(Date);
    } finally {
      await conn.close();
    }
  });

  test('when the file does not exist or arguments are wrong, then it exits 2 with the problem on stderr', async () => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (l: string) => err.push(l), env: { MONGO_URL: mongoUrl } };
    expect(await main([], io)).toBe(2);
    expect(await main(['a.json', 'b.json'], io)).toBe(2);
    expect(await main(['--force', 'a.json'], io)).toBe(2);
    expect(await main([join(__dirname, 'no-such-calendar.json')], io)).toBe(2);
    expect(err.filter((l) => l.startsWith('error:'))).toEqual(['error: missing FILE', 'error: one FILE at a time', 'error: unknown option --force', expect.stringContaining('no-such-calendar.json')]);
  });
});
