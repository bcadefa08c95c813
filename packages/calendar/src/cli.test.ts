import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_CALENDAR_PATH, defaultCalendar } from './calendar-files';
import { main } from './cli';

const PACKAGE_DIR = join(__dirname, '..');
const BIN = join(PACKAGE_DIR, 'bin', 'tthc-calendar.js');
const CALENDAR = DEFAULT_CALENDAR_PATH;

interface Run {
  readonly status: number;
  readonly stdout: string[];
  readonly stderr: string[];
}

function run(...argv: string[]): Run {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = main(argv, { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) });
  return { status, stdout, stderr };
}

function writeTemp(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tthc-calendar-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('tthc-calendar main() in-process', () => {
  test('when due is asked with the docs/calendar.md example, then it prints 2026-02-25T14:00:00+07:00 and exits 0', () => {
    const result = run('due', '--calendar', CALENDAR, '--from', '2026-02-13T14:00:00+07:00', '--amount', '3', '--unit', 'working-day');
    expect(result).toEqual({ status: 0, stdout: ['2026-02-25T14:00:00+07:00'], stderr: [] });
  });

  test.each([
    [['--from', '2026-01-09T16:00:00+07:00', '--amount', '1', '--unit', 'working-day'], '2026-01-10T16:00:00+07:00'],
    [['--from', '2026-03-02T15:30:00+07:00', '--amount', '0', '--unit', 'working-day', '--cutoff', '15:00'], '2026-03-03T17:00:00+07:00'],
    [['--from', '2026-03-02T12:30:00+07:00', '--amount', '4', '--unit', 'working-hour'], '2026-03-02T17:00:00+07:00'],
    [['--from=2026-08-28T03:00:00Z', '--amount=1', '--unit=working-day'], '2026-09-03T10:00:00+07:00'],
    [['--from', '2026-02-10T10:00:00+07:00', '--amount', '7', '--unit', 'calendar-day'], '2026-02-23T17:00:00+07:00'],
    [['--from', '2026-03-02T11:45:00+07:00', '--amount', '0.5', '--unit', 'working-hour'], '2026-03-02T13:15:00+07:00'],
  ])('when due is asked with %p, then it prints %s', (args, expected) => {
    expect(run('due', '--calendar', CALENDAR, ...args)).toEqual({ status: 0, stdout: [expected], stderr: [] });
  });

  test('when between is asked, then it prints whole working minutes', () => {
    const result = run('between', '--calendar', CALENDAR, '--from', '2026-02-13T16:00:00+07:00', '--to', '2026-02-23T09:00:00+07:00');
    expect(result).toEqual({ status: 0, stdout: ['120'], stderr: [] });
    expect(run('between', '--calendar', CALENDAR, '--from', '2026-03-02T10:00:00+07:00', '--to', '2026-03-02T10:01:30+07:00').stdout).toEqual(['1']);
  });

  test('when is-working-day is asked, then it prints true or false', () => {
    expect(run('is-working-day', '--calendar', CALENDAR, '--date', '2026-01-10')).toEqual({ status: 0, stdout: ['true'], stderr: [] });
    expect(run('is-working-day', '--calendar', CALENDAR, '--date', '2026-02-17')).toEqual({ status: 0, stdout: ['false'], stderr: [] });
  });

  test('when a file is validated, then it prints ok with the id and version', () => {
    expect(run('validate', CALENDAR)).toEqual({ status: 0, stdout: [`ok vn-civil-service ${defaultCalendar().version}`], stderr: [] });
  });

  test('when the answer uses a provisional year, then it still prints the answer but warns on stderr', () => {
    const result = run('due', '--calendar', CALENDAR, '--from', '2026-12-31T10:00:00+07:00', '--amount', '1', '--unit', 'working-day');
    expect(result.status).toBe(0);
    expect(result.stdout).toEqual(['2027-01-04T10:00:00+07:00']);
    expect(result.stderr).toEqual([expect.stringMatching(/^warning: uncertain answer: it uses dates of 2027 \(provisional\)/)]);
  });

  test('when the answer uses a year missing from the file, then it warns on stderr', () => {
    const result = run('is-working-day', '--calendar', CALENDAR, '--date', '2031-09-02');
    expect(result).toMatchObject({ status: 0, stdout: ['true'] });
    expect(result.stderr[0]).toMatch(/2031 \(not in the file\)/);
    const between = run('between', '--calendar', CALENDAR, '--from', '2026-12-31T08:00:00+07:00', '--to', '2031-01-01T00:00:00+07:00');
    expect(between.stderr[0]).toMatch(/2027 \(provisional\), 2028 \(not in the file\), 2029 \(not in the file\), 2030 \(not in the file\)/);
  });

  test.each([
    ['no command', [], /^Usage:/],
    ['an unknown command', ['add', '--calendar', CALENDAR], /unknown command "add"/],
    ['a missing --unit', ['due', '--calendar', CALENDAR, '--from', '2026-03-02T10:00:00+07:00', '--amount', '1'], /missing --unit/],
    ['a bad unit', ['due', '--calendar', CALENDAR, '--from', '2026-03-02T10:00:00+07:00', '--amount', '1', '--unit', 'day'], /--unit must be one of/],
    ['a negative amount', ['due', '--calendar', CALENDAR, '--from', '2026-03-02T10:00:00+07:00', '--amount', '-1', '--unit', 'working-day'], /--amount must be a non-negative number/],
    ['an amount that is not a number', ['due', '--calendar', CALENDAR, '--from', '2026-03-02T10:00:00+07:00', '--amount', 'three', '--unit', 'working-day'], /--amount must be/],
    ['an instant without offset', ['due', '--calendar', CALENDAR, '--from', '2026-03-02T10:00', '--amount', '1', '--unit', 'working-day'], /from: "2026-03-02T10:00" is not an ISO 8601 instant with an offset/],
    ['a date that is not real', ['is-working-day', '--calendar', CALENDAR, '--date', '2026-02-29'], /date: "2026-02-29" is not a real date/],
    ['a bad cut-off', ['due', '--calendar', CALENDAR, '--from', '2026-03-02T10:00:00+07:00', '--amount', '1', '--unit', 'working-day', '--cutoff', '3pm'], /cutoff: "3pm" is not a clock time/],
    ['an option of another command', ['between', '--calendar', CALENDAR, '--from', '2026-03-02T10:00:00+07:00', '--to', '2026-03-03T10:00:00+07:00', '--unit', 'x'], /between does not take --unit/],
    ['a missing calendar file', ['is-working-day', '--calendar', '/nonexistent/calendar.json', '--date', '2026-03-02'], /cannot read calendar file \/nonexistent\/calendar.json/],
    ['a flag without value', ['is-working-day', '--calendar', CALENDAR, '--date'], /--date needs a value/],
  ])('when given %s, then it exits 2 with an error on stderr and nothing on stdout', (_what, argv, message) => {
    const result = run(...(argv as string[]));
    expect(result.status).toBe(2);
    expect(result.stdout).toEqual([]);
    expect(result.stderr.join('\n')).toMatch(message);
  });

  test('when the calendar file is invalid, then every issue is printed naming its field and it exits 2', () => {
    const path = writeTemp(
      'bad.json',
      JSON.stringify({ id: 'bad', timezone: 'Asia/Ho_Chi_Minh', weekendDays: [6, 7], workingHours: [['13:00', '17:00'], ['08:00', '12:00']], years: { '2026': { status: 'final' } } }),
    );
    const validate = run('validate', path);
    expect(validate.status).toBe(2);
    expect(validate.stderr).toEqual([
      'tthc-calendar: invalid calendar: workingHours[1]: periods overlap or are out of order',
      'tthc-calendar: invalid calendar: years.2026.status: must be "confirmed" or "provisional" (got "final")',
    ]);
    expect(run('due', '--calendar', path, '--from', '2026-03-02T10:00:00+07:00', '--amount', '1', '--unit', 'working-day')).toMatchObject({
      status: 2,
      stdout: [],
    });
    expect(run('validate', writeTemp('syntax.json', '{')).stderr[0]).toMatch(/invalid calendar: \(file\): not valid JSON/);
  });

  test('when --help is given, then the usage goes to stdout with exit 0', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout[0]).toContain('tthc-calendar due --calendar FILE --from ISO --amount N --unit working-day|working-hour|calendar-day [--cutoff HH:MM]');
  });
});

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

