import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { serviceNodeArgs } from './service-node-args';
import { EX_CONFIG } from './supervisor';
import { findRepoRoot } from './infra';
import { requireEnv, uniqueName, withDatabase } from './isolation';
import { waitFor } from './wait-for';

export const SERVICE_NAMES = ['workflow', 'sla', 'intake', 'reporting', 'notifier'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** One running instance of a service: its own OS process, started from the built `dist/main.js`. */
export interface ServiceProcess {
  name: ServiceName;
  /** `workflow#2` for the second instance. */
  label: string;
  url: string;
  pid: number;
  /** Every line the process wrote to stdout and stderr, in order, across restarts. */
  lines: string[];
  /** Sends a signal (SIGKILL: a crash; SIGTERM: a graceful stop) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the same instance again (same environment and port) and waits until it is ready. */
  restart(): Promise<void>;
  readonly running: boolean;
}

export interface ProcessStackOptions {
  services?: readonly ServiceName[];
  /** Instances per service (separate processes in one consumer group). */
  instances?: Partial<Record<ServiceName, number>>;
  /** Variables for every service (API_KEYS, LOG_LEVEL, …). */
  env?: Record<string, string>;
  /** Variables for one service. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Defaults to a fresh unique name: own topics, database, Redis prefixes and consumer groups. */
  namespace?: string;
  /** Another infrastructure than the test one (KAFKA_BROKERS, MONGO_URL, REDIS_URL), e.g. the local cluster. */
  infra?: { kafkaBrokers: string; mongoUrl: string; redisUrl: string };
  readyTimeoutMs?: number;
}

export interface ProcessStack {
  namespace: string;
  mongoUrl: string;
  processes: ServiceProcess[];
  /** The first instance of a service. */
  get(name: ServiceName): ServiceProcess;
  url(name: ServiceName): string;
  /** Every line of every process, prefixed with its label. */
  allLines(): string[];
  stop(): Promise<void>;
}

/**
 * The services as separate processes against the test infrastructure, as `npm start` runs them,
 * for tests that need what an in-process stack cannot show: kill -9, several instances, and the
 * log output of each service. Needs a prior build (`npm test` builds first).
 */
export async function startProcessStack(opts: ProcessStackOptions = {}): Promise<ProcessStack> {
  const root = findRepoRoot();
  const namespace = opts.namespace ?? uniqueName('ps');
  const mongoUrl = withDatabase(opts.infra?.mongoUrl ?? requireEnv('MONGO_URL'), namespace);
  const services = opts.services ?? SERVICE_NAMES;
  const base: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    KAFKA_BROKERS: opts.infra?.kafkaBrokers ?? requireEnv('KAFKA_BROKERS'),
    MONGO_URL: mongoUrl,
    REDIS_URL: opts.infra?.redisUrl ?? requireEnv('REDIS_URL'),
    KAFKA_TOPIC_NAMESPACE: namespace,
    QUEUE_PREFIX: namespace,
    REDIS_KEY_PREFIX: namespace,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    ...opts.env,
  };
  const processes: ServiceProcess[] = [];
  try {
    for (const name of services) {
      const main = join(root, 'services', name, 'dist/main.js');
      if (!existsSync(main)) throw new Error(`${main} is missing: build the workspace first (npm test does)`);
      const count = opts.instances?.[name] ?? 1;
      for (let i = 1; i <= count; i++) {
        // sla waits for workflow's position before alerting (SLA_UPSTREAM_CONSUMER_GROUP): this stack's workflow.
        const env = { ...base, CONSUMER_GROUP: `${namespace}-${name}`, ...(name === 'sla' ? { SLA_UPSTREAM_CONSUMER_GROUP: `${namespace}-workflow` } : {}), ...opts.serviceEnv?.[name] };
        processes.push(await launch(name, count > 1 ? `${name}#${i}` : name, main, env, root, opts.readyTimeoutMs ?? 60_000));
      }
    }
  } catch (err) {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    throw err;
  }
  const get = (name: ServiceName) => {
    const found = processes.find((p) => p.name === name);
    if (!found) throw new Error(`${name} is not part of this stack`);
    return found;
  };
  return {
    namespace,
    mongoUrl,
    processes,
    get,
    url: (name) => get(name).url,
    allLines: () => processes.flatMap((p) => p.lines.map((l) => `[${p.label}] ${l}`)),
    async stop() {
      await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    },
  };
}

/** Starts of a process before its failure is the test's (see `supervised` in `launch`). */
const START_ATTEMPTS = 3;

async function launch(name: ServiceName, label: string, main: string, env: Record<string, string>, cwd: string, readyTimeoutMs: number): Promise<ServiceProcess> {
  const lines: string[] = [];
  let child: ChildProcess | null = null;
  // Chosen here rather than read from the log, which a quiet LOG_LEVEL leaves out; a restart
  // keeps the port, so clients and tests keep their URL.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const spawnOnce = async () => {
    const current = spawn(process.execPath, [...serviceNodeArgs(cwd, name), main], { cwd, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = current;
    for (const stream of [current.stdout, current.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => lines.push(line));
    }
    const exited = new Promise<never>((_, reject) => current.once('exit', (code, signal) => reject(new Error(`${label} exited (${signal ?? code}) before it was ready:\n${lines.slice(-15).join('\n')}`))));
    exited.catch(() => undefined);
    const ready = waitFor(`${label} to be ready on ${url}`, async () => (await fetch(`${url}/readyz`)).ok, { timeoutMs: readyTimeoutMs, intervalMs: 100 });
    try {
      await Promise.race([ready, exited]);
    } catch (err) {
      current.kill('SIGKILL');
      throw err;
    }
  };

  // As the production supervisor does (docker-compose's `restart: unless-stopped`): a process
  // that exits before it is ready is started again, a few times. CI saw workflow exit 1 at a
  // restart when its MongoDB client lost the server for a moment on the loaded machine. A
  // configuration error (exit 78) never heals and is not retried; every attempt's lines stay in
  // `lines`.
  const supervised = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await spawnOnce();
        return;
      } catch (err) {
        const code = (child as ChildProcess | null)?.exitCode;
        if (attempt >= START_ATTEMPTS || code === null || code === undefined || code === EX_CONFIG) throw err;
        lines.push(`[process-stack] ${label} exited (${code}) before it was ready; starting it again (attempt ${attempt + 1} of ${START_ATTEMPTS})`);
      }
    }
  };

  await supervised();
  const proc: ServiceProcess = {
    name,
    label,
    url,
    get pid() {
      return child?.pid ?? -1;
    },
    lines,
    get running() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    async kill(signal = 'SIGTERM') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill(signal);
      const force = setTimeout(() => c.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(force);
    },
    async restart() {
      await proc.kill('SIGTERM');
      await supervised();
    },
  };
  return proc;
}

/** A TCP port free on 127.0.0.1 at the time of asking, for a server a test starts itself. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
