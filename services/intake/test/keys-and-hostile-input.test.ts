import { createHash } from 'node:crypto';
import { dossierCode, receivedEvent, requireEnv, startKafkaProbe, uniqueName, waitFor, type KafkaProbe } from '@tthc/testkit';
import { topicsFor } from '@tthc/contracts';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { intakeTestEnv } from './intake-env';

// Portal A (G01.001.000) with a second key of its own, portal B (G02.001.000) and a reform
// office reaching every agency.
const KEY_A = 'portal-key-agency-a';
const KEY_A2 = 'portal-key-agency-a-second';
const KEY_B = 'portal-key-agency-b';
const KEY_REFORM = 'reform-office-key-all';
const AGENCY_A = 'G01.001.000';
const AGENCY_B = 'G02.001.000';
const API_KEYS = `${KEY_A}:${AGENCY_A};${KEY_A2}:${AGENCY_A};${KEY_B}:${AGENCY_B};${KEY_REFORM}:*`;
const keyIdOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

const namespace = uniqueName('intake-keys');
const topic = topicsFor(namespace).dossierEvents;
const app = createApp(loadConfig(intakeTestEnv(namespace, API_KEYS)));
// A second instance with a tiny per-key budget (and its own Redis prefix, so its buckets are its own).
const limited = createApp(loadConfig(intakeTestEnv(namespace, API_KEYS, { REDIS_KEY_PREFIX: `${namespace}-limited`, RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '2' })));
let url = '';
let limitedUrl = '';
let probe: KafkaProbe;
/** Every message on the namespace's dossier topic: key, and the event it carries. */
const published = () => probe.messages.map((m) => ({ key: m.key!, event: m.value as Record<string, unknown> & { id: string; source: string; data: Record<string, unknown> } }));

async function post(path: string, key: string, body: unknown, contentType = 'application/json', base = url) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${key}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: text ? JSON.parse(text) : null };
}
const postEvents = (key: string, body: unknown, base = url) => post('/v1/events', key, body, Array.isArray(body) ? 'application/cloudevents-batch+json' : 'application/cloudevents+json', base);

const portalRecord = (code: string, agency: string) => ({
  MaHoSo: code,
  MaTTHC: '1.001234',
  MaDonVi: agency,
  TrangThaiHoSo: 2,
  NgayTiepNhan: '20261123090000',
  NgayHenTra: '20261127170000',
});

beforeAll(async () => {
  url = (await app.start()).url;
  limitedUrl = (await limited.start()).url;
  probe = await startKafkaProbe({ brokers: requireEnv('KAFKA_BROKERS'), topics: topic });
});
afterAll(async () => {
  await probe?.stop();
  await limited.stop();
  await app.stop();
});

describe('who may post', () => {
  test('when a reform-office key posts events or portal records, then 403 problem+json names the portal role and nothing is published', async () => {
    const event = receivedEvent({ agencyCode: AGENCY_A, dossierCode: dossierCode(AGENCY_A, '261123') });
    const events = await postEvents(KEY_REFORM, event);
    expect(events.status).toBe(403);
    expect(events.type).toContain('application/problem+json');
    expect(events.body).toMatchObject({ type: 'urn:tthc:problem:forbidden', status: 403, detail: expect.stringContaining('portal') });
    const records = await post('/v1/portal/dossiers', KEY_REFORM, portalRecord(dossierCode(AGENCY_A, '261123'), AGENCY_A));
    expect(records.status).toBe(403);
    expect(records.body.detail).toContain('reform-office');
    // A's own post of the same event goes through, so the refusal above was the role, not the event.
    expect((await postEvents(KEY_A, event)).status).toBe(202);
    await waitFor('the portal key event on the topic', () => published().some((m) => m.event.id === event.id));
    expect(published().filter((m) => m.event.id === event.id)).toHaveLength(1);
  });

  test('when portal A posts a reception under a TT 04/2025 code of agency B, then 403 names /data/dossierCode, in a batch by position', async () => {
    const squat = receivedEvent({ agencyCode: AGENCY_A, dossierCode: dossierCode(AGENCY_B, '261123') });
    const single = await postEvents(KEY_A, squat);
    expect(single.status).toBe(403);
    expect(single.type).toContain('application/problem+json');
    expect(single.body.errors).toEqual([{ pointer: '/data/dossierCode', detail: expect.stringContaining(AGENCY_B) }]);
    const batch = await postEvents(KEY_A, [receivedEvent({ agencyCode: AGENCY_A, dossierCode: dossierCode(AGENCY_A, '261123') }), squat]);
    expect(batch.status).toBe(403);
    expect(batch.body.errors).toEqual([{ pointer: '/1/data/dossierCode', detail: expect.stringContaining(AGENCY_B) }]);
    const record = await post('/v1/portal/dossiers', KEY_A, [portalRecord(dossierCode(AGENCY_B, '261123'), AGENCY_A)]);
    expect(record.status).toBe(403);
    expect(record.body.errors).toEqual([{ pointer: '/0/MaHoSo', detail: expect.stringContaining(AGENCY_B) }]);
    // A code of another shape tells nothing, so intake lets workflow judge it against the owner.
    const opaque = await postEvents(KEY_A, receivedEvent({ agencyCode: AGENCY_A, dossierCode: uniqueName('HS') }));
    expect(opaque.status).toBe(202);
  });
});

