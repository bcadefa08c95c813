import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DASHBOARD_CONTEXT } from './first-complete-paint.cjs';

export const ROOT = path.resolve(__dirname, '../../..');
export const ARTIFACTS = path.join(ROOT, '.data/artifacts');

/**
 * The Chromium the test drives: Debian's package, installed by scripts/install-browser.sh when
 * missing (so `npm test` on a fresh machine needs nothing else). When it cannot be installed
 * the error says why and the test fails; a browser test that silently skips proves nothing.
 */
export function ensureChromium(): string {
  const run = spawnSync('bash', [path.join(ROOT, 'scripts/install-browser.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
  // The installer's progress (apt output included) stays visible in the test log.
  if (run.stderr) process.stderr.write(run.stderr);
  const executable = (run.stdout ?? '').trim().split('\n').pop() ?? '';
  if (run.status === 0 && executable && existsSync(executable)) return executable;
  const reason = run.error?.message ?? (run.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? `exit status ${run.status}`;
  throw new Error(
    `Chromium is needed for the dashboard browser test and could not be installed: ${reason} ` +
      '(Debian: apt-get install -y chromium, or point CHROMIUM_PATH at a Chrome/Chromium executable).',
  );
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  const args = ['--disable-dev-shm-usage'];
  // Chromium refuses to run its sandbox as root, which is how CI containers run.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath, args, headless: true });
}

/**
 * A page as the reform office sees the dashboard (Vietnamese locale, Hà Nội time, a laptop's
 * viewport); every script error and console error lands in `errors`, which tests expect empty.
 */
export async function openDashboardPage(browser: Browser, errors: string[], options: { acceptDownloads?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ ...DASHBOARD_CONTEXT, acceptDownloads: options.acceptDownloads ?? false });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return page;
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/**
 * The simulator reads @tthc/calendar from its build; jest reads sources, so the build may be
 * missing when only jest runs (npm test builds first).
 */
export function ensureCalendarBuild(): void {
  if (existsSync(path.join(ROOT, 'packages/calendar/dist/index.js'))) return;
  execFileSync('npx', ['turbo', 'run', 'build', '--filter=@tthc/calendar', '--output-logs=errors-only'], { cwd: ROOT, stdio: 'inherit', timeout: 5 * 60_000 });
}

export interface SimulatorRun {
  code: number | null;
  output: string;
  accepted: number;
  duplicate: number;
  errors: number;
}

/** Runs scripts/simulate-portals.mjs as a separate process, the way an operator would. */
export function runSimulator(env: { INTAKE_URL: string; API_KEY: string }, args: string[]): Promise<SimulatorRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/simulate-portals.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /accepted (\d+), duplicate (\d+), errors (\d+)/.exec(output);
      resolve({ code, output, accepted: Number(m?.[1] ?? NaN), duplicate: Number(m?.[2] ?? NaN), errors: Number(m?.[3] ?? NaN) });
    });
  });
}
