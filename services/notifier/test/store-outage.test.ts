import { Kafka, logLevel, type Admin } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { topicsFor } from '@tthc/contracts';
import { ControllableClock, requireEnv, startSmtpSink, uniqueName, waitFor, withDatabase, type SmtpSink } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { alertPublisher, buildAlert, isolatedEnv, startTcpProxy, subscribeEmail } from './support';

// Monday 2026-03-09 09:00 in Hà Nội: messages go out at once.
const clock = new ControllableClock('2026-03-09T09:00:00+07:00');
const namespace = uniqueName('notifier-outage');
const directMongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
const groupId = `${namespace}-notifier`;
const topic = topicsFor(namespace).alerts;

let sink: SmtpSink;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let app: ReturnType<typeof createApp>;
let url = '';
let publisher: Awaited<ReturnType<typeof alertPublisher>>;
let admin: Admin;
let mongo: Connection;

/** The group's committed offset of a partition (-1: nothing committed yet). */
const committed = async (partition: number): Promise<number> => {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Number(entry?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
};
const metricValue = async (name: string, label: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(label))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
};

beforeAll(async () => {
  sink = await startSmtpSink();
  const target = new URL(directMongoUrl);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  // The service reaches MongoDB only through the relay; the test reads it directly.
  app = createApp(loadConfig(isolatedEnv(namespace, sink.port, { MONGO_URL: proxy.via(directMongoUrl), RECONCILE_EVERY_SECONDS: '3600', DIGEST_ENABLED: 'false' })), { clock });
  url = (await app.start()).url;
  publisher = await alertPublisher(requireEnv('KAFKA_BROKERS'), topic);
  admin = new Kafka({ clientId: `${namespace}-admin`, brokers: requireEnv('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  mongo = await mongoose.createConnection(directMongoUrl).asPromise();
});

afterAll(async () => {
  proxy?.restore();
  await publisher?.stop();
  await admin?.disconnect();
  await app?.deliveryQueue.obliterate({ force: true }).catch(() => undefined);
  await app?.maintenanceQueue.obliterate({ force: true }).catch(() => undefined);
  await app?.stop();
  await proxy?.stop();
  await mongo?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await sink?.stop();
});

test('when MongoDB is unreachable, then alerts are not stored, their offsets are not committed and readiness fails; once it is back every alert is e-mailed exactly once and the lag drains', async () => {
  await subscribeEmail(url, 'mgr.o1@agency.test', 'O1');
  const before = buildAlert({ dossierCode: 'O1-0001', agencyCode: 'O1', kind: 'warning' });
  await publisher.publish(before);
  await waitFor('e-mail of the alert before the outage', () => sink.mailTo('mgr.o1@agency.test').length === 1);
  await waitFor('its delivery recorded as sent', async () => (await mongo.collection('deliveries').countDocuments({ alertId: before.alertId, status: 'sent' })) === 1);

  proxy.cut();
  const down = await waitFor('readiness to fail on MongoDB', async () => {
    const res = await fetch(`${url}/readyz`);
    return res.status === 503 && ((await res.json()) as { status: string; checks: Record<string, string> });
  });
  expect(down.status).toBe('not-ready');
  expect(down.checks.mongo).toMatch(/^unavailable: /);

  // Same key: one partition, so "nothing past the first unstored alert" is one offset to read.
  const during = [buildAlert({ dossierCode: 'O1-0001', agencyCode: 'O1', kind: 'warning', deadlineVersion: 2 }), buildAlert({ dossierCode: 'O1-0001', agencyCode: 'O1', kind: 'warning', deadlineVersion: 3 })];
  const [first] = await publisher.publish(during[0]!);
  await publisher.publish(during[1]!);
  const partition = first!.partition;
  const firstOffset = Number(first!.baseOffset);
  await waitFor('the consumer to meet the outage', async () => (await metricValue('notifier_alerts_not_stored_total', 'error="Mongo')) > 0, { timeoutMs: 30_000 });
  expect(await committed(partition)).toBeLessThanOrEqual(firstOffset);
  expect(await mongo.collection('alert_acks').countDocuments({ _id: { $in: during.map((a) => a.alertId) } as never })).toBe(0);
  expect(sink.mailTo('mgr.o1@agency.test')).toHaveLength(1);
  const stillDown = await fetch(`${url}/readyz`);
  expect(stillDown.status).toBe(503);

  proxy.restore();
  await waitFor('e-mails of the alerts from the outage', () => sink.mailTo('mgr.o1@agency.test').length >= 3, { timeoutMs: 60_000 });
  await waitFor('the lag to drain', async () => (await committed(partition)) > firstOffset + 1, { timeoutMs: 30_000 });
  await waitFor('every delivery recorded as sent', async () => (await mongo.collection('deliveries').countDocuments({ status: 'sent' })) === 3);
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  const subjects = sink.mailTo('mgr.o1@agency.test').map((m) => m.subject);
  expect(subjects).toHaveLength(3);
  expect(await mongo.collection('deliveries').distinct('alertId')).toEqual(expect.arrayContaining([before.alertId, ...during.map((a) => a.alertId)]));
  expect(new Set(sink.mailTo('mgr.o1@agency.test').map((m) => m.headers['message-id'])).size).toBe(3);
}, 150_000);
