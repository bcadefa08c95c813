import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { DEFAULT_CALENDAR_PATH, loadCalendar } from '@tthc/calendar';
import { COLLECTIONS, topicsFor } from '@tthc/contracts';
import { dossierCode, requireEnv, uniqueName, waitFor, withDatabase } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { main as calendarApply } from '../src/cli/calendar-apply.cli';
import { cloudEvent, probeKafka } from './support/kafka-probe';

const namespace = uniqueName('wfpoll');
const brokers = requireEnv('KAFKA_BROKERS');
const mongoUrl = withDatabase(requireEnv('MONGO_URL'), namespace);
const app = createApp(
  loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_NAMESPACE: namespace,
    MONGO_URL: mongoUrl,
    REDIS_URL: requireEnv('REDIS_URL'),
    QUEUE_PREFIX: namespace,
    CONSUMER_GROUP: `${namespace}-workflow`,
    PORT: '0',
    CALENDAR_POLL_SECONDS: '1',
  }),
);
let mongo: Connection;

beforeAll(async () => {
  mongo = await mongoose.createConnection(mongoUrl).asPromise();
  await app.start();
});
afterAll(async () => {
  await app.stop();
  await mongo?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

test('when a calendar version is stored, then the poller applies it without a reload call', async () => {
  const code = dossierCode('G01.001.000', '261120');
  const producer = probeKafka(brokers).producer();
  await producer.connect();
  const at = '2026-11-20T09:00:00+07:00';
  const event = cloudEvent('vn.tthc.dossier.received', { dossierCode: code, procedureCode: 'X', agencyCode: 'G01.001.000', receivedAt: at, appointmentAt: '2026-12-04T17:00:00+07:00' }, at);
  await producer.send({ topic: topicsFor(namespace).dossierEvents, messages: [{ key: code, value: JSON.stringify(event) }] });
  await producer.disconnect();
  await waitFor('the dossier to be stored', async () => (await mongo.collection(COLLECTIONS.dossiers).countDocuments({ _id: code } as never)) === 1);

  const file = JSON.parse(readFileSync(DEFAULT_CALENDAR_PATH, 'utf8')) as { years: Record<string, { daysOff: unknown[] }> };
  file.years['2026']!.daysOff.push({ date: '2026-12-01', kind: 'holiday', reason: 'poll test' });
  const path = join(tmpdir(), `${namespace}-calendar.json`);
  writeFileSync(path, JSON.stringify(file));
  expect(await calendarApply([path], { stdout: () => undefined, stderr: () => undefined, env: { MONGO_URL: mongoUrl } })).toBe(0);

  const version = loadCalendar(file).version;
  const audit = await waitFor('the poller to record the audit', () => mongo.collection(COLLECTIONS.calendarAudits).findOne({ toVersion: version }).then((a) => a ?? undefined));
  // The portal's appointment rules this dossier, so the new day off moves nothing.
  expect(audit).toMatchObject({ calendarId: 'vn-civil-service', affected: [], unchangedOpenCount: 1 });
  expect(app.registry.national.version).toBe(version);
});
