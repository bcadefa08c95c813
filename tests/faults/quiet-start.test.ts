import { sleep, startClusterInfra, startProcessStack, type ClusterInfra, type ProcessStack } from '@tthc/testkit';

/**
 * A healthy first start on a cluster with no data at all (fresh Kafka logs: every consumer group
 * meets a coordinator still loading, every topic is created while services start) must not print
 * error-level lines: a newcomer reads them as a failure. Expected races are retried and logged
 * as warnings.
 */
const PINO_ERROR = 50;

describe('a quiet healthy start', () => {
  let infra: ClusterInfra;
  let stack: ProcessStack | undefined;
  jest.setTimeout(40 * 60_000);

  beforeAll(async () => {
    infra = await startClusterInfra({ fresh: true });
  });
  afterAll(async () => {
    await stack?.stop();
    await infra?.down();
  });

  test('when every service starts against empty Kafka data, then no error-level line is logged while they start and join their groups', async () => {
    stack = await startProcessStack({ infra, serviceEnv: { notifier: { DIGEST_ENABLED: 'false' } } });
    // Consumers join their groups after readiness; the coordinator races show in the seconds after.
    await sleep(15_000);
    const lines = stack.allLines();
    const parsed = lines.map((line) => {
      const json = line.slice(line.indexOf('{'));
      try {
        return { line, entry: JSON.parse(json) as { level?: number; msg?: string } };
      } catch {
        return { line, entry: null };
      }
    });
    const errors = parsed.filter((p) => (p.entry?.level ?? 0) >= PINO_ERROR).map((p) => p.line.slice(0, 400));
    process.stderr.write(`[quiet-start] ${lines.length} log lines in the first 15 s after ready, ${errors.length} at error level; warnings: ${parsed.filter((p) => p.entry?.level === 40).length}\n${parsed.filter((p) => p.entry?.level === 40).map((p) => p.line.slice(0, 200)).join('\n')}\n`);
    expect(parsed.filter((p) => p.entry).length).toBeGreaterThan(10);
    expect(errors).toEqual([]);
  });
});
