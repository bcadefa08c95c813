import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { topicsFor, type TopicMap } from '@tthc/contracts';
import { requireEnv, uniqueName, withDatabase, type ControllableClock } from '@tthc/testkit';
import { createApp as createNotifier } from '../../../services/notifier/src/app';
import { loadConfig as notifierConfig } from '../../../services/notifier/src/config';
import { createApp as createIntake } from '../../../services/intake/src/app';
import { loadConfig as intakeConfig } from '../../../services/intake/src/config';
import { createApp as createWorkflow } from '../../../services/workflow/src/app';
import { loadConfig as workflowConfig } from '../../../services/workflow/src/config';
import { createApp as createSla } from '../../../services/sla/src/app';
import { loadConfig as slaConfig } from '../../../services/sla/src/config';
import { createApp as createReporting } from '../../../services/reporting/src/app';
import { loadConfig as reportingConfig } from '../../../services/reporting/src/config';

export const PORTAL_KEY = 'portal-key-g01';
export const OTHER_PORTAL_KEY = 'portal-key-g99';
export const REFORM_KEY = 'reform-office-key';
/** A portal key for every agency: posting needs role portal, which the reform office lacks (the portal simulator posts with it). */
export const PORTAL_ALL_KEY = 'portal-key-all-agencies';
/** Manages alerts and subscriptions of G01.001.000 only. */
export const MANAGER_KEY = 'manager-key-g01';
export const API_KEYS = `${PORTAL_KEY}:G01.001.000,G01.002.000;${OTHER_PORTAL_KEY}:G99.001.000;${REFORM_KEY}:*;${PORTAL_ALL_KEY}:*:portal;${MANAGER_KEY}:G01.001.000:agency-manager`;

export interface Stack {
  namespace: string;
  topics: TopicMap;
  intakeUrl: string;
  reportingUrl: string;
  kafka: Kafka;
  mongo: Connection;
  sla: ReturnType<typeof createSla>;
  stop(): Promise<void>;
}

/**
 * Runs the four services in this process against the real Kafka, MongoDB and Redis of the
 * test infrastructure, isolated by a namespace: own topics, database, queue prefix, Redis keys
 * and consumer groups.
 */
export async function startStack(opts: { kafkaBrokers?: string; clock?: ControllableClock; intakeEnv?: Record<string, string>; workflowEnv?: Record<string, string>; slaEnv?: Record<string, string> } = {}): Promise<Stack> {
  const namespace = uniqueName('e2e');
  const kafkaBrokers = opts.kafkaBrokers ?? requireEnv('KAFKA_BROKERS');
  const mongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
  const base = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    KAFKA_BROKERS: kafkaBrokers,
    KAFKA_TOPIC_NAMESPACE: namespace,
    MONGO_URL: mongoUrl,
    REDIS_URL: requireEnv('REDIS_URL'),
    PORT: '0',
    API_KEYS,
  };
  const workflow = createWorkflow(workflowConfig({ ...base, CONSUMER_GROUP: `${namespace}-workflow`, QUEUE_PREFIX: namespace, ...opts.workflowEnv }));
  const sla = createSla(slaConfig({ ...base, CONSUMER_GROUP: `${namespace}-sla`, SLA_UPSTREAM_CONSUMER_GROUP: `${namespace}-workflow`, QUEUE_PREFIX: namespace, ...opts.slaEnv }), opts.clock ? { clock: opts.clock } : {});
  const intake = createIntake(intakeConfig({ ...base, REDIS_KEY_PREFIX: namespace, ...opts.intakeEnv }));
  const reporting = createReporting(reportingConfig({ ...base, CONSUMER_GROUP: `${namespace}-reporting` }), opts.clock ? { clock: opts.clock } : {});
  const started: Array<{ stop(): Promise<void> }> = [];
  const mongo = await mongoose.createConnection(mongoUrl).asPromise();
  try {
    await workflow.start();
    started.push(workflow);
    await sla.start();
    started.push(sla);
    const intakeServer = await intake.start();
    started.push(intake);
    const reportingServer = await reporting.start();
    started.push(reporting);
    return {
      namespace,
      topics: topicsFor(namespace),
      intakeUrl: intakeServer.url,
      reportingUrl: reportingServer.url,
      kafka: new Kafka({ clientId: `${namespace}-probe`, brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING }),
      mongo,
      sla,
      async stop() {
        for (const app of started.reverse()) await app.stop().catch(() => undefined);
        await mongo.dropDatabase().catch(() => undefined);
        await mongo.close();
      },
    };
  } catch (err) {
    for (const app of started.reverse()) await app.stop().catch(() => undefined);
    await mongo.close();
    throw err;
  }
}

export { collectTopic } from '@tthc/testkit';

/**
 * The notifier beside a started stack, on the same topics and database. Its clock is the
 * caller's: tests that need messages to go out at once pin it to a working morning.
 */
export async function startNotifier(stack: Pick<Stack, 'namespace'>, opts: { env?: Record<string, string>; clock?: ControllableClock } = {}) {
  const notifier = createNotifier(
    notifierConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      PORT: '0',
      KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
      KAFKA_TOPIC_NAMESPACE: stack.namespace,
      CONSUMER_GROUP: `${stack.namespace}-notifier`,
      MONGO_URL: withDatabase(requireEnv('MONGO_URL'), stack.namespace),
      REDIS_URL: requireEnv('REDIS_URL'),
      QUEUE_PREFIX: `${stack.namespace}-notifier`,
      API_KEYS,
      DIGEST_ENABLED: 'false',
      ...opts.env,
    }),
    opts.clock ? { clock: opts.clock } : {},
  );
  const { url } = await notifier.start();
  return { url, stop: () => notifier.stop() };
}

export async function postEvents(stack: { intakeUrl: string }, body: unknown, opts: { key?: string | null; contentType?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? (Array.isArray(body) ? 'application/cloudevents-batch+json' : 'application/cloudevents+json') };
  if (opts.key !== null) headers['authorization'] = `Bearer ${opts.key ?? PORTAL_KEY}`;
  const res = await fetch(`${stack.intakeUrl}/v1/events`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

export async function getJson(url: string, key = REFORM_KEY) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
