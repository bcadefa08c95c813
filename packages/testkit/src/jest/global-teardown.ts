import { takeInfraHandle } from './infra-handle';

/**
 * Jest globalTeardown: decides whether the infrastructure found by globalSetup is stopped.
 *
 * - Containers (testcontainers) are always stopped: they are per-run and cost memory while idle.
 * - Local processes (infra/local/infra.sh, profile test) keep running on a developer machine, so
 *   the next `jest` reuses them (`up` is idempotent) and starts in well under a second instead of
 *   several seconds. `bash infra/local/infra.sh down test` stops them by hand.
 *   Under CI=true they are stopped, so a CI job leaves no processes behind.
 *   TESTKIT_KEEP_INFRA=1 keeps them even in CI; TESTKIT_KEEP_INFRA=0 stops them locally too.
 * - Endpoints given through the environment are never touched (stop() does nothing for them), and
 *   local processes that were already running before this jest run are left alone by stop().
 */
export default async function globalTeardown(): Promise<void> {
  const endpoints = takeInfraHandle();
  if (!endpoints) return;

  const keep = process.env.TESTKIT_KEEP_INFRA;
  const stopLocal = keep === '1' ? false : keep === '0' ? true : process.env.CI === 'true';
  if (endpoints.source === 'local' && !stopLocal) {
    process.stderr.write('[testkit] leaving the local test infrastructure running for faster reruns (bash infra/local/infra.sh down test stops it)\n');
    return;
  }
  if (endpoints.source !== 'env') {
    process.stderr.write(`[testkit] stopping ${endpoints.source} test infrastructure\n`);
  }
  await endpoints.stop();
}
