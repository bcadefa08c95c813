import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { DEAD_LETTER_V1, topicsFor } from '@tthc/contracts';
import { createConsumerRunner, createKafka, createLogger, createMetrics, createProducer, ensureTopics, PoisonMessageError } from '@tthc/platform';
import { probeProducer, readTopic, requireEnv, uniqueName, waitFor } from '@tthc/testkit';
import { main, type DlqIo } from './dlq.cli';
import { REPLAYED_FROM_HEADER } from '../data-access/dead-letter.replayer';

const PACKAGE_DIR = join(__dirname, '..', '..');
const ROOT = join(PACKAGE_DIR, '..', '..');
const brokers = () => requireEnv('KAFKA_BROKERS');

interface Run {
  status: number;
  stdout: string[];
  stderr: string[];
}

async function run(argv: string[], env: Record<string, string | undefined>, io: Partial<DlqIo> = {}): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await main(argv, { env, readTimeoutMs: 30_000, ...io, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
  return { status, stdout, stderr };
}

const quiet = createLogger({ service: 'dlq-test', level: 'silent' });
const namespace = uniqueName('ops-dlq');
const topics = topicsFor(namespace);
const env = () => ({ KAFKA_BROKERS: brokers(), KAFKA_TOPIC_NAMESPACE: namespace });
let kafka: Kafka;
let admin: Admin;
const originals = [
  { key: 'G01.001.000-261123-0001', value: JSON.stringify({ id: 'evt-1', note: 'first poison' }) },
  { key: 'G01.001.000-261123-0002', value: JSON.stringify({ id: 'evt-2', note: 'second poison' }) },
];

const endOf = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);

