import type { ChildProcess } from 'node:child_process';

/** The exit code of a service whose configuration is invalid (runService): a restart cannot heal it. */
export const EX_CONFIG = 78;

export interface RestartPolicy {
  /** Wait before the first restart after a healthy run; doubled for each crash that follows soon. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A process that ran this long was healthy: its crash waits `firstDelayMs` again. */
  stableAfterMs: number;
}

/** docker-compose's `restart: unless-stopped` also backs off, doubling, up to about a minute. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { firstDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisorOptions {
  name: string;
  /** Spawns the process (and wires its output); called again for every restart. */
  start(): ChildProcess;
  /** Asked at each exit; false hands the exit to `onGiveUp` (a launcher still starting fails fast). */
  restartWhen(): boolean;
  onGiveUp(exit: ProcessExit): void;
  /** Called after every restart's spawn, with the number of restarts so far. */
  onRestarted?(restarts: number): void;
  log(message: string): void;
  policy?: RestartPolicy;
  now?: () => number;
}

export interface Supervisor {
  /** The process running now (the latest one started). */
  readonly child: ChildProcess;
  readonly restarts: number;
  /** Stops the process and every restart still to come; SIGKILL after `forceAfterMs`. */
  stop(signal?: NodeJS.Signals, forceAfterMs?: number): Promise<void>;
}

/** The wait before a restart when `quickCrashes` crashes came soon after their starts. */
export function restartDelay(quickCrashes: number, policy: RestartPolicy): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** quickCrashes);
}

/**
 * Keeps one process running as the production supervisor would: a process that dies (kill -9, an
 * uncaught error, the OOM killer) is started again after a back-off, so a crash delays its work
 * instead of taking the whole stack down with it. Its consumers rejoin their groups and read on
 * from the committed offsets, and its timers are reconciled at start, so nothing is lost.
 * An invalid configuration (exit 78) is never retried.
 */
export function supervise(opts: SupervisorOptions): Supervisor {
  const policy = opts.policy ?? DEFAULT_RESTART_POLICY;
  const now = opts.now ?? Date.now;
  let child!: ChildProcess;
  let startedAt = 0;
  let stopping = false;
  let restarts = 0;
  let quickCrashes = 0;
  let pending: NodeJS.Timeout | null = null;

  const launch = () => {
    const current = opts.start();
    child = current;
    startedAt = now();
    current.on('error', (err) => opts.log(`${opts.name}: ${err.message}`));
    current.once('exit', (code, signal) => onExit(current, { code, signal }));
  };

  const onExit = (current: ChildProcess, exit: ProcessExit) => {
    if (stopping || current !== child) return;
    if (exit.code === EX_CONFIG || !opts.restartWhen()) {
      opts.onGiveUp(exit);
      return;
    }
    if (now() - startedAt >= policy.stableAfterMs) quickCrashes = 0;
    const delay = restartDelay(quickCrashes, policy);
    quickCrashes += 1;
    restarts += 1;
    opts.log(`${opts.name} exited (${exit.signal ?? exit.code}); starting it again in ${delay} ms (restart ${restarts})`);
    pending = setTimeout(() => {
      pending = null;
      if (stopping) return;
      launch();
      opts.onRestarted?.(restarts);
    }, delay);
  };

  launch();
  return {
    get child() {
      return child;
    },
    get restarts() {
      return restarts;
    },
    async stop(signal = 'SIGTERM', forceAfterMs = 15_000) {
      stopping = true;
      if (pending) clearTimeout(pending);
      pending = null;
      const c = child;
      if (c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => c.kill('SIGKILL'), forceAfterMs);
        c.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        c.kill(signal);
      });
    },
  };
}
