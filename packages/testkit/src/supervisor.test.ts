import { spawn, type ChildProcess } from 'node:child_process';
import { EX_CONFIG, restartDelay, supervise, type ProcessExit, type Supervisor } from './supervisor';
import { sleep, waitFor } from './wait-for';

// Real processes: what a supervisor has to survive is the operating system's view of a death.
const node = (code: string) => () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
const RUNS = node('setInterval(() => {}, 1000)');
const CRASHES = node('process.exit(1)');
const QUICK = { firstDelayMs: 10, maxDelayMs: 40, stableAfterMs: 60_000 };

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

describe('supervise', () => {
  const started: Supervisor[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop('SIGKILL')));
  });

  function run(start: () => ChildProcess, over: { restartWhen?: () => boolean; now?: () => number; policy?: typeof QUICK } = {}) {
    const logs: string[] = [];
    const gaveUp: ProcessExit[] = [];
    const restarted: number[] = [];
    const s = supervise({
      name: 'svc',
      start,
      restartWhen: over.restartWhen ?? (() => true),
      onGiveUp: (exit) => gaveUp.push(exit),
      onRestarted: (n) => restarted.push(n),
      log: (m) => logs.push(m),
      policy: over.policy ?? QUICK,
      now: over.now,
    });
    started.push(s);
    return { s, logs, gaveUp, restarted };
  }

  test('when a running process is killed with SIGKILL, then a new one is started and runs', async () => {
    const { s, logs, restarted } = run(RUNS);
    const first = s.child;
    await waitFor('the first process to have a pid', () => first.pid !== undefined);
    process.kill(first.pid!, 'SIGKILL');
    await waitFor('a second process', () => s.restarts === 1 && s.child !== first && alive(s.child));
    expect(s.child.pid).not.toBe(first.pid);
    expect(restarted).toEqual([1]);
    expect(logs).toEqual(['svc exited (SIGKILL); starting it again in 10 ms (restart 1)']);
  });

  test('when it is stopped, then the process ends and no restart follows', async () => {
    const { s, gaveUp } = run(RUNS);
    const child = s.child;
    await s.stop();
    expect(child.signalCode).toBe('SIGTERM');
    // Longer than any restart delay of the policy: a restart would have happened by now.
    await sleep(QUICK.maxDelayMs * 3);
    expect(s.child).toBe(child);
    expect(s.restarts).toBe(0);
    expect(gaveUp).toEqual([]);
  });

  test('when a process keeps crashing soon after it starts, then each wait doubles up to the cap', async () => {
    const { s, logs } = run(CRASHES);
    await waitFor('five restarts', () => s.restarts >= 5, { timeoutMs: 30_000 });
    await s.stop();
    const delays = logs.slice(0, 5).map((m) => Number(/in (\d+) ms/.exec(m)?.[1]));
    expect(delays).toEqual([10, 20, 40, 40, 40]);
    expect(logs[0]).toBe('svc exited (1); starting it again in 10 ms (restart 1)');
  });

  test('when crashes follow one another, then the delay doubles from the first up to the cap', () => {
    expect([0, 1, 2, 3].map((n) => restartDelay(n, QUICK))).toEqual([10, 20, 40, 40]);
  });

  test('when a process crashes after a run long enough to count as healthy, then the back-off starts over', async () => {
    // The supervisor reads the clock once at each start and once at each exit: the third process
    // (reads 5 and 6) is the one that "ran" for stableAfterMs.
    let reads = 0;
    const { s, logs } = run(CRASHES, { now: () => (++reads >= 6 ? QUICK.stableAfterMs : 0) });
    await waitFor('four restarts', () => s.restarts >= 4, { timeoutMs: 30_000 });
    await s.stop();
    const delays = logs.slice(0, 4).map((m) => Number(/in (\d+) ms/.exec(m)?.[1]));
    expect(delays).toEqual([10, 20, 10, 20]);
  });

  test('when restarts are not wanted (still starting), then the exit is handed over and nothing restarts', async () => {
    const { s, gaveUp } = run(CRASHES, { restartWhen: () => false });
    await waitFor('the exit to be handed over', () => gaveUp.length === 1);
    await sleep(QUICK.maxDelayMs * 3);
    expect(gaveUp).toEqual([{ code: 1, signal: null }]);
    expect(s.restarts).toBe(0);
  });

  test('when a process exits with the configuration error code, then it is never restarted', async () => {
    const { s, gaveUp } = run(node(`process.exit(${EX_CONFIG})`));
    await waitFor('the exit to be handed over', () => gaveUp.length === 1);
    await sleep(QUICK.maxDelayMs * 3);
    expect(gaveUp).toEqual([{ code: EX_CONFIG, signal: null }]);
    expect(s.restarts).toBe(0);
  });
});
