import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

import mongoose, { type Connection } from 'mongoose';
import { createAuditLog } from '@tthc/platform';

import { SAMPLE_CATALOG_CSV_PATH, SAMPLE_CATALOG_PATH } from '../catalog-file.loader';
import { PROCEDURES_COLLECTION } from '../procedure.repository';
import { testMongoUrl, uniqueDatabaseName, withDatabase } from '../test-support/test-mongo';
import { DEV_MONGO_URL, main, redactUrl, type ImportCliIo } from './import-catalog';

const PACKAGE_DIR = join(__dirname, '..', '..');
const ROOT = join(PACKAGE_DIR, '..', '..');

interface Run {
  readonly status: number;
  readonly stdout: string[];
  readonly stderr: string[];
}

async function run(argv: string[], io: Partial<ImportCliIo> = {}): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await main(argv, { env: {}, ...io, stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) });
  return { status, stdout, stderr };
}

function writeTemp(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tthc-catalog-cli-')), name);
  writeFileSync(path, content);
  return path;
}

const SAMPLE_LABEL_WARNING = expect.stringMatching(/^warning: label: this catalog is labelled "sample"/);

describe('catalog:import main() in-process', () => {
  test('when --help is asked, then the usage goes to stdout with exit status 0', async () => {
    const result = await run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout[0]).toBe('Usage: npm run catalog:import -- FILE [--dry-run]');
  });

  test.each([
    [[], 'error: missing FILE'],
    [['a.json', 'b.json'], 'error: one FILE at a time, got 2'],
    [['--force', 'a.json'], 'error: unknown option --force'],
  ])('when the arguments are %p, then it exits 2 with %s', async (argv, message) => {
    const result = await run(argv);
    expect(result).toMatchObject({ status: 2, stdout: [] });
    expect(result.stderr[0]).toBe(message);
  });

  test('when the file is invalid, then every error names its field, nothing is imported and the exit status is 2', async () => {
    const bad = JSON.parse(readFileSync(SAMPLE_CATALOG_PATH, 'utf8')) as { procedures: { processingTime: { unit: string } }[]; version?: string };
    (bad.procedures[3] as { processingTime: { unit: string } }).processingTime.unit = 'ngày';
    delete bad.version;
    const path = writeTemp('bad.json', JSON.stringify(bad));
    let connected = false;
    const result = await run([path], { connect: async () => ((connected = true), Promise.reject(new Error('unused'))) });
    expect(result.status).toBe(2);
    expect(result.stderr).toEqual([
      'error: version: is required',
      'error: procedures[3].processingTime.unit: must be one of working-day, working-hour, calendar-day',
      `invalid catalog ${path}: 2 error(s); nothing imported`,
    ]);
    expect(connected).toBe(false);
  });

  test('when a CSV file is invalid, then the error also names the CSV line', async () => {
    const path = writeTemp('bad.csv', 'catalogId,version,code,name,field,level,amount,unit,legalBasis\nx,1,1.001193,Khai sinh,Hộ tịch,huyện,0,working-day,Luật 60/2014/QH13\n');
    const result = await run([path, '--dry-run']);
    expect(result.status).toBe(2);
    expect(result.stderr[0]).toBe('error: procedures[0].level: must be one of province, commune, ministry (there is no district level since 01/7/2025) (CSV line 2)');
  });

  test('when --dry-run is given, then the file is validated, warnings printed and MongoDB never contacted', async () => {
    let connected = false;
    const result = await run([SAMPLE_CATALOG_PATH, '--dry-run'], { connect: async () => ((connected = true), Promise.reject(new Error('unused'))) });
    expect(result).toEqual({
      status: 0,
      stdout: [`valid: 10 procedures from ${SAMPLE_CATALOG_PATH} (catalog vn-sample version 2026.1); dry run, nothing imported`],
      stderr: [SAMPLE_LABEL_WARNING],
    });
    expect(connected).toBe(false);
  });

  test('when FILE is relative, then it is read from the directory npm was started in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tthc-catalog-cwd-'));
    copyFileSync(SAMPLE_CATALOG_CSV_PATH, join(dir, 'three.csv'));
    const result = await run(['--dry-run', 'three.csv'], { env: { INIT_CWD: dir } });
    expect(result.stdout).toEqual(['valid: 3 procedures from three.csv (catalog vn-sample version 2026.1); dry run, nothing imported']);
  });

  test('when MONGO_URL is unset, then the dev stack is used and a note says so', async () => {
    const urls: string[] = [];
    const result = await run([SAMPLE_CATALOG_PATH], { connect: async (url) => (urls.push(url), Promise.reject(new Error('connect ECONNREFUSED'))) });
    expect(urls).toEqual([DEV_MONGO_URL]);
    expect(result.stderr).toContain(`note: MONGO_URL is not set; importing into the dev stack at ${DEV_MONGO_URL}`);
  });

  test('when MongoDB cannot be reached, then the exit status is 1 and the password is not printed', async () => {
    const result = await run([SAMPLE_CATALOG_PATH], {
      env: { MONGO_URL: 'mongodb://tthc:s3cret@127.0.0.1:1/tthc' },
      connect: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')),
    });
    expect(result.status).toBe(1);
    expect(result.stderr.at(-1)).toBe('error: the import into mongodb://tthc:***@127.0.0.1:1/tthc failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(result.stderr.join('\n')).not.toMatch(/s3cret/);
    expect(redactUrl('not a url')).toBe('(MONGO_URL is not a valid URL)');
  });

  describe('with MongoDB', () => {
    let url: string;
    let conn: Connection;

    beforeAll(async () => {
      url = withDatabase(await testMongoUrl(), uniqueDatabaseName('catalog_cli'));
      conn = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
    }, 10 * 60_000);

    afterAll(async () => {
      await conn?.dropDatabase().catch(() => undefined);
      await conn?.close();
    });

    test('when a valid file is imported twice, then the summary counts inserts, then unchanged procedures', async () => {
      const first = await run([SAMPLE_CATALOG_PATH], { env: { MONGO_URL: url } });
      expect(first).toEqual({
        status: 0,
        stdout: [`imported 10 procedures from ${SAMPLE_CATALOG_PATH} (catalog vn-sample version 2026.1): inserted 10, updated 0, unchanged 0`],
        stderr: [SAMPLE_LABEL_WARNING],
      });
      const second = await run([SAMPLE_CATALOG_CSV_PATH], { env: { MONGO_URL: url } });
      expect(second.stdout).toEqual([
        `imported 3 procedures from ${SAMPLE_CATALOG_CSV_PATH} (catalog vn-sample version 2026.1): inserted 0, updated 0, unchanged 3`,
      ]);
      expect(await conn.collection(PROCEDURES_COLLECTION).countDocuments()).toBe(10);

      const audits = await createAuditLog(conn).list({ scope: { agencies: '*', agencyPrefixes: [] }, action: 'catalog.imported', page: 1, pageSize: 10 });
      const entry = (file: string, inserted: number, unchanged: number, procedures: number) =>
        expect.objectContaining({
          actor: `cli:${userInfo().username}`,
          role: 'operator',
          target: 'vn-sample@2026.1',
          agencyCode: null,
          details: { catalogId: 'vn-sample', version: '2026.1', file, procedures, inserted, updated: 0, unchanged },
        });
      expect(audits.total).toBe(2);
      expect(audits.items).toEqual(expect.arrayContaining([entry(SAMPLE_CATALOG_CSV_PATH, 0, 3, 3), entry(SAMPLE_CATALOG_PATH, 10, 0, 10)]));
    });

    test('when --dry-run is given against a reachable MongoDB, then no audit entry is written', async () => {
      const before = (await createAuditLog(conn).list({ scope: { agencies: '*', agencyPrefixes: [] }, action: 'catalog.imported', page: 1, pageSize: 10 })).total;
      expect((await run([SAMPLE_CATALOG_PATH, '--dry-run'], { env: { MONGO_URL: url } })).status).toBe(0);
      expect((await createAuditLog(conn).list({ scope: { agencies: '*', agencyPrefixes: [] }, action: 'catalog.imported', page: 1, pageSize: 10 })).total).toBe(before);
    });
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

describe('catalog:import as a process', () => {
  const BUILT = join(PACKAGE_DIR, 'dist', 'cli', 'import-catalog.js');

  beforeAll(() => {
    // The command runs from the build (and so do the packages it imports); rebuild when stale.
    if (!existsSync(BUILT) || statSync(BUILT).mtimeMs < newestMtime(join(PACKAGE_DIR, 'src'))) {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--filter=@tthc/catalog', '--output-logs=errors-only'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
  }, 5 * 60_000);

  const spawn = (...args: string[]) =>
    spawnSync(process.execPath, [BUILT, ...args], { encoding: 'utf8', cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });

  test('when the built command validates the sample with --dry-run, then it prints the summary and exits 0', () => {
    const result = spawn(SAMPLE_CATALOG_PATH, '--dry-run');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`valid: 10 procedures from ${SAMPLE_CATALOG_PATH} (catalog vn-sample version 2026.1); dry run, nothing imported\n`);
    expect(result.stderr).toMatch(/^warning: label: this catalog is labelled "sample"/);
  });

  test('when the built command is given a file it cannot use, then it exits 2', () => {
    const result = spawn(writeTemp('catalog.json', '{"catalogId": "x", "version": "1", "procedures": [{}]}'), '--dry-run');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: procedures\[0\]\.code: is required$/m);
  });
});
