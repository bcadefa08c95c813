import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { belowBenchFloor, benchMongoHeap, smallStandInHeap } from './stand-in-heap';

export type InfraProfile = 'dev' | 'test';
export type EndpointSource = 'env' | 'testcontainers' | 'local';

export interface ResolveEndpointsOptions {
  profile: InfraProfile;
  /** Receives one progress line at a time (infra.sh output, container start-ups). Defaults to stderr. */
  log?: (line: string) => void;
  /**
   * `bench` sizes a local MongoDB stand-in this call starts for a bench's data set (`MONGO_HEAP`, when
   * unset, becomes the machine's share of up to 14 GB) and warns on stderr when one already running is
   * smaller. Tests keep infra.sh's defaults.
   */
  workload?: 'tests' | 'bench';
}

export interface ResolvedEndpoints {
  kafkaBrokers: string;
  mongoUrl: string;
  redisUrl: string;
  /**
   * Where the endpoints came from: `env` when all three were given explicitly, otherwise the backend
   * that provided the missing ones.
   */
  source: EndpointSource;
  /** Stops only what this call started; endpoints taken from the environment are never touched. */
  stop(): Promise<void>;
}

type Component = 'kafka' | 'mongo' | 'redis';
type Endpoints = Record<Component, string>;

interface Backend {
  endpoints: Partial<Endpoints>;
  stop(): Promise<void>;
}

const ENV_NAMES: Record<Component, 'KAFKA_BROKERS' | 'MONGO_URL' | 'REDIS_URL'> = {
  kafka: 'KAFKA_BROKERS',
  mongo: 'MONGO_URL',
  redis: 'REDIS_URL',
};

// Images for the container path; overridable so a CI mirror or a newer tag needs no code change.
// cp-kafka 8.x runs KRaft only (Apache Kafka 4.x, the same major as the local broker).
const KAFKA_IMAGE = process.env.TESTKIT_KAFKA_IMAGE ?? 'confluentinc/cp-kafka:8.0.0';
const MONGO_IMAGE = process.env.TESTKIT_MONGO_IMAGE ?? 'mongo:7';
const REDIS_IMAGE = process.env.TESTKIT_REDIS_IMAGE ?? 'redis:7';
// The cp-kafka listener for clients outside the container network (see @testcontainers/kafka).
const TC_KAFKA_CLIENT_PORT = 9093;
// The first `up` may download ~60 MB of jars from Maven Central; beyond this something is stuck.
const LOCAL_UP_TIMEOUT_MS = 10 * 60_000;

/**
 * Finds Kafka, MongoDB and Redis for tests (`test`) or the local demo (`dev`), in this order:
 *
 * 1. `KAFKA_BROKERS`, `MONGO_URL`, `REDIS_URL` from the environment, each one independently;
 * 2. testcontainers, when a container runtime answers (only the components still missing);
 * 3. `infra/local/infra.sh up <profile>`: Kafka, mongo-java-server and Redis as local processes.
 *
 * `TESTKIT_INFRA=testcontainers|local` skips the probe and forces one backend (for example `local` on
 * a machine with Docker, for faster reruns). Throws when no backend can provide the endpoints; under
 * `CI=true` the message says so explicitly, because CI must never silently skip integration tests.
 */
export async function resolveEndpoints(options: ResolveEndpointsOptions): Promise<ResolvedEndpoints> {
  const { profile } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (profile !== 'dev' && profile !== 'test') {
    throw new Error(`resolveEndpoints: unknown profile ${JSON.stringify(profile)} (expected 'dev' or 'test')`);
  }

  const fromEnv: Partial<Endpoints> = {};
  for (const component of Object.keys(ENV_NAMES) as Component[]) {
    const value = process.env[ENV_NAMES[component]]?.trim();
    if (value) fromEnv[component] = value;
  }
  const missing = (Object.keys(ENV_NAMES) as Component[]).filter((component) => fromEnv[component] === undefined);
  if (missing.length === 0) {
    log('[testkit] using KAFKA_BROKERS, MONGO_URL and REDIS_URL from the environment');
    return { ...toResult(fromEnv as Endpoints), source: 'env', stop: async () => {} };
  }
  if (missing.length < 3) {
    log(`[testkit] from the environment: ${describeEnv(fromEnv)}; still needed: ${missing.join(', ')}`);
  }

  const mode = (process.env.TESTKIT_INFRA ?? 'auto').trim() || 'auto';
  if (mode !== 'auto' && mode !== 'testcontainers' && mode !== 'local') {
    throw new Error(`TESTKIT_INFRA=${mode} is not valid (expected auto, testcontainers or local)`);
  }

  const failures: string[] = [];
  if (mode !== 'local') {
    try {
      const backend = await startContainers(missing, log, mode === 'testcontainers');
      if (backend) return combine(fromEnv, backend, 'testcontainers');
    } catch (error) {
      failures.push(`testcontainers: ${errorMessage(error)}`);
      if (mode === 'testcontainers') throw noBackendError(profile, failures);
      log(`[testkit] testcontainers failed (${errorMessage(error)}); falling back to local processes`);
    }
  }

  if (mode !== 'testcontainers') {
    try {
      const backend = await startLocal(profile, log, options.workload === 'bench' && fromEnv.mongo === undefined);
      return combine(fromEnv, backend, 'local');
    } catch (error) {
      failures.push(`local infra (infra/local/infra.sh up ${profile}): ${errorMessage(error)}`);
    }
  }
  throw noBackendError(profile, failures);
}

