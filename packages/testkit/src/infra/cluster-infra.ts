import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { loseRedisKeys } from '../redis-loss';
import { waitFor } from '../wait-for';
import { acquireProfileLock } from './profile-lock';
import { findRepoRoot } from './resolve-endpoints';

/** Node ids of the cluster's brokers: kafka-1, kafka-2 and kafka-3 in infra.sh. */
export type BrokerNode = 1 | 2 | 3;
export const CLUSTER_BROKER_NODES: readonly BrokerNode[] = [1, 2, 3];

export interface ClusterInfra {
  /** `127.0.0.1:32092,127.0.0.1:32093,127.0.0.1:32094`, as KAFKA_BROKERS takes it. */
  kafkaBrokers: string;
  /** The same, one entry per broker, in node order (index 0 is node 1). */
  brokerList: string[];
  mongoUrl: string;
  redisUrl: string;
  /**
   * kill -9 of one broker (a crash). Resolves once its process is gone and its ports refuse, and
   * the surviving brokers no longer list it (it is fenced, its partitions have new leaders).
   */
  killBroker(node: BrokerNode): Promise<void>;
  /** SIGTERM of one broker (controlled shutdown); resolves as killBroker does. */
  stopBroker(node: BrokerNode): Promise<void>;
  /** Starts one broker on its own data; resolves once it answers metadata and all 3 brokers are live. */
  startBroker(node: BrokerNode): Promise<void>;
  /** Stops all three brokers (SIGTERM); resolves once none answers. */
  stopKafka(): Promise<void>;
  /** Starts all three; resolves once each answers metadata and all 3 are live. */
  startKafka(): Promise<void>;
  /** Node ids the cluster's metadata lists as live, asked of any broker that answers. */
  liveBrokers(): Promise<number[]>;
  /** Resolves once every partition of the topics has all its replicas in sync again. */
  waitForInSync(topics: string[], timeoutMs?: number): Promise<void>;
  /** kill -9 of mongo-java-server; what H2 had not written in its last second may be lost. */
  killMongo(): Promise<void>;
  stopMongo(): Promise<void>;
  /** Starts mongo-java-server on its H2 file; resolves once it answers a ping. */
  startMongo(): Promise<void>;
  /** kill -9 of Redis; the AOF (fsync every second) may miss the last second. */
  killRedis(): Promise<void>;
  stopRedis(): Promise<void>;
  /** Starts Redis, which replays its AOF; resolves once it answers PING (not LOADING). */
  startRedis(): Promise<void>;
  /**
   * "Redis lost its data": FLUSHALL, or with a prefix only the keys that start with it (for a test
   * that shares the cluster's Redis with others). Resolves with the number of keys deleted (FLUSHALL: the
   * key count before).
   */
  flushRedis(prefix?: string): Promise<number>;
  /**
   * Stops every process of the profile and lets the next test file have the cluster; the data
   * stays in .data/cluster until a `fresh` start.
   */
  down(): Promise<void>;
}

export interface StartClusterOptions {
  /** Deletes .data/cluster first (after stopping whatever runs), for a cluster without topics or data. */
  fresh?: boolean;
  /** Receives infra.sh's progress lines; silent by default. */
  log?: (line: string) => void;
}