describe('tthc-calendar as a process', () => {
  beforeAll(() => {
    // The command runs from the build; rebuild when it is missing or older than the sources.
    const built = join(PACKAGE_DIR, 'dist', 'cli.js');
    if (!existsSync(built) || statSync(built).mtimeMs < newestMtime(join(PACKAGE_DIR, 'src'))) {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(PACKAGE_DIR, 'tsconfig.json')], { stdio: 'inherit' });
    }
  }, 120_000);

  const spawn = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

  test('when the docs/calendar.md example is run, then stdout is exactly the due instant and the exit status 0', () => {
    const result = spawn('due', '--calendar', CALENDAR, '--from', '2026-02-13T14:00:00+07:00', '--amount', '3', '--unit', 'working-day');
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: '2026-02-25T14:00:00+07:00\n',
      stderr: '',
    });
  });

  test('when the input is bad, then the process exits 2 with the error on stderr', () => {
    const result = spawn('due', '--calendar', CALENDAR, '--from', 'yesterday', '--amount', '1', '--unit', 'working-day');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/from: "yesterday" is not an ISO 8601 instant/);
  });

  test('when the answer is uncertain, then the process warns on stderr and exits 0', () => {
    const result = spawn('is-working-day', '--calendar', CALENDAR, '--date', '2027-05-03');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('false\n');
    expect(result.stderr).toMatch(/^warning: uncertain answer/);
  });

  test('when the package has not been built, then the launcher says to build and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tthc-calendar-unbuilt-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(BIN, join(dir, 'bin', 'tthc-calendar.js'));
    const result = spawnSync(process.execPath, [join(dir, 'bin', 'tthc-calendar.js'), '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/run npm run build first/);
  });
});