/** The repository root: the nearest directory above this file that holds turbo.json. */
export function findRepoRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'turbo.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`could not find the repository root (a directory containing turbo.json) above ${start}`);
    }
    dir = parent;
  }
}

function combine(fromEnv: Partial<Endpoints>, backend: Backend, source: EndpointSource): ResolvedEndpoints {
  const merged = { ...backend.endpoints, ...fromEnv };
  for (const component of Object.keys(ENV_NAMES) as Component[]) {
    if (!merged[component]) {
      throw new Error(`${source} backend did not report an endpoint for ${component} (${ENV_NAMES[component]})`);
    }
  }
  let stopped: Promise<void> | undefined;
  return {
    ...toResult(merged as Endpoints),
    source,
    // Idempotent: a teardown that runs twice (or after a failed setup) must not stop things twice.
    stop: () => (stopped ??= backend.stop()),
  };
}

function toResult(endpoints: Endpoints): Pick<ResolvedEndpoints, 'kafkaBrokers' | 'mongoUrl' | 'redisUrl'> {
  return { kafkaBrokers: endpoints.kafka, mongoUrl: endpoints.mongo, redisUrl: endpoints.redis };
}

function describeEnv(fromEnv: Partial<Endpoints>): string {
  return (Object.keys(fromEnv) as Component[]).map((component) => ENV_NAMES[component]).join(', ');
}

