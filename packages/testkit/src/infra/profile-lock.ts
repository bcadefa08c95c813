import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../wait-for';

/**
 * One test file at a time may drive an infra profile it stops and starts (`cluster`, `outage`):
 * two files killing brokers under each other (jest runs files in parallel workers) would make
 * both meaningless, or fail them outright when one deletes the other's broker data. The lock is
 * a file holding the owner's pid, in .data beside the profile's state so a fresh start does not
 * delete it; a dead owner's lock is taken over. Returns the release.
 */
export async function acquireProfileLock(root: string, profile: string, log: (line: string) => void = () => undefined): Promise<() => void> {
  const dir = join(root, '.data');
  const path = join(dir, `${profile}.lock`);
  mkdirSync(dir, { recursive: true });
  let announced = false;
  await waitFor(
    `the ${profile} lock (.data/${profile}.lock) to be free`,
    () => {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number(readFileSync(path, 'utf8').trim());
      // The same process (a jest worker running the next file) or a dead one: take it over.
      if (!Number.isInteger(holder) || holder <= 0 || holder === process.pid || !processAlive(holder)) {
        rmSync(path, { force: true });
        return false;
      }
      if (!announced) log(`[testkit] the ${profile} profile is in use by pid ${holder}; waiting`);
      announced = true;
      return false;
    },
    // The fault suite may hold the cluster for a quarter of an hour.
    { timeoutMs: 35 * 60_000, intervalMs: 500 },
  );
  return () => {
    try {
      if (Number(readFileSync(path, 'utf8').trim()) === process.pid) rmSync(path, { force: true });
    } catch {
      // Already gone: nothing to release.
    }
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