describe('event identity per key', () => {
  test("when A posts B's source and next id first, then B's real event with that source and id is accepted and published too", async () => {
    const source = 'urn:portal:agency-b';
    const id = uniqueName('b-next');
    const codeB = dossierCode(AGENCY_B, '261123');
    const fromA = receivedEvent({ agencyCode: AGENCY_A, dossierCode: uniqueName('HS') }, { source, id });
    const fromB = receivedEvent({ agencyCode: AGENCY_B, dossierCode: codeB }, { source, id });
    expect((await postEvents(KEY_A, fromA)).body.results).toEqual([{ id, source, status: 'accepted' }]);
    expect((await postEvents(KEY_B, fromB)).body.results).toEqual([{ id, source, status: 'accepted' }]);
    expect((await postEvents(KEY_B, fromB)).body.results).toEqual([{ id, source, status: 'duplicate' }]);

    const mineB = await waitFor("B's event on the topic", () => published().find((m) => m.event.id === id && m.key === codeB));
    expect(mineB.event).toMatchObject({ source, authid: keyIdOf(KEY_B), authclaims: AGENCY_B, data: { agencyCode: AGENCY_B } });
    expect(published().filter((m) => m.event.id === id).map((m) => m.event.authid).sort()).toEqual([keyIdOf(KEY_A), keyIdOf(KEY_B)].sort());
  });

  test('when two keys of one agency post the same portal-sync record, then the deterministic ids are claimed per key', async () => {
    const code = dossierCode(AGENCY_A, '261123');
    const byA = await post('/v1/portal/dossiers', KEY_A, portalRecord(code, AGENCY_A));
    expect(byA.body.results[0].status).toBe('accepted');
    const bySecondKey = await post('/v1/portal/dossiers', KEY_A2, portalRecord(code, AGENCY_A));
    expect(bySecondKey.body.results[0].status).toBe('accepted');
    expect((await post('/v1/portal/dossiers', KEY_A, portalRecord(code, AGENCY_A))).body.results[0].status).toBe('duplicate');
    const id = byA.body.results[0].events[0].id as string;
    expect(bySecondKey.body.results[0].events[0].id).toBe(id);
    await waitFor('both copies on the topic', () => published().filter((m) => m.event.id === id).length === 2);
    expect(published().filter((m) => m.event.id === id).map((m) => m.event.authid).sort()).toEqual([keyIdOf(KEY_A), keyIdOf(KEY_A2)].sort());
  });

  test('when a client sends its own authtype, authid and authclaims, then the published event carries the stamp of the key that sent it', async () => {
    const forged = { ...receivedEvent({ agencyCode: AGENCY_A, dossierCode: dossierCode(AGENCY_A, '261123') }), authtype: 'system', authid: keyIdOf(KEY_REFORM), authclaims: '*' };
    expect((await postEvents(KEY_A, forged)).status).toBe(202);
    const message = await waitFor('the event on the topic', () => published().find((m) => m.event.id === forged.id));
    expect(message.event).toMatchObject({ authtype: 'api_key', authid: keyIdOf(KEY_A), authclaims: AGENCY_A });
    expect(JSON.stringify(message.event)).not.toContain(KEY_A);
  });
});

describe('hostile input', () => {
  test('when the body is declared latin1, then both routes answer 415 problem+json', async () => {
    const event = receivedEvent({ agencyCode: AGENCY_A, dossierCode: dossierCode(AGENCY_A, '261123') });
    for (const [path, body] of [['/v1/events', event], ['/v1/portal/dossiers', portalRecord(dossierCode(AGENCY_A, '261123'), AGENCY_A)]] as const) {
      const res = await post(path, KEY_A, body, 'application/json; charset=latin1');
      expect(res.status).toBe(415);
      expect(res.type).toContain('application/problem+json');
      expect(res.body).toMatchObject({ type: 'urn:tthc:problem:unsupported-media-type', detail: expect.stringContaining('latin1') });
    }
    expect(published().some((m) => m.event.id === event.id)).toBe(false);
  });

  test('when the type is "__proto__" or "constructor", then 400 names /type', async () => {
    for (const type of ['__proto__', 'constructor']) {
      const res = await postEvents(KEY_A, { ...receivedEvent({ agencyCode: AGENCY_A }), type });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ pointer: '/type', detail: expect.stringContaining('unknown event type') }]);
    }
  });

  test('when instants lie outside 2000–2099, then 400 names each of them', async () => {
    const event = receivedEvent({ agencyCode: AGENCY_A, receivedAt: '1999-12-31T23:59:59Z', appointmentAt: '2100-01-02T00:00:00+07:00' }, { time: '9999-01-01T00:00:00Z' });
    const res = await postEvents(KEY_A, event);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/time']);
    const data = await postEvents(KEY_A, { ...event, time: '2026-11-23T09:00:00+07:00' });
    expect(data.status).toBe(400);
    expect(data.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/data/appointmentAt', '/data/receivedAt']);
    const record = await post('/v1/portal/dossiers', KEY_A, { ...portalRecord(dossierCode(AGENCY_A, '261123'), AGENCY_A), NgayHenTra: '21001231170000' });
    expect(record.status).toBe(400);
    expect(record.body.errors).toEqual([{ pointer: '/NgayHenTra', detail: 'must lie between the years 2000 and 2099' }]);
  });
});

describe('rate limit per key', () => {
  test('when a key exceeds its budget, then it gets 429 problem+json with Retry-After and other keys are not affected', async () => {
    // Invalid bodies still spend tokens and publish nothing.
    const spend = (key: string) => postEvents(key, { specversion: '1.0' }, limitedUrl);
    expect((await spend(KEY_A)).status).toBe(400);
    expect((await spend(KEY_A)).status).toBe(400);
    const refused = await spend(KEY_A);
    expect(refused.status).toBe(429);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: 'urn:tthc:problem:rate-limited', status: 429 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await spend(KEY_B)).status).toBe(400);
    const metrics = await (await fetch(`${limitedUrl}/metrics`)).text();
    expect(metrics).toMatch(/http_rate_limited_total\{[^}]*role="portal"[^}]*\} 1/);
  });
});