const PROFILE = 'cluster';
const BROKERS = ['127.0.0.1:32092', '127.0.0.1:32093', '127.0.0.1:32094'];
const MONGO_URL = 'mongodb://127.0.0.1:32217/tthc';
const REDIS_URL = 'redis://127.0.0.1:32379';
// The first run may fetch jars with Maven; a cold cluster start takes about 10-20 s on 2 cores.
const UP_TIMEOUT_MS = 10 * 60_000;
const COMMAND_TIMEOUT_MS = 3 * 60_000;
// Three JVMs restarting on 2 cores, then the quorum and the broker registrations.
const KAFKA_READY_TIMEOUT_MS = 120_000;
// A broker restarted after kill -9 recovers its logs and replays the metadata log while the other
// two carry the load; with a second jest worker beside the fault test, CI once saw it take more than
// infra.sh's default 90 s (one controller event alone took 8.4 s). Five minutes for infra.sh to
// see it start, inside the command's own limit.
const KAFKA_RESTART_TIMEOUT_S = 300;
const KAFKA_RESTART_COMMAND_TIMEOUT_MS = (KAFKA_RESTART_TIMEOUT_S + 60) * 1000;
// A killed broker is fenced after broker.session.timeout.ms (6 s in cluster.properties.tmpl).
const FENCE_TIMEOUT_MS = 60_000;

type Command = 'up' | 'down' | 'start' | 'stop' | 'kill';

function infra(root: string, command: Command, components: string[], log: (line: string) => void, timeoutMs = COMMAND_TIMEOUT_MS, env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [join(root, 'infra/local/infra.sh'), command, PROFILE, ...components];
    // Components are named on the command line, which takes precedence over an inherited INFRA_COMPONENTS.
    const child = spawn('bash', args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      for (const line of text.split('\n')) if (line.trim()) log(line);
    });
    // SIGTERM lets infra.sh's EXIT trap stop what it had started.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`infra.sh ${command} ${PROFILE} ${components.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.split('\n').slice(-60).join('\n')}`));
    });
  });
}

