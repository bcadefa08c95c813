import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { acquireProfileLock } from './profile-lock';
import { findRepoRoot } from './resolve-endpoints';

export interface OutageBroker {
  brokers: string;
  /** Stops the broker process; its data stays on disk. */
  stop(): Promise<void>;
  /** Starts it again on the same data and port. */
  start(): Promise<void>;
  /**
   * Suspends the broker process (SIGSTOP): its port still accepts connections (the kernel's
   * backlog) but nothing answers, as with a broker stalled by a collector or an overloaded host.
   */
  freeze(): void;
  /** Resumes a frozen broker (SIGCONT). */
  thaw(): void;
  /** Stops it and deletes its data. */
  dispose(): Promise<void>;
}

function infra(root: string, cmd: 'up' | 'down'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(root, 'infra/local/infra.sh'), cmd, 'outage'], {
      cwd: root,
      env: { ...process.env, INFRA_COMPONENTS: 'kafka' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`infra.sh ${cmd} outage failed (${code}):\n${stderr}`))));
  });
}

/**
 * A Kafka broker of the test's own (local processes only), for tests that take Kafka away
 * and bring it back. The shared test broker is never stopped, so other suites keep running.
 */
export async function startOutageBroker(): Promise<OutageBroker> {
  const root = findRepoRoot();
  // Held until dispose: two files sharing the one outage broker stopped and wiped it under each other.
  const release = await acquireProfileLock(root, 'outage', (line) => process.stderr.write(`${line}\n`));
  try {
    await infra(root, 'down');
    rmSync(join(root, '.data/outage'), { recursive: true, force: true });
    await infra(root, 'up');
  } catch (err) {
    release();
    throw err;
  }
  const signal = (sig: NodeJS.Signals) => process.kill(Number(readFileSync(join(root, '.data/outage/kafka.pid'), 'utf8').trim()), sig);
  return {
    brokers: '127.0.0.1:31092',
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    stop: () => infra(root, 'down'),
    start: () => infra(root, 'up'),
    async dispose() {
      try {
        // A frozen broker cannot shut down.
        try {
          signal('SIGCONT');
        } catch {
          // Already gone.
        }
        await infra(root, 'down');
        rmSync(join(root, '.data/outage'), { recursive: true, force: true });
      } finally {
        release();
      }
    },
  };
}
