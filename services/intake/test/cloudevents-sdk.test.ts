import { CloudEvent, HTTP } from 'cloudevents';
import { topicsFor } from '@tthc/contracts';
import { collectTopic, probeKafka, receivedEvent, requireEnv, uniqueName, waitFor } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { intakeTestEnv } from './intake-env';

/**
 * One-stop vendors wire the official CloudEvents SDK with its defaults. Every content mode of the
 * HTTP binding it can produce (binary, structured, and a batch of its events) must be accepted
 * with the same validation, ownership and idempotency as our own structured events.
 */
const KEY = 'portal-key-g01';
const namespace = uniqueName('intake-sdk');
const topic = topicsFor(namespace).dossierEvents;
const app = createApp(loadConfig(intakeTestEnv(namespace, `${KEY}:G01.001.000`)));
let url = '';
let topicProbe: Awaited<ReturnType<typeof collectTopic>>;

/** A reception as the SDK builds it, from the same fields as our own builder. */
function sdkReception(data: Record<string, unknown> = {}, extensions: Record<string, string> = {}) {
  const e = receivedEvent();
  return new CloudEvent({ id: e.id, source: e.source, type: e.type, time: e.time, data: { ...e.data, ...data }, ...extensions });
}

async function send(message: { headers: Record<string, unknown>; body: unknown }, extraHeaders: Record<string, string> = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${KEY}` };
  for (const [name, value] of Object.entries(message.headers)) headers[name] = String(value);
  Object.assign(headers, extraHeaders);
  const res = await fetch(`${url}/v1/events`, { method: 'POST', headers, body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body) });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (text ? JSON.parse(text) : null) as any };
}

const published = (id: string) => waitFor(`event ${id} on Kafka`, () => topicProbe.messages.find((m) => m.value.id === id), { timeoutMs: 30_000 });

beforeAll(async () => {
  url = (await app.start()).url;
  topicProbe = await collectTopic(probeKafka(requireEnv('KAFKA_BROKERS')), topic);
});
afterAll(async () => {
  await topicProbe?.stop();
  await app.stop();
});

describe('the official CloudEvents SDK (cloudevents 10) against POST /v1/events', () => {
  test('when the SDK sends in binary mode (its default), then the event is accepted and published exactly as a structured one, extensions kept', async () => {
    const event = sdkReception({}, { correlationid: 'corr-1' });
    const message = HTTP.binary(event);
    expect(message.headers).toHaveProperty('ce-specversion', '1.0');
    const res = await send(message);
    expect(res.status).toBe(202);
    expect(res.body.results).toEqual([{ id: event.id, source: event.source, status: 'accepted' }]);

    const onKafka = await published(event.id);
    expect(onKafka.key).toBe((event.data as { dossierCode: string }).dossierCode);
    expect(onKafka.value).toMatchObject({ specversion: '1.0', id: event.id, source: event.source, type: event.type, time: event.time, correlationid: 'corr-1', data: event.data });
    // The key that sent it is stamped by intake, as for structured mode.
    expect(onKafka.value).toMatchObject({ authtype: 'api_key' });
  });

  test('when the SDK sends in structured mode, and a batch of SDK events is posted, then both are accepted', async () => {
    const one = sdkReception();
    expect((await send(HTTP.structured(one))).body.results).toEqual([{ id: one.id, source: one.source, status: 'accepted' }]);
    const batch = [sdkReception(), sdkReception()];
    const res = await send({ headers: { 'content-type': 'application/cloudevents-batch+json' }, body: batch.map((e) => e.toJSON()) });
    expect(res.status).toBe(202);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    await Promise.all([one, ...batch].map((e) => published(e.id)));
  });

  test('when a binary-mode event is sent twice, then the second is answered duplicate and published once', async () => {
    const event = sdkReception();
    expect((await send(HTTP.binary(event))).body.results[0].status).toBe('accepted');
    expect((await send(HTTP.binary(event))).body.results[0].status).toBe('duplicate');
    await published(event.id);
    expect(topicProbe.messages.filter((m) => m.value.id === event.id)).toHaveLength(1);
  });

  test('when binary-mode headers are invalid, then 400 problem+json names each header, and the data fields by their pointer', async () => {
    const res = await send(HTTP.binary(sdkReception()), { 'ce-time': 'yesterday', 'ce-specversion': '0.3' });
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    const errors = res.body.errors as Array<{ pointer: string; header?: string }>;
    expect(errors.map((e) => [e.header, e.pointer]).sort()).toEqual([['ce-specversion', '/specversion'], ['ce-time', '/time']]);
    expect(res.body.detail).toContain('ce-time');
    const badData = await send(HTTP.binary(sdkReception({ agencyCode: '' })));
    expect(badData.status).toBe(400);
    expect(badData.body.errors).toEqual([{ pointer: '/data/agencyCode', detail: expect.any(String) }]);

    const noId = { headers: { ...HTTP.binary(sdkReception()).headers }, body: HTTP.binary(sdkReception()).body };
    delete (noId.headers as Record<string, unknown>)['ce-id'];
    const missing = await send(noId);
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ pointer: '/id', header: 'ce-id' })]);

    const undecodable = await send(HTTP.binary(sdkReception()), { 'ce-source': 'urn:portal:%E0%A4%A' });
    expect(undecodable.status).toBe(400);
    expect(undecodable.body.errors).toEqual([expect.objectContaining({ header: 'ce-source' })]);
  });

  test('when a binary-mode event concerns another agency or its data is not JSON, then 403 names the data field and 415 the media type', async () => {
    const foreign = await send(HTTP.binary(sdkReception({ agencyCode: 'G02.001.000' })));
    expect(foreign.status).toBe(403);
    expect(foreign.body.errors).toEqual([expect.objectContaining({ pointer: '/data/agencyCode' })]);

    const text = await send({ headers: { ...HTTP.binary(sdkReception()).headers, 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(415);
    expect(text.body.detail).toContain('binary mode');
    const percentEncoded = sdkReception();
    const res = await send(HTTP.binary(percentEncoded), { 'ce-source': 'urn:portal:m%E1%BB%99t-c%E1%BB%ADa' });
    expect(res.status).toBe(202);
    expect((await published(percentEncoded.id)).value.source).toBe('urn:portal:một-cửa');
  });
});
