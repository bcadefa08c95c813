import { receivedEvent, requireEnv, startKafkaProbe, tcpRelay, uniqueName } from '@tthc/testkit';
import { topicsFor } from '@tthc/contracts';
import { createApp, type IntakeApp } from '../src/app';
import { loadConfig } from '../src/config';
import { intakeTestEnv } from './intake-env';

const KEY = 'portal-key-g01';
const namespace = uniqueName('intake-redis-outage');
const topic = topicsFor(namespace).dossierEvents;
const realRedis = new URL(requireEnv('REDIS_URL'));

// Redis goes away between the claim of a request's ids and their done-marks, after Kafka
// acknowledged the events: the relay drops the done-mark command (its arguments carry the
// state "done" and, unlike the claim's, not "pending") and stops relaying.
let armed = false;
const isDoneMark = (chunk: Buffer) => chunk.includes('$4\r\ndone\r\n') && !chunk.includes('$7\r\npending\r\n');
const relay = tcpRelay({ host: realRedis.hostname, port: Number(realRedis.port || 6379) }, { cutWhen: (chunk) => armed && isDoneMark(chunk) });
let app: IntakeApp;
let url = '';

beforeAll(async () => {
  await relay.up();
  app = createApp(loadConfig(intakeTestEnv(namespace, `${KEY}:G01.001.000`, { REDIS_URL: `redis://127.0.0.1:${relay.port()}` })));
  url = (await app.start()).url;
});
afterAll(async () => {
  await app.stop();
  await relay.down();
});

test('when Redis goes away after Kafka acknowledged a batch, then the batch is answered accepted and each event is on Kafka once', async () => {
  const batch = Array.from({ length: 3 }, () => receivedEvent());
  armed = true;
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify(batch),
  });
  const body = (await res.json()) as { results?: Array<{ id: string; status: string }> };
  expect(res.status).toBe(202);
  expect(body.results?.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);

  const metrics = await (await fetch(`${url}/metrics`)).text();
  expect(metrics).toMatch(/^intake_duplicate_marks_lost_total\{[^}]*\} 3$/m);

  const probe = await startKafkaProbe({ brokers: requireEnv('KAFKA_BROKERS'), topics: topic });
  try {
    const ids = await probe.waitFor('the 3 events on Kafka', (messages) => (messages.length >= 3 ? messages.map((m) => String(m.value.id)) : undefined));
    expect(ids.sort()).toEqual(batch.map((e) => e.id).sort());
  } finally {
    await probe.stop();
  }
});