/** One metadata round trip through the given brokers, with a fresh client so nothing is cached. */
async function describeCluster(brokers: string[]): Promise<number[]> {
  const kafka = new Kafka({
    clientId: 'testkit-cluster-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { brokers: live } = await admin.describeCluster();
    return live.map((b) => b.nodeId).sort((a, b) => a - b);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function brokerOf(node: BrokerNode): string {
  const broker = BROKERS[node - 1];
  if (!broker || !CLUSTER_BROKER_NODES.includes(node)) throw new Error(`no broker node ${String(node)} (nodes are 1, 2 and 3)`);
  return broker;
}

async function waitUntilBrokersReady(nodes: readonly BrokerNode[]): Promise<void> {
  for (const node of nodes) {
    await waitFor(`kafka-${node} to answer metadata with all 3 brokers live`, async () => (await describeCluster([brokerOf(node)])).length === 3, {
      timeoutMs: KAFKA_READY_TIMEOUT_MS,
      intervalMs: 250,
    });
  }
}

async function waitUntilFenced(node: BrokerNode): Promise<void> {
  const others = BROKERS.filter((b) => b !== brokerOf(node));
  await waitFor(`the other brokers to drop kafka-${node} from the cluster metadata`, async () => !(await describeCluster(others)).includes(node), {
    timeoutMs: FENCE_TIMEOUT_MS,
    intervalMs: 250,
  });
}

async function pingMongo(): Promise<void> {
  const conn = mongoose.createConnection(MONGO_URL, { serverSelectionTimeoutMS: 2000 });
  try {
    await conn.asPromise();
    await conn.db!.command({ ping: 1 });
  } finally {
    await conn.close().catch(() => undefined);
  }
}

function redisClient(): Redis {
  return new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
}

async function pingRedis(): Promise<boolean> {
  const redis = redisClient();
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } finally {
    redis.disconnect();
  }
}

/**
 * The `cluster` profile of infra/local/infra.sh (local processes, no Docker): three KRaft brokers
 * with replication 3 / min.insync.replicas 2, mongo-java-server on an H2 file and Redis with an
 * append-only file, on ports no other profile uses. Every control call returns only once the
 * component is really down or really up, so a fault test can act right after it.
 */
export async function startClusterInfra(options: StartClusterOptions = {}): Promise<ClusterInfra> {
  const root = findRepoRoot();
  const log = options.log ?? (() => undefined);
  const run = (command: Command, components: string[], timeoutMs?: number) => infra(root, command, components, log, timeoutMs);
  const startBrokers = (components: string[]) =>
    infra(root, 'start', components, log, KAFKA_RESTART_COMMAND_TIMEOUT_MS, { KAFKA_READY_TIMEOUT: String(KAFKA_RESTART_TIMEOUT_S) });

  const release = await acquireProfileLock(root, 'cluster', log);
  try {
    if (options.fresh) {
      await run('down', []);
      rmSync(join(root, '.data', PROFILE), { recursive: true, force: true });
    }
    try {
      await run('up', [], UP_TIMEOUT_MS);
    } catch (err) {
      // Seen once on the 2-core machine: a broker started while the previous run's sockets were
      // still closing died with "fatal error while waiting for the SocketServer Acceptors". A
      // second start after a full stop works; a real problem fails it again, with its reason.
      log(`[testkit] the cluster did not start (${(err as Error).message.split('\n')[0]}); stopping it and starting once more`);
      await run('down', []);
      await run('up', [], UP_TIMEOUT_MS);
    }
    await waitUntilBrokersReady(CLUSTER_BROKER_NODES);
    await waitFor('mongo-java-server to answer a ping', async () => (await pingMongo(), true), { timeoutMs: 30_000, intervalMs: 200 });
    await waitFor('redis to answer PING', pingRedis, { timeoutMs: 30_000, intervalMs: 100 });
  } catch (err) {
    release();
    throw err;
  }

  const takeDown = async (node: BrokerNode, command: 'stop' | 'kill') => {
    await run(command, [`kafka-${node}`]);
    await waitUntilFenced(node);
  };

  return {
    kafkaBrokers: BROKERS.join(','),
    brokerList: [...BROKERS],
    mongoUrl: MONGO_URL,
    redisUrl: REDIS_URL,
    killBroker: (node) => takeDown(node, 'kill'),
    stopBroker: (node) => takeDown(node, 'stop'),
    async startBroker(node) {
      brokerOf(node);
      await startBrokers([`kafka-${node}`]);
      await waitUntilBrokersReady([node]);
    },
    stopKafka: () => run('stop', ['kafka']),
    async startKafka() {
      await startBrokers(['kafka']);
      await waitUntilBrokersReady(CLUSTER_BROKER_NODES);
    },
    liveBrokers: () => describeCluster(BROKERS),
    async waitForInSync(topics, timeoutMs = 60_000) {
      await waitFor(
        `every partition of ${topics.join(', ')} to have all replicas in sync`,
        async () => {
          const kafka = new Kafka({ clientId: 'testkit-cluster-isr', brokers: BROKERS, logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 1 } });
          const admin = kafka.admin();
          try {
            await admin.connect();
            const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
            return metadata.every((t) => t.partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length));
          } finally {
            await admin.disconnect().catch(() => undefined);
          }
        },
        { timeoutMs, intervalMs: 250 },
      );
    },
    killMongo: () => run('kill', ['mongo']),
    stopMongo: () => run('stop', ['mongo']),
    async startMongo() {
      await run('start', ['mongo']);
      await waitFor('mongo-java-server to answer a ping', async () => (await pingMongo(), true), { timeoutMs: 30_000, intervalMs: 200 });
    },
    killRedis: () => run('kill', ['redis']),
    stopRedis: () => run('stop', ['redis']),
    async startRedis() {
      await run('start', ['redis']);
      await waitFor('redis to answer PING', pingRedis, { timeoutMs: 30_000, intervalMs: 100 });
    },
    async flushRedis(prefix) {
      const redis = redisClient();
      try {
        await redis.connect();
        if (prefix === undefined) {
          const before = await redis.dbsize();
          await redis.flushall();
          return before;
        }
        return await loseRedisKeys(redis, prefix);
      } finally {
        redis.disconnect();
      }
    },
    async down() {
      try {
        await run('down', []);
      } finally {
        release();
      }
    },
  };
}
