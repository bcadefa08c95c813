import { sleep, startClusterInfra, type ClusterInfra } from '@tthc/testkit';
import { formatTable, startFaultHarness, type FaultHarness, type FaultRow, type Scenario } from './support/fault-run';

/**
 * Nothing lost, every alert exactly once, through any single failure. Each scenario streams its
 * own dossiers through the public API of the services running as separate processes (two
 * instances of workflow, sla and notifier) on a local three-broker Kafka cluster, injects one
 * fault with SIGKILL or infra.sh, and counts from the outside what came out.
 *
 * `npm test` runs the short version; `npm run test:faults` (FAULTS_SCALE=full) runs the long
 * one: more dossiers, longer outages, a sla restart with 100 000 open deadlines.
 */
const FULL = process.env.FAULTS_SCALE === 'full';
const size = (short: number, full: number) => (FULL ? full : short);
// The long run streams 2 500 dossiers per scenario; on a 2-core machine the pipeline needs minutes
// to catch up with that (a capacity question, see the scale issue), so it waits longer before it
// counts what is missing. Losses and duplicates are counted the same way in both runs.
const recoverWithin = (shortSeconds: number) => size(shortSeconds, 900);
// FAULTS_OPEN_DEADLINES sets how many open deadlines the sla-restart scenario loads first: the
// long run's 100 000 take longer to load through the public API than the pipeline allows today.
const openDeadlines = Number(process.env.FAULTS_OPEN_DEADLINES ?? size(2000, 100_000));

const killAndRestart = (label: string, afterMs: number, downMs: number): Scenario['fault'] =>
  async ({ stack }) => {
    await sleep(afterMs);
    const p = stack.processes.find((x) => x.label === label);
    if (!p) throw new Error(`no process ${label}`);
    await p.kill('SIGKILL');
    await sleep(downMs);
    await p.restart();
  };

const scenarios: Array<Scenario & { onlyFull?: boolean }> = [
  { name: 'kill -9 workflow (1 of 2) mid-stream', dossiers: size(200, 2500), dueInSeconds: size(25, 60), fault: killAndRestart('workflow#1', 800, 4000), recoverWithinSeconds: recoverWithin(120) },
  { name: 'kill -9 sla (1 of 2) before due', dossiers: size(200, 2500), dueInSeconds: size(20, 60), fault: killAndRestart('sla#1', 3000, 4000), recoverWithinSeconds: recoverWithin(120) },
  { name: 'kill -9 notifier (1 of 2) at due', dossiers: size(200, 2500), dueInSeconds: 12, fault: killAndRestart('notifier#1', 12_000, 4000), recoverWithinSeconds: recoverWithin(120) },
  { name: 'kill -9 intake mid-stream', dossiers: size(200, 2500), dueInSeconds: size(25, 60), fault: killAndRestart('intake', 300, 3000), recoverWithinSeconds: recoverWithin(120) },
  {
    name: 'kill -9 every instance, one service at a time',
    onlyFull: true,
    dossiers: size(200, 2500),
    dueInSeconds: size(30, 90),
    async fault({ stack }) {
      for (const p of stack.processes) {
        await p.kill('SIGKILL');
        await p.restart();
      }
    },
    recoverWithinSeconds: recoverWithin(150),
  },
  {
    name: 'broker 1 of 3 killed while events stream',
    dossiers: size(1000, 2500),
    dueInSeconds: size(40, 90),
    async fault({ infra }) {
      await sleep(500);
      await infra.killBroker(1);
      await sleep(size(10_000, 30_000));
      await infra.startBroker(1);
    },
    recoverWithinSeconds: recoverWithin(180),
  },
  {
    name: 'Kafka down across the due instants',
    dossiers: size(200, 1000),
    dueInSeconds: 15,
    async fault({ infra }, streamed) {
      await streamed;
      await sleep(5000);
      await infra.stopKafka();
      // Longer than the timer jobs' whole retry budget before the outbox (about 4 minutes) in the long run.
      await sleep(size(45_000, 300_000));
      await infra.startKafka();
    },
    recoverWithinSeconds: recoverWithin(240),
  },
  {
    name: 'Redis emptied with timers and deliveries pending',
    dossiers: size(200, 2500),
    dueInSeconds: 15,
    async fault(ctx, streamed) {
      await streamed;
      // Mail down: deliveries wait in Redis for their next attempt when Redis is lost.
      await ctx.smtp.stop();
      await sleep(20_000);
      await ctx.infra.flushRedis();
      await ctx.restartSmtp();
    },
    recoverWithinSeconds: recoverWithin(180),
  },
  {
    name: 'MongoDB restarted mid-stream',
    dossiers: size(400, 2500),
    dueInSeconds: size(40, 120),
    async fault({ infra }) {
      await sleep(500);
      await infra.stopMongo();
      await sleep(size(15_000, 60_000));
      await infra.startMongo();
    },
    recoverWithinSeconds: recoverWithin(240),
  },
  {
    name: `sla restart (both instances) with ${openDeadlines} open deadlines`,
    dossiers: size(100, 1000),
    background: openDeadlines,
    dueInSeconds: size(30, 120),
    async fault({ stack }) {
      const slas = stack.processes.filter((p) => p.name === 'sla');
      for (const p of slas) await p.kill('SIGKILL');
      for (const p of slas) await p.restart();
    },
    recoverWithinSeconds: size(180, 900),
  },
];

// FAULTS_ONLY=redis,mongo runs the scenarios whose names contain one of the words.
const only = (process.env.FAULTS_ONLY ?? '').split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
const selected = scenarios.filter((s) => (FULL || !s.onlyFull) && (only.length === 0 || only.some((w) => s.name.toLowerCase().includes(w))));

describe('faults: nothing lost, every alert exactly once', () => {
  let infra: ClusterInfra;
  let harness: FaultHarness;
  const rows: FaultRow[] = [];
  jest.setTimeout(FULL ? 4 * 3600_000 : 30 * 60_000);

  beforeAll(async () => {
    infra = await startClusterInfra({ fresh: true });
    harness = await startFaultHarness(infra);
  });
  afterAll(async () => {
    if (rows.length) console.log(`[faults] ${FULL ? 'long' : 'short'} run\n${formatTable(rows)}`);
    await harness?.stop();
    await infra?.down();
  });

  test.each(selected.map((s) => [s.name, s] as const))('when %s, then every fact is stored and every alert raised and delivered once', async (_name, scenario) => {
    const row = await harness.run(scenario);
    rows.push(row);
    expect(row).toEqual({
      ...row,
      eventsSent: 2 * scenario.dossiers,
      stored: scenario.dossiers,
      raised: scenario.dossiers,
      duplicates: 0,
      delivered: scenario.dossiers,
    });
  });
});