beforeAll(async () => {
  kafka = new Kafka({ clientId: namespace, brokers: brokers().split(','), logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  // One dead-letter partition: offsets are then unique, as the replay test names them bare.
  await ensureTopics(admin, [topics.deadLetter], 1);
  await ensureTopics(admin, [topics.dossierEvents], 3);

  // The dead letters come from the platform's own consumer runner, so their shape is the real one.
  const platformKafka = createKafka({ clientId: `${namespace}-runner`, brokers: brokers().split(','), logger: quiet });
  const producer = createProducer(platformKafka);
  await producer.connect();
  const runner = createConsumerRunner({
    kafka: platformKafka,
    groupId: uniqueName('poisoned'),
    topics: [topics.dossierEvents],
    deadLetterTopic: topics.deadLetter,
    producer,
    logger: quiet,
    metrics: createMetrics('dlq-test'),
    handle: async ({ message }) => {
      throw new PoisonMessageError('unknown-dossier', `dossier ${message.key?.toString()} is unknown`);
    },
  });
  await runner.start();
  try {
    await producer.send({ topic: topics.dossierEvents, acks: -1, messages: [originals[0]!] });
    await waitFor('the first dead letter', async () => (await endOf(topics.deadLetter)) >= 1, { timeoutMs: 30_000 });
    await producer.send({ topic: topics.dossierEvents, acks: -1, messages: [originals[1]!] });
    await waitFor('both dead letters', async () => (await endOf(topics.deadLetter)) >= 2, { timeoutMs: 30_000 });
  } finally {
    // Stopped before any replay, so a replayed message is not dead-lettered a second time.
    await runner.stop();
    await producer.disconnect();
  }
}, 120_000);

afterAll(async () => {
  await admin?.disconnect();
});

describe('tthc-dlq in-process', () => {
  test('when list runs, then both dead letters are shown as a table with their original topic, reason, code and key', async () => {
    const result = await run(['list'], env());
    expect(result.status).toBe(0);
    expect(result.stdout[0]).toMatch(/^PARTITION\/OFFSET\s+FAILED AT\s+ORIGINAL TOPIC\s+REASON\s+CODE\s+KEY\s+VALUE$/);
    expect(result.stdout).toHaveLength(3);
    originals.forEach((o, i) => {
      const row = result.stdout[i + 1]!;
      expect(row).toMatch(new RegExp(`^0/${i}\\s`));
      expect(row).toContain(topics.dossierEvents);
      expect(row).toContain(`dossier ${o.key} is unknown`);
      expect(row).toContain('unknown-dossier');
      expect(row).toContain(o.key);
      expect(row).toContain(o.value);
    });
    expect(result.stderr).toEqual([`2 dead letter(s) in ${topics.deadLetter}`]);
  });

  test('when list runs with --json, --limit and --reason, then JSON lines are filtered and the most recent kept', async () => {
    const json = await run(['list', '--json'], env());
    const rows = json.stdout.map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.partition, r.offset, r.key, r.value, r.originalTopic, r.errorCode])).toEqual(
      originals.map((o, i) => [0, String(i), o.key, o.value, topics.dossierEvents, 'unknown-dossier']),
    );
    const latest = await run(['list', '--json', '--limit', '1'], env());
    expect(latest.stdout.map((l) => JSON.parse(l).key)).toEqual([originals[1]!.key]);
    expect(latest.stderr[0]).toContain('1 older one(s) not shown');
    const byReason = await run(['list', '--json', '--reason', originals[0]!.key.slice(-4)], env());
    expect(byReason.stdout.map((l) => JSON.parse(l).offset)).toEqual(['0']);
    const future = await run(['list', '--since', '2999-01-01T00:00:00Z'], env());
    expect(future.stdout).toHaveLength(1);
  });

  test('when replay --all --dry-run runs, then it prints both and publishes nothing', async () => {
    const before = await endOf(topics.dossierEvents);
    const result = await run(['replay', '--all', '--dry-run'], env());
    expect(result.status).toBe(0);
    expect(result.stdout).toEqual(originals.map((o, i) => expect.stringMatching(new RegExp(`^would replay ${topics.deadLetter}/0/${i} -> ${topics.dossierEvents} key=${o.key}`))));
    expect(await endOf(topics.dossierEvents)).toBe(before);
  });

  test('when replay --offset names one dead letter, then its original value is on its original topic with its key and the replay header', async () => {
    const before = await endOf(topics.dossierEvents);
    const result = await run(['replay', '--offset', '1'], env());
    expect(result.status).toBe(0);
    expect(result.stdout).toEqual([expect.stringMatching(new RegExp(`^replayed ${topics.deadLetter}/0/1 -> ${topics.dossierEvents} key=${originals[1]!.key}`))]);
    expect(await endOf(topics.dossierEvents)).toBe(before + 1);

    const all = (await readTopic({ kafka, topic: topics.dossierEvents, atLeast: before + 1 })).map((m) => ({ key: m.key, value: m.raw?.toString() ?? null, headers: m.headers }));
    const replayed = all.filter((m) => m.headers[REPLAYED_FROM_HEADER] !== undefined);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatchObject({ key: originals[1]!.key, value: originals[1]!.value });
    expect(String(replayed[0]!.headers[REPLAYED_FROM_HEADER])).toBe(`${topics.deadLetter}/0/1`);
  });

  test('when the arguments or the configuration are bad, then it exits 2 with a message and reads nothing', async () => {
    const missing = await run(['list'], {});
    expect(missing.status).toBe(2);
    expect(missing.stderr.join('\n')).toContain('KAFKA_BROKERS: is required');
    const badBrokers = await run(['list'], { KAFKA_BROKERS: 'localhost' });
    expect(badBrokers.stderr.join('\n')).toContain('KAFKA_BROKERS: each broker must be host:port');
    expect((await run(['replay'], env())).stderr[0]).toBe('error: replay needs --offset N (repeatable) or --all');
    expect((await run(['list', '--limit', '0'], env())).status).toBe(2);
    const unknown = await run(['replay', '--offset', '0/9'], env());
    expect(unknown).toMatchObject({ status: 2, stdout: [] });
    expect(unknown.stderr[0]).toBe('error: --offset 0/9: no such message in the dead-letter topic');
  });

  test('when Kafka cannot be reached, then it exits 1 with one error line naming the topic', async () => {
    const result = await run(['list'], { KAFKA_BROKERS: '127.0.0.1:1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toEqual([expect.stringMatching(/^error: list failed on tthc\.dead-letter\.v1: .*ECONNREFUSED/)]);
  });

  test('when the offset exists in several partitions, then a bare --offset is refused and PARTITION/OFFSET is asked for', async () => {
    const other = uniqueName('ops-dlq-multi');
    const dlq = topicsFor(other).deadLetter;
    await ensureTopics(admin, [dlq], 2);
    const producer = probeProducer(kafka);
    await producer.connect();
    const letter = (p: number) => ({
      partition: p,
      key: `k${p}`,
      value: JSON.stringify({
        specversion: '1.0',
        id: `dl-${p}`,
        source: 'urn:test',
        type: DEAD_LETTER_V1,
        time: '2026-11-23T02:00:00.000Z',
        data: { originalTopic: topicsFor(other).dossierEvents, partition: p, offset: '0', key: `k${p}`, value: '{}', consumerGroup: 'g', reason: 'r', errorCode: 'c', failedAt: '2026-11-23T02:00:00.000Z' },
      }),
    });
    await producer.send({ topic: dlq, acks: -1, messages: [letter(0), letter(1), { partition: 1, key: null, value: 'not json' }] });
    await producer.disconnect();
    const ambiguous = await run(['replay', '--offset', '0', '--dry-run'], { KAFKA_BROKERS: brokers(), KAFKA_TOPIC_NAMESPACE: other });
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr[0]).toBe('error: --offset 0: offset 0 exists in partitions 0, 1; write PARTITION/OFFSET');
    const precise = await run(['replay', '--offset', '1/0', '--offset', '1/1', '--dry-run'], { KAFKA_BROKERS: brokers(), KAFKA_TOPIC_NAMESPACE: other });
    expect(precise.stdout).toEqual([expect.stringContaining(`would replay ${dlq}/1/0 `)]);
    expect(precise.stderr).toContain('skipped 1/1: value is not JSON; nothing to replay');
  });

  test('when many dead letters are replayed with --all --reason, then progress is reported and every matching one is republished', async () => {
    const bulk = uniqueName('ops-dlq-bulk');
    const t = topicsFor(bulk);
    await ensureTopics(admin, [t.deadLetter], 1);
    await ensureTopics(admin, [t.dossierEvents], 3);
    const letters = Array.from({ length: 160 }, (_, i) => {
      const failedAt = new Date(Date.UTC(2026, 10, 23, 2, 0, i)).toISOString();
      const data = { originalTopic: t.dossierEvents, partition: 0, offset: String(i), key: `D-${i}`, value: `{"n":${i}}`, consumerGroup: 'g', reason: i % 16 === 0 ? 'schema mismatch' : 'unknown dossier', errorCode: 'x', failedAt };
      return { key: data.key, value: JSON.stringify({ specversion: '1.0', id: `dl-${i}`, source: 'urn:test', type: DEAD_LETTER_V1, time: failedAt, data }) };
    });
    const producer = probeProducer(kafka);
    await producer.connect();
    await producer.send({ topic: t.deadLetter, acks: -1, messages: letters });
    await producer.disconnect();

    const result = await run(['replay', '--all', '--reason', 'UNKNOWN'], { KAFKA_BROKERS: brokers(), KAFKA_TOPIC_NAMESPACE: bulk });
    expect(result.status).toBe(0);
    expect(result.stdout).toHaveLength(150);
    expect(result.stderr).toEqual(['progress: 100/150 replayed', 'progress: 150/150 replayed', '150 dead letter(s) replayed']);
    expect(await endOf(t.dossierEvents)).toBe(150);
  });

  test('when the dead-letter topic is empty or does not exist, then list answers at once with nothing', async () => {
    const empty = uniqueName('ops-dlq-empty');
    await ensureTopics(admin, [topicsFor(empty).deadLetter], 3);
    const onEmpty = await run(['list'], { KAFKA_BROKERS: brokers(), KAFKA_TOPIC_NAMESPACE: empty });
    expect(onEmpty).toMatchObject({ status: 0, stderr: [`0 dead letter(s) in ${topicsFor(empty).deadLetter}`] });
    expect(onEmpty.stdout).toHaveLength(1);
    const none = await run(['list', '--json'], { KAFKA_BROKERS: brokers(), KAFKA_TOPIC_NAMESPACE: uniqueName('ops-dlq-none') });
    expect(none).toMatchObject({ status: 0, stdout: [] });
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

describe('tthc-dlq as a process', () => {
  const BUILT = join(PACKAGE_DIR, 'dist', 'cli', 'dlq.cli.js');

  beforeAll(() => {
    // The command runs from the build (and so do the packages it imports); rebuild when stale.
    if (!existsSync(BUILT) || statSync(BUILT).mtimeMs < newestMtime(join(PACKAGE_DIR, 'src'))) {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--filter=@tthc/ops', '--output-logs=errors-only'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    }
  }, 5 * 60_000);

  const spawn = (file: string, args: string[], extraEnv: Record<string, string>) =>
    spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...extraEnv }, timeout: 60_000 });

  test('when the built command lists as JSON, then it prints both dead letters and exits 0', () => {
    const result = spawn(BUILT, ['list', '--json'], env());
    expect(result.status).toBe(0);
    const keys = result.stdout.trim().split('\n').map((l) => JSON.parse(l).key);
    expect(keys).toEqual(originals.map((o) => o.key));
  });

  test('when the bin launcher runs without KAFKA_BROKERS, then it names the variable and exits 2', () => {
    const result = spawn(join(PACKAGE_DIR, 'bin', 'tthc-dlq.js'), ['list'], {});
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('KAFKA_BROKERS: is required');
    expect(result.stdout).toBe('');
  });
});
