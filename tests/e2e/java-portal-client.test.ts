/**
 * Many one-stop systems are written in Java. The example in examples/java-portal-client posts a
 * reception in binary content mode and a resolution in structured mode with the CloudEvents Java
 * SDK from Maven Central; here it is built with Maven and run as a portal would run it, against
 * intake of the in-process stack, and the dossier must come out of workflow's store and the
 * reporting API received and then resolved.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { COLLECTIONS } from '@tthc/contracts';
import { dossierCode, waitFor } from '@tthc/testkit';
import { OTHER_PORTAL_KEY, PORTAL_KEY, getJson, startStack, type Stack } from './support/stack';

const EXAMPLE_DIR = join(__dirname, '../../examples/java-portal-client');
const JAR = join(EXAMPLE_DIR, 'target/java-portal-client.jar');
const SOURCE = 'urn:portal:java-example';
// A cold ~/.m2 downloads Maven's plugins and the SDK first (7–17 s here, minutes on a slow link).
const BUILD_TIMEOUT_MS = 5 * 60_000;

const progress = (line: string) => process.stderr.write(`[java-portal-client] ${line}\n`);

interface Run {
  code: number | null;
  stdout: string[];
  stderr: string;
}

/** Runs a command without blocking the event loop: the services answering it live in this process. */
function run(command: string, args: string[], opts: { cwd?: string; timeoutMs: number; onLine?: (line: string) => void }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let seen = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      // Whole lines only: a chunk may end in the middle of one.
      const end = out.lastIndexOf('\n') + 1;
      if (opts.onLine && end > seen) for (const line of out.slice(seen, end).split('\n')) opts.onLine(line);
      seen = Math.max(seen, end);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out.split('\n').filter((l) => l.length > 0), stderr: err });
    });
  });
}

/** Fails, never skips, when a tool is missing: the example is part of what this project ships. */
function requireTool(command: string, versionArg: string, hint: string) {
  const probe = spawnSync(command, [versionArg], { stdio: 'ignore' });
  if (probe.error) throw new Error(`${command} is not on PATH (${probe.error.message}): the Java portal example needs it. ${hint}`);
}

async function buildExample() {
  requireTool('mvn', '-v', 'Install Maven 3.6+ (Debian: apt-get install -y maven).');
  requireTool('java', '-version', 'Install JDK 17+ (Debian: apt-get install -y openjdk-17-jdk-headless).');
  const started = Date.now();
  let downloaded = 0;
  progress('building examples/java-portal-client with Maven (the first run downloads plugins and the CloudEvents SDK into ~/.m2) …');
  const heartbeat = setInterval(() => progress(`still building, ${Math.round((Date.now() - started) / 1000)} s, ${downloaded} artifacts downloaded`), 15_000);
  try {
    const build = await run('mvn', ['-B', '-Dstyle.color=never', 'package'], {
      cwd: EXAMPLE_DIR,
      timeoutMs: BUILD_TIMEOUT_MS,
      onLine: (line) => {
        if (line.includes('Downloaded from')) downloaded += 1;
      },
    });
    if (build.code !== 0) {
      throw new Error(`mvn package failed (exit ${build.code}) in ${EXAMPLE_DIR}:\n${build.stdout.slice(-40).join('\n')}\n${build.stderr}`);
    }
  } finally {
    clearInterval(heartbeat);
  }
  progress(`built in ${((Date.now() - started) / 1000).toFixed(1)} s (${downloaded} artifacts downloaded)`);
}

/** What the example printed for one request: `<label> HTTP <status> <intake's body>`. */
function answer(out: Run, label: string): { status: number; body: { results?: Array<{ id: string; source: string; status: string }> } } | undefined {
  const line = out.stdout.find((l) => l.startsWith(`${label} HTTP `));
  const m = line === undefined ? null : /^.* HTTP (\d{3}) (.*)$/.exec(line);
  if (!m) return undefined;
  return { status: Number(m[1]), body: m[2] ? (JSON.parse(m[2]) as { results?: Array<{ id: string; source: string; status: string }> }) : {} };
}

interface StoredDossier {
  history: Array<{ id: string; source: string; type: string; data: Record<string, unknown> }>;
  state: { phase: string; statusCode: number | null; timeliness: string | null };
}

describe('the Java portal client example (CloudEvents Java SDK) against intake', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Built before the stack starts, so its consumers do not sit idle through a cold Maven run.
    await buildExample();
    stack = await startStack();
  }, BUILD_TIMEOUT_MS + 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const runExample = (key: string, code: string) => run('java', ['-jar', JAR, '--intake-url', stack.intakeUrl, '--api-key', key, '--dossier-code', code], { timeoutMs: 30_000 });

  test('when the example posts a reception in binary mode and a resolution in structured mode, then both are accepted and the dossier is stored received and then resolved', async () => {
    const code = dossierCode();
    const out = await runExample(PORTAL_KEY, code);
    expect({ code: out.code, stderr: out.stderr }).toMatchObject({ code: 0 });
    const reception = answer(out, 'reception (binary mode)');
    const resolution = answer(out, 'resolution (structured mode)');
    expect(reception).toEqual({ status: 202, body: { results: [{ id: expect.any(String), source: SOURCE, status: 'accepted' }] } });
    expect(resolution).toEqual({ status: 202, body: { results: [{ id: expect.any(String), source: SOURCE, status: 'accepted' }] } });
    const ids = [reception?.body.results?.[0]?.id, resolution?.body.results?.[0]?.id];

    const stored = await waitFor('the dossier closed in the store', async () => {
      const doc = (await stack.mongo.collection(COLLECTIONS.dossiers).findOne({ _id: code } as never)) as unknown as StoredDossier | null;
      return doc?.state.phase === 'closed' ? doc : undefined;
    });
    const facts = stored.history.filter((f) => f.source === SOURCE);
    expect(facts.map((f) => [f.type, f.id])).toEqual([
      ['vn.tthc.dossier.received', ids[0]],
      ['vn.tthc.dossier.resolved', ids[1]],
    ]);
    expect(facts[0]?.data).toMatchObject({ dossierCode: code, procedureCode: '1.001612', agencyCode: 'G01.001.000' });
    // The example resolves an hour after reception against an appointment three days out.
    expect(stored.state.statusCode).toBe(9);
    expect(stored.state.timeliness).not.toBe('late');

    const view = await getJson(`${stack.reportingUrl}/v1/dossiers/${encodeURIComponent(code)}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ code, agencyCode: 'G01.001.000', procedureCode: '1.001612', status: 'closed', statusCode: 9 });
    const history = (view.body['history'] as Array<{ type: string; id: string; data: Record<string, unknown> }>).filter((h) => ids.includes(h.id));
    expect(history.map((h) => h.type)).toEqual(['vn.tthc.dossier.received', 'vn.tthc.dossier.resolved']);
    // Java's offset date-times arrive as instants intake accepts, in Vietnam time as a portal writes them.
    const received = history[0]?.data ?? {};
    expect(received['receivedAt']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
    expect(Date.parse(String(received['appointmentAt'])) - Date.parse(String(received['receivedAt']))).toBe(3 * 86_400_000);
  });

  test('when the key does not cover the dossier\'s agency, then the example prints intake\'s 403, sends nothing more and exits non-zero', async () => {
    const out = await runExample(OTHER_PORTAL_KEY, dossierCode());
    expect(out.code).toBe(1);
    expect(answer(out, 'reception (binary mode)')?.status).toBe(403);
    expect(answer(out, 'resolution (structured mode)')).toBeUndefined();
    expect(out.stderr).toContain('HTTP 403');
  });
});
