// `npm start`: builds the workspace, starts the infrastructure (explicit KAFKA_BROKERS /
// MONGO_URL / REDIS_URL, else containers, else local processes), a local mail catcher unless
// SMTP_HOST names a real server, then the five services, and stops everything it started on
// Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const t0 = Date.now();
const say = (msg) => console.log(`[start] ${msg}`);

const SERVICES = [
  { name: 'workflow', port: Number(process.env.WORKFLOW_PORT ?? 8082) },
  { name: 'sla', port: Number(process.env.SLA_PORT ?? 8083) },
  { name: 'intake', port: Number(process.env.INTAKE_PORT ?? 8080) },
  { name: 'reporting', port: Number(process.env.REPORTING_PORT ?? 8081) },
  { name: 'notifier', port: Number(process.env.NOTIFIER_PORT ?? 8084) },
];
const byName = Object.fromEntries(SERVICES.map((s) => [s.name, s]));
const mail = { smtp: Number(process.env.SMTP_SINK_PORT ?? 1025), http: Number(process.env.SMTP_SINK_HTTP_PORT ?? 1080), dir: join(root, '.data/mail') };

say('building the workspace (turbo) …');
const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const { resolveEndpoints } = require(join(root, 'packages/testkit/dist/infra'));
const { serviceNodeArgs } = require(join(root, 'packages/testkit/dist/service-node-args'));
say('starting the infrastructure (Kafka, MongoDB, Redis) …');
const infra = await resolveEndpoints({ profile: 'dev', log: (line) => console.log(line) });
say(`infrastructure ready (${infra.source}): Kafka ${infra.kafkaBrokers}, ${infra.mongoUrl}, ${infra.redisUrl}`);

const children = [];
let stopping = false;

// Development mail: every message the notifier sends lands in .data/mail and in a web list.
let sink = null;
if (!process.env.SMTP_HOST) {
  sink = spawn(process.execPath, [join(root, 'packages/testkit/dist/smtp/smtp-sink.cli.js')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SMTP_SINK_PORT: String(mail.smtp), SMTP_SINK_HTTP_PORT: String(mail.http), SMTP_SINK_DIR: mail.dir },
  });
  for (const stream of [sink.stdout, sink.stderr]) createInterface({ input: stream }).on('line', (line) => console.log(`[mail] ${line}`));
}

function pretty(name, line) {
  try {
    const rec = JSON.parse(line);
    const extra = Object.entries(rec)
      .filter(([k]) => !['level', 'time', 'pid', 'hostname', 'service', 'version', 'msg'].includes(k))
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
      .join(' ');
    return `[${name}] ${rec.level ?? ''} ${rec.msg ?? ''}${extra ? ' ' + extra : ''}`;
  } catch {
    return `[${name}] ${line}`;
  }
}

// After every service was ready once, a service that dies (kill -9, the OOM killer) is started
// again after a back-off, as compose's `restart: unless-stopped` does, and the others keep
// running: its consumers read on from their committed offsets, so a crash delays work and loses
// none. While starting, a death still stops everything with the service's last lines above.
let allReady = false;
const { supervise } = require(join(root, 'packages/testkit/dist/supervisor'));

for (const svc of SERVICES) {
  const start = () => {
    const child = spawn(process.execPath, [...serviceNodeArgs(root, svc.name), join(root, 'services', svc.name, 'dist/main.js')], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: process.env.NODE_ENV ?? 'development',
        PORT: String(svc.port),
        KAFKA_BROKERS: infra.kafkaBrokers,
        MONGO_URL: infra.mongoUrl,
        REDIS_URL: infra.redisUrl,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        ...(svc.name === 'notifier' && !process.env.SMTP_HOST ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(mail.smtp) } : {}),
        ...(svc.name === 'notifier' ? { DASHBOARD_URL: process.env.DASHBOARD_URL ?? `http://127.0.0.1:${byName.reporting.port}/dashboard` } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => console.log(pretty(svc.name, line)));
    }
    return child;
  };
  const sup = supervise({
    name: svc.name,
    start,
    restartWhen: () => allReady && !stopping,
    onGiveUp: ({ code, signal }) => {
      if (stopping) return;
      console.error(`[start] ${svc.name} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    },
    onRestarted: (restarts) =>
      waitReady(svc).then(
        () => say(`${svc.name} ready again (restart ${restarts})`),
        (err) => console.error(`[start] ${err.message}`),
      ),
    log: (msg) => console.error(`[start] ${msg}`),
  });
  children.push({ ...svc, sup });
}

async function waitReady(svc) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${svc.port}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${svc.name} not ready on port ${svc.port} after 90 s`);
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('stopping services …');
  await Promise.all(children.map(({ sup }) => sup.stop('SIGTERM', 15_000)));
  sink?.kill('SIGTERM');
  say('stopping the infrastructure this command started …');
  await infra.stop().catch((err) => console.error(`[start] ${err.message}`));
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await Promise.all(children.map(waitReady));
} catch (err) {
  console.error(`[start] ${err.message}`);
  await shutdown(1);
}
const keyLine = process.env.API_KEYS
  ? 'API keys   from API_KEYS (send "Authorization: Bearer <key>")'
  : 'API keys   dev-key (reform office: dashboard, metrics, subscriptions), dev-portal-key (portal: posts events)';
allReady = true;
say(`all services ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`
  dashboard  http://127.0.0.1:${byName.reporting.port}/dashboard   (bảng điều khiển; API key below)
  intake     http://127.0.0.1:${byName.intake.port}/v1/events, /v1/portal/dossiers   (OpenAPI: /openapi.json)
  reporting  http://127.0.0.1:${byName.reporting.port}/v1/metrics/late-cases, /v1/index/subscores, /v1/dossiers, /v1/alerts
  notifier   http://127.0.0.1:${byName.notifier.port}/v1/subscriptions${sink ? `   mail: http://127.0.0.1:${mail.http} (.eml in .data/mail)` : ''}
  workflow   http://127.0.0.1:${byName.workflow.port}/readyz       sla  http://127.0.0.1:${byName.sla.port}/readyz
  demo       npm run demo   (simulated one-stop portals pushing traffic)
  metrics    /metrics on every service
  ${keyLine}
  Ctrl-C stops the services and the infrastructure started here.
`);
