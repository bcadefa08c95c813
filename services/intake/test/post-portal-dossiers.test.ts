import { Writable } from 'node:stream';
import { dossierCode, receivedEvent, requireEnv, startKafkaProbe, uniqueName, waitFor, type KafkaProbe } from '@tthc/testkit';
import { createLogger } from '@tthc/platform';
import { parseInboundDossierEvent, PETITION_RECEIVED_V1, topicsFor, DOSSIER_SUPPLEMENT_REQUESTED_V1 } from '@tthc/contracts';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';

const KEY = 'portal-key-g01';
const AGENCY = 'G01.001.000';
const namespace = uniqueName('intake-portal');
const topic = topicsFor(namespace).dossierEvents;
const logLines: string[] = [];
const logger = createLogger({
  service: 'intake',
  level: 'debug',
  destination: new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
});
const app = createApp(
  loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
    REDIS_URL: requireEnv('REDIS_URL'),
    KAFKA_TOPIC_NAMESPACE: namespace,
    REDIS_KEY_PREFIX: namespace,
    API_KEYS: `${KEY}:${AGENCY}`,
  }),
  { logger },
);
let url = '';
let probe: KafkaProbe;
/** Every message on the namespace's dossier topic: key, and the event it carries. */
const seen = () => probe.messages.map((m) => ({ key: m.key!, event: m.value as { id: string; type: string; source: string; data: Record<string, unknown> } }));

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
}

const record = (code: string, overrides: Record<string, unknown>) => ({
  MaHoSo: code,
  MaTTHC: '1.001234',
  MaDonVi: AGENCY,
  KenhThucHien: 2,
  NgayTiepNhan: '20261123090000',
  NgayHenTra: '20261127170000',
  NgayCapNhat: '20261124100000',
  ...overrides,
});

beforeAll(async () => {
  url = (await app.start()).url;
  probe = await startKafkaProbe({ brokers: requireEnv('KAFKA_BROKERS'), topics: topic });
});
afterAll(async () => {
  await probe?.stop();
  await app.stop();
});

