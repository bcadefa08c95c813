import { dossierCode, readTopic, receivedEvent, requireEnv, startKafkaProbe, uniqueName } from '@tthc/testkit';
import { topicsFor } from '@tthc/contracts';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { intakeTestEnv } from './intake-env';

const KEY = 'portal-key-g01';
const namespace = uniqueName('intake');
const topic = topicsFor(namespace).dossierEvents;
const app = createApp(loadConfig(intakeTestEnv(namespace, `${KEY}:G01.001.000`)));
let url = '';

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': Array.isArray(body) ? 'application/cloudevents-batch+json' : 'application/cloudevents+json', authorization: `Bearer ${KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  url = (await app.start()).url;
});
afterAll(async () => {
  await app.stop();
});

describe('POST /v1/events', () => {
  test('when a batch of 500 valid events is posted, then all are accepted and each is on Kafka keyed by its dossier code', async () => {
    const batch = Array.from({ length: 500 }, () => receivedEvent());
    const res = await post(batch);
    expect(res.status).toBe(202);
    expect(res.body.results).toHaveLength(500);
    expect(res.body.results.every((r: { status: string }) => r.status === 'accepted')).toBe(true);

    const messages = await readTopic({ brokers: requireEnv('KAFKA_BROKERS'), topic, atLeast: 500 });
    const seen = new Map(messages.map((m) => [String(m.value.id), m.key]));
    for (const e of batch) expect(seen.get(e.id)).toBe(e.data.dossierCode);
  });

  test('when a batch under the body limit is about one dossier and more than Kafka takes in one request to its partition, then all of it is accepted and on Kafka', async () => {
    // Long ids, sources, subjects and an extension attribute: 500 valid events, about 1 MB
    // together, every one keyed by the same dossier code, thus in one partition, over the
    // broker's 1 MiB message.max.bytes there. It was answered 503 on every retry.
    const code = dossierCode();
    const batch = Array.from({ length: 500 }, (_, i) => ({
      ...receivedEvent({ dossierCode: code }, { id: `${String(i).padStart(6, '0')}-${'i'.repeat(240)}`, source: `urn:portal:${'s'.repeat(490)}` }),
      subject: 'x'.repeat(500),
      xnote: 'y'.repeat(500),
    }));
    const body = JSON.stringify(batch);
    expect(Buffer.byteLength(body)).toBeGreaterThan(1_000_000);
    const res = await post(body, { 'content-type': 'application/cloudevents-batch+json' });
    expect(res.status).toBe(202);
    expect(res.body.results.filter((r: { status: string }) => r.status === 'accepted')).toHaveLength(500);
    const probe = await startKafkaProbe({ brokers: requireEnv('KAFKA_BROKERS'), topics: topic });
    try {
      const ours = await probe.waitFor('the 500 events on Kafka', (messages) => {
        const mine = messages.filter((m) => m.key === code);
        return mine.length >= 500 ? mine : undefined;
      });
      expect(ours.map((m) => m.value.id)).toEqual(batch.map((e) => e.id));
    } finally {
      await probe.stop();
    }
  });

  test('when fields are invalid, then 400 problem+json names every bad field with its position in the batch', async () => {
    const good = receivedEvent();
    const bad = receivedEvent();
    (bad.data as Record<string, unknown>).agencyCode = '';
    (bad.data as Record<string, unknown>).receivedAt = 'not a date';
    const res = await post([good, bad]);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: 'urn:tthc:problem:invalid-event', status: 400 });
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/1/data/agencyCode', '/1/data/receivedAt']);
    expect(res.body.detail).toContain('/1/data/agencyCode');
  });

  test('when no or an unknown key is sent, then 401', async () => {
    expect((await post(receivedEvent(), { authorization: '' })).status).toBe(401);
    expect((await post(receivedEvent(), { authorization: 'Bearer nope-nope' })).status).toBe(401);
  });

  test('when the key does not own the agency, then 403 names the agency and nothing is accepted', async () => {
    const foreign = receivedEvent({ agencyCode: 'G99.001.000' });
    const res = await post([receivedEvent(), foreign]);
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain('G99.001.000');
    expect(res.body.errors).toEqual([{ pointer: '/1/data/agencyCode', detail: expect.any(String) }]);
  });

  test('when the body exceeds 1 MiB, then 413', async () => {
    const res = await post('{"x":"' + 'a'.repeat(1024 * 1024) + '"}');
    expect(res.status).toBe(413);
    expect(res.type).toContain('application/problem+json');
  });

  test('when the content type or JSON is wrong, then 415 or 400 with a clear detail', async () => {
    expect((await post(receivedEvent(), { 'content-type': 'text/plain' })).status).toBe(415);
    const malformed = await post('{"specversion":', {});
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toBe('urn:tthc:problem:malformed-json');
    const arrayAsSingle = await post(JSON.stringify([receivedEvent()]), { 'content-type': 'application/cloudevents+json' });
    expect(arrayAsSingle.status).toBe(400);
    expect(arrayAsSingle.body.detail).toContain('application/cloudevents-batch+json');
    expect((await post(Array.from({ length: 501 }, () => receivedEvent()))).body.detail).toContain('at most 500');
  });

  test('when health, readiness, metrics and the OpenAPI document are requested, then they answer without a key', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { kafka: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('intake_events_total');
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, { post: { responses: Record<string, unknown> } }> };
    expect(doc.paths['/v1/events']?.post.responses['503']).toBeDefined();
  });
});