function noBackendError(profile: InfraProfile, failures: string[]): Error {
  const lines = [
    `No Kafka/MongoDB/Redis available for profile '${profile}'.`,
    ...failures.map((failure) => `  - ${failure}`),
    'Fix one of:',
    '  - set KAFKA_BROKERS, MONGO_URL and REDIS_URL to running instances;',
    '  - start a container runtime (Docker, Podman) for testcontainers;',
    '  - install a JDK 17+, Maven 3 and redis-server so infra/local/infra.sh can run them locally.',
  ];
  if (process.env.CI === 'true') {
    lines.push('CI=true: integration tests are never skipped in CI, so this is an error.');
  }
  return new Error(lines.join('\n'));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// testcontainers
// ---------------------------------------------------------------------------------------------

interface Stoppable {
  stop(): Promise<unknown>;
}

/**
 * Returns undefined when no container runtime answers (the normal case on machines without Docker).
 * Throws when a runtime answers but a container cannot be started, after stopping the others.
 */
async function startContainers(
  missing: Component[],
  log: (line: string) => void,
  required: boolean,
): Promise<Backend | undefined> {
  // Imported lazily and only here: loading testcontainers costs time, and on some Node versions the
  // module itself fails to load. Neither may affect the env or local paths.
  let tc: typeof import('testcontainers');
  try {
    tc = await import('testcontainers');
  } catch (error) {
    // testcontainers 12 (through undici 8) needs Node >= 22.22 and throws while loading on older Node.
    const reason = `testcontainers could not be loaded on Node ${process.version}: ${firstLine(errorMessage(error))}`;
    if (required) throw new Error(reason);
    log(`[testkit] ${reason}; using local processes`);
    return undefined;
  }
  try {
    await tc.getContainerRuntimeClient();
  } catch (error) {
    const reason = `no working container runtime (${firstLine(errorMessage(error))})`;
    if (required) throw new Error(reason);
    log(`[testkit] ${reason}; using local processes`);
    return undefined;
  }

  log(`[testkit] container runtime found; starting ${missing.join(', ')} with testcontainers`);
  const starts: Array<Promise<{ component: Component; url: string; container: Stoppable }>> = missing.map(
    async (component) => {
      const started = Date.now();
      const result = await startContainer(component);
      log(`[testkit] ${component} container ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return { component, ...result };
    },
  );
  const settled = await Promise.allSettled(starts);

  const containers: Stoppable[] = [];
  const endpoints: Partial<Endpoints> = {};
  const errors: string[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'fulfilled') {
      containers.push(outcome.value.container);
      endpoints[outcome.value.component] = outcome.value.url;
    } else {
      errors.push(errorMessage(outcome.reason));
    }
  }
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled(containers.map((container) => container.stop()));
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed.length > 0) {
      throw new Error(`could not stop ${failed.length} container(s): ${failed.map((f) => errorMessage(f.reason)).join('; ')}`);
    }
  };
  if (errors.length > 0) {
    await stopAll().catch(() => undefined);
    throw new Error(errors.join('; '));
  }
  return { endpoints, stop: stopAll };
}

async function startContainer(component: Component): Promise<{ url: string; container: Stoppable }> {
  switch (component) {
    case 'kafka': {
      const { KafkaContainer } = await import('@testcontainers/kafka');
      const container = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
      return { url: `${container.getHost()}:${container.getMappedPort(TC_KAFKA_CLIENT_PORT)}`, container };
    }
    case 'mongo': {
      const { MongoDBContainer } = await import('@testcontainers/mongodb');
      const container = await new MongoDBContainer(MONGO_IMAGE).start();
      // The container runs a one-node replica set that advertises its in-container host name;
      // directConnection stops the driver from trying to reach that name from the host.
      return { url: `${container.getConnectionString()}/tthc?directConnection=true`, container };
    }
    case 'redis': {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer(REDIS_IMAGE).start();
      return { url: container.getConnectionUrl(), container };
    }
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

// ---------------------------------------------------------------------------------------------
// Local processes (infra/local/infra.sh)
// ---------------------------------------------------------------------------------------------

async function startLocal(profile: InfraProfile, log: (line: string) => void, sizeForBench: boolean): Promise<Backend> {
  const root = findRepoRoot();
  const script = join(root, 'infra', 'local', 'infra.sh');
  if (!existsSync(script)) throw new Error(`${script} not found`);
  const benchHeap = sizeForBench ? chooseBenchHeap(log) : undefined;
  const env = benchHeap ? { ...process.env, MONGO_HEAP: benchHeap } : process.env;

  // When every process already runs (an earlier `up`, a developer's own `infra.sh up`), this call
  // starts nothing and so must not stop anything either.
  const before = await runScript(script, ['status', profile], root, () => undefined, 30_000);
  const alreadyRunning = before.code === 0;

  log(`[testkit] starting local infrastructure: infra/local/infra.sh up ${profile}`);
  const result = await runScript(script, ['up', profile], root, log, LOCAL_UP_TIMEOUT_MS, env);
  if (result.code !== 0) {
    const tail = result.stderr.slice(-15).join('\n');
    throw new Error(`infra.sh up ${profile} exited with ${result.signal ?? `code ${result.code}`}${tail ? `:\n${tail}` : ''}`);
  }

  const values = new Map<string, string>();
  for (const line of result.stdout) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
  }
  const endpoints: Partial<Endpoints> = {};
  for (const component of Object.keys(ENV_NAMES) as Component[]) {
    const value = values.get(ENV_NAMES[component]);
    if (!value) throw new Error(`infra.sh up ${profile} did not print ${ENV_NAMES[component]}=… on stdout`);
    endpoints[component] = value;
  }
  const small = benchHeap ? smallStandInHeap(join(root, '.data', profile), benchHeap) : undefined;
  if (small) process.stderr.write(`[testkit] warning: ${small}\n`);

  return {
    endpoints,
    stop: async () => {
      if (alreadyRunning) {
        log(`[testkit] leaving local ${profile} infrastructure running (it was running before)`);
        return;
      }
      const down = await runScript(script, ['down', profile], root, log, 120_000);
      if (down.code !== 0) {
        throw new Error(`infra.sh down ${profile} exited with ${down.signal ?? `code ${down.code}`}`);
      }
    },
  };
}

interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string[];
  stderr: string[];
}

/** The stand-in heap for a bench: an explicit MONGO_HEAP wins, else the machine's bench heap. */
function chooseBenchHeap(log: (line: string) => void): string {
  const explicit = process.env.MONGO_HEAP?.trim();
  const heap = explicit || benchMongoHeap();
  log(`[testkit] bench heap of the MongoDB stand-in, if this call starts it: ${heap} (${explicit ? 'MONGO_HEAP' : 'sized to this machine; MONGO_HEAP overrides it'})`);
  const small = belowBenchFloor(heap);
  if (small) process.stderr.write(`[testkit] warning: ${small}\n`);
  return heap;
}

function runScript(
  script: string,
  args: string[],
  cwd: string,
  onStderrLine: (line: string) => void,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
    const stdout: string[] = [];
    const stderr: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => stdout.push(line));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > 200) stderr.shift();
      onStderrLine(line);
    });
    // SIGTERM lets infra.sh's EXIT trap stop whatever it had already started.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run bash ${script}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