describe('POST /v1/portal/dossiers', () => {
  test('when records of every status are posted, then each status yields its events on Kafka keyed by MaHoSo', async () => {
    const codes = Array.from({ length: 10 }, () => dossierCode(AGENCY, '261123'));
    const records = codes.map((code, i) => {
      const status = i + 1;
      return record(code, { TrangThaiHoSo: status, ...(status === 9 || status === 10 ? { NgayKetThucXuLy: '20261126150000' } : {}), ChuHoSo: 'Trần Thị Bình', SoGiayTo: '079088001234' });
    });
    const res = await post('/v1/portal/dossiers', records);
    expect(res.status).toBe(202);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['ignored', ...Array(9).fill('accepted')]);
    expect(res.body.results[0].reason).toContain('TrangThaiHoSo 1');

    const expected: Record<number, string[]> = {
      2: ['received'],
      3: ['refused'],
      4: ['received', 'processing-started'],
      5: ['received', 'supplement-requested'],
      6: ['received', 'financial-obligation-requested'],
      7: ['received', 'withdrawn'],
      8: ['received', 'suspended'],
      9: ['received', 'resolved'],
      10: ['received', 'resolved', 'returned'],
    };
    const total = Object.values(expected).flat().length;
    await waitFor(`${total} events on the topic`, () => seen().length >= total, { timeoutMs: 30_000 });
    expect(seen()).toHaveLength(total);
    for (const [status, types] of Object.entries(expected)) {
      const code = codes[Number(status) - 1]!;
      const mine = seen().filter((m) => m.event.data.dossierCode === code);
      expect(mine.map((m) => m.event.type)).toEqual(types.map((t) => `vn.tthc.dossier.${t}`));
      for (const m of mine) {
        expect(m.key).toBe(code);
        expect(m.event.source).toBe(`urn:portal-sync:${AGENCY}`);
        expect(parseInboundDossierEvent(m.event)).toMatchObject({ ok: true });
      }
    }
    const received = seen().find((m) => m.event.type === 'vn.tthc.dossier.received')!.event.data;
    expect(received).toMatchObject({ receivedAt: '2026-11-23T09:00:00+07:00', appointmentAt: '2026-11-27T17:00:00+07:00', channel: 'online', applicant: { idNumber: '079088001234' } });
    // Personal data stays out of the logs even though it travelled through the request.
    expect(logLines.join('')).toContain('portal records accepted');
    expect(logLines.join('')).not.toMatch(/Trần Thị Bình|079088001234/);
  });

  test('when the same record is synchronised again with an advanced status, then the known events are duplicates and only the new one is published', async () => {
    const code = dossierCode(AGENCY, '261123');
    const first = await post('/v1/portal/dossiers', record(code, { TrangThaiHoSo: 4 }));
    expect(first.status).toBe(202);
    expect(first.body.results[0].status).toBe('accepted');
    const again = await post('/v1/portal/dossiers', record(code, { TrangThaiHoSo: 4, NgayTiepNhan: '2026-11-23T02:00:00Z' }));
    expect(again.body.results[0]).toMatchObject({ status: 'duplicate', events: [{ status: 'duplicate' }, { status: 'duplicate' }] });
    const later = await post('/v1/portal/dossiers', [record(code, { TrangThaiHoSo: 5, NgayCapNhat: '20261125080000' })]);
    expect(later.body.results[0].events.map((e: { type: string; status: string }) => `${e.type} ${e.status}`)).toEqual([
      'vn.tthc.dossier.received duplicate',
      `${DOSSIER_SUPPLEMENT_REQUESTED_V1} accepted`,
    ]);
    await waitFor('the supplement request on the topic', () => seen().some((m) => m.event.data.dossierCode === code && m.event.type === DOSSIER_SUPPLEMENT_REQUESTED_V1), { timeoutMs: 15_000 });
    expect(seen().filter((m) => m.event.data.dossierCode === code).map((m) => m.event.type)).toEqual([
      'vn.tthc.dossier.received',
      'vn.tthc.dossier.processing-started',
      DOSSIER_SUPPLEMENT_REQUESTED_V1,
    ]);
  });

  test('when fields are invalid, then 400 problem+json names every bad field by pointer and nothing is published', async () => {
    const code = dossierCode(AGENCY, '261123');
    const res = await post('/v1/portal/dossiers', [
      record(code, { TrangThaiHoSo: 2 }),
      record(dossierCode(AGENCY, '261123'), { TrangThaiHoSo: 9, NgayHenTra: '27/11/2026', KenhThucHien: 7 }),
    ]);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: 'urn:tthc:problem:invalid-portal-record', status: 400 });
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/1/KenhThucHien', '/1/NgayHenTra']);
    expect(res.body.detail).toContain('/1/NgayHenTra must be yyyyMMddHHmmss or ISO 8601 with offset');
    const single = await post('/v1/portal/dossiers', record(code, { TrangThaiHoSo: 9 }));
    expect(single.body.errors).toEqual([{ pointer: '/NgayKetThucXuLy', detail: expect.stringContaining('TrangThaiHoSo is 9') }]);
    // The valid first record of the rejected batch was not published either.
    const accepted = await post('/v1/portal/dossiers', record(code, { TrangThaiHoSo: 2 }));
    expect(accepted.body.results[0].status).toBe('accepted');
  });

  test('when the key does not own MaDonVi, then 403 names the agency and nothing is accepted', async () => {
    const mine = dossierCode(AGENCY, '261123');
    const res = await post('/v1/portal/dossiers', [record(mine, { TrangThaiHoSo: 2 }), record(dossierCode('G99.001.000'), { TrangThaiHoSo: 2, MaDonVi: undefined, DonViXuLy: 'G99.001.000' })]);
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain('G99.001.000');
    // The TT 04/2025 code names the same foreign agency, so MaHoSo is named too.
    expect(res.body.errors).toEqual([
      { pointer: '/1/DonViXuLy', detail: expect.any(String) },
      { pointer: '/1/MaHoSo', detail: expect.stringContaining('G99.001.000') },
    ]);
    const retry = await post('/v1/portal/dossiers', record(mine, { TrangThaiHoSo: 2 }));
    expect(retry.body.results[0].status).toBe('accepted');
  });

  test('when the shape, content type or key is wrong, then 400, 415 or 401', async () => {
    expect((await post('/v1/portal/dossiers', [])).body.detail).toContain('at least one record');
    expect((await post('/v1/portal/dossiers', Array.from({ length: 501 }, () => ({})))).body.detail).toContain('at most 500');
    expect((await post('/v1/portal/dossiers', '"text"')).status).toBe(400);
    expect((await post('/v1/portal/dossiers', record('x', { TrangThaiHoSo: 2 }), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/portal/dossiers', record('x', { TrangThaiHoSo: 2 }), { authorization: 'Bearer nope-nope' })).status).toBe(401);
  });

  test('when the OpenAPI document is read, then it describes the portal route and every inbound event type', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, { post: { responses: Record<string, unknown> } }>; components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> } };
    expect(doc.paths['/v1/portal/dossiers']?.post.responses['202']).toBeDefined();
    expect(doc.components.schemas.PortalDossierRecord?.properties.TrangThaiHoSo).toBeDefined();
    expect(doc.components.schemas.CloudEvent?.properties.type?.enum).toEqual(expect.arrayContaining([PETITION_RECEIVED_V1, DOSSIER_SUPPLEMENT_REQUESTED_V1]));
  });
});

describe('POST /v1/events with the newer inbound types', () => {
  test('when one petition event and one lifecycle event are posted, then both are on Kafka keyed by their subject code', async () => {
    const petitionCode = uniqueName('PAKN');
    const dossier = receivedEvent({ agencyCode: AGENCY });
    const petition = {
      specversion: '1.0',
      id: uniqueName('pet'),
      source: 'urn:portal:test',
      type: PETITION_RECEIVED_V1,
      time: '2026-11-23T09:00:00+07:00',
      data: { petitionCode, agencyCode: AGENCY, occurredAt: '2026-11-23T09:00:00+07:00', title: 'Đường hỏng', channel: 'online' },
    };
    const lifecycle = {
      specversion: '1.0',
      id: uniqueName('life'),
      source: 'urn:portal:test',
      type: DOSSIER_SUPPLEMENT_REQUESTED_V1,
      time: '2026-11-24T09:00:00+07:00',
      data: { dossierCode: dossier.data.dossierCode, agencyCode: AGENCY, occurredAt: '2026-11-24T09:00:00+07:00', reason: 'thiếu bản sao' },
    };
    const res = await post('/v1/events', [petition, lifecycle], { 'content-type': 'application/cloudevents-batch+json' });
    expect(res.status).toBe(202);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    await waitFor('both events on the topic', () => seen().some((m) => m.event.id === petition.id) && seen().some((m) => m.event.id === lifecycle.id), { timeoutMs: 15_000 });
    expect(seen().find((m) => m.event.id === petition.id)?.key).toBe(petitionCode);
    expect(seen().find((m) => m.event.id === lifecycle.id)?.key).toBe(dossier.data.dossierCode);
  });
});
