import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { INBOUND_DOSSIER_EVENTS, topicsFor } from '@tthc/contracts';
import { startProcessStack, startSmtpSink, type ProcessStack, type SmtpSink } from '@tthc/testkit';
import { arbitraryOf, hostileValue, mutate, realisticInstant } from './support/schema-arbitrary';

/**
 * Valid and mutated requests, generated from the zod schemas, against intake, reporting and
 * the notifier running as their own processes on the real infrastructure. Whatever arrives:
 * never a 5xx, no process dies, and nothing reaches Kafka for a refused request.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const PARALLEL = 12;

const KEYS = {
  portalAll: 'fuzz-portal-key-all-0001',
  portalG01: 'fuzz-portal-key-g01-0001',
  manager: 'fuzz-manager-key-g01-0001',
  reform: 'fuzz-reform-office-key-0001',
};
const API_KEYS = `${KEYS.portalAll}:*:portal;${KEYS.portalG01}:G01.*:portal;${KEYS.manager}:G01.001.000:agency-manager;${KEYS.reform}:*:reform-office`;

type Target = 'intake' | 'reporting' | 'notifier';
interface FuzzRequest {
  target: Target;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const authHeader = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...Object.values(KEYS)).map((k) => `Bearer ${k}`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer wrong-key-000', 'Basic Zm9vOmJhcg==', `Bearer ${'k'.repeat(9000)}`) },
);

const EVENT_TYPES = Object.keys(INBOUND_DOSSIER_EVENTS) as Array<keyof typeof INBOUND_DOSSIER_EVENTS>;
const validEvent = fc.constantFrom(...EVENT_TYPES).chain((type) =>
  fc.record({
    specversion: fc.constant('1.0'),
    id: fc.uuid(),
    source: fc.constantFrom('urn:portal:fuzz-a', 'urn:portal:fuzz-b'),
    type: fc.constant(type),
    time: realisticInstant,
    data: arbitraryOf(INBOUND_DOSSIER_EVENTS[type]),
  }),
);

const portalRecord = fc.record(
  {
    MaHoSo: fc.stringMatching(/^G0[1-3]\.00[1-3]\.000-2611[0-2]\d-\d{4}$/),
    MaTTHC: fc.constantFrom('1.001234', '2.000001'),
    MaDonVi: fc.constantFrom('G01.001.000', 'G02.001.000'),
    TrangThaiHoSo: fc.integer({ min: 1, max: 10 }),
    KenhThucHien: fc.integer({ min: 1, max: 3 }),
    NgayTiepNhan: fc.constantFrom('20261123090000', '2026-11-23T09:00:00+07:00'),
    NgayHenTra: fc.constantFrom('20261126170000', '2026-11-27T17:00:00+07:00'),
    NgayKetThucXuLy: fc.constantFrom('20261125100000'),
    NgayCapNhat: fc.constantFrom('20261124080000'),
    ChuHoSo: fc.constantFrom('Nguyễn Văn A'),
  },
  { requiredKeys: ['MaHoSo', 'TrangThaiHoSo', 'MaDonVi'] },
);

const eventContentType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('application/cloudevents+json', 'application/json', 'application/cloudevents+json; charset=utf-8') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=latin1', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', '', 'application/cloudevents-batch+json') },
);
const junkBody = fc.oneof(
  fc.constantFrom('', 'not json', '{', '[', '"text"', '1', 'null', '[]', '{}', '{"specversion":"1.0"}', '{"__proto__":{"polluted":true}}', JSON.stringify(Array.from({ length: 501 }, () => ({})))),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 200 }),
);
const json = (v: unknown) => JSON.stringify(v) ?? 'null';

const intakeRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(validEvent, authHeader).map(([e, auth]) => post('intake', '/v1/events', auth, 'application/cloudevents+json', json(e))) },
  { weight: 2, arbitrary: fc.tuple(fc.array(validEvent, { minLength: 1, maxLength: 5 }), authHeader).map(([e, auth]) => post('intake', '/v1/events', auth, 'application/cloudevents-batch+json', json(e))) },
  { weight: 6, arbitrary: fc.tuple(validEvent.chain(mutate), authHeader, eventContentType).map(([e, auth, ct]) => post('intake', '/v1/events', auth, ct, json(e))) },
  { weight: 2, arbitrary: fc.tuple(fc.array(validEvent, { minLength: 1, maxLength: 4 }).chain(mutate), authHeader).map(([e, auth]) => post('intake', '/v1/events', auth, 'application/cloudevents-batch+json', json(e))) },
  { weight: 1, arbitrary: fc.tuple(portalRecord, authHeader).map(([r, auth]) => post('intake', '/v1/portal/dossiers', auth, 'application/json', json(r))) },
  { weight: 2, arbitrary: fc.tuple(fc.array(portalRecord, { minLength: 1, maxLength: 3 }).chain(mutate), authHeader).map(([r, auth]) => post('intake', '/v1/portal/dossiers', auth, 'application/json', json(r))) },
  { weight: 2, arbitrary: fc.tuple(junkBody, authHeader, eventContentType, fc.constantFrom('/v1/events', '/v1/portal/dossiers')).map(([b, auth, ct, path]) => post('intake', path, auth, ct, b)) },
);

const QUERY_NAMES = ['agency', 'procedure', 'period', 'page', 'pageSize', 'format', 'groupBy', 'sort', 'order', 'subject', 'overdue', 'atRisk', 'months', 'dossierCode', 'type', 'since', 'limit', 'field', 'level', 'calendarId', 'action', '__proto__', 'constructor', 'toString', 'a[b]', 'agency[]'];
const queryValue = fc.oneof(
  fc.constantFrom('', 'G01.001.000', 'G01.*', 'G02.*', '*', '2026-11', '2026-Q4', '2026', '9999-12', '0000-00', 'json', 'csv', 'xlsx', 'pdf', 'agency', 'procedure', 'level', 'lateRate', 'asc', 'desc', 'true', 'false', '1', '0', '-1', '201', '1e9', 'dossier', 'petition', '2026-11-01T00:00:00Z', 'overdue'),
  hostileValue.map((v) => (typeof v === 'string' ? v.slice(0, 3000) : json(v).slice(0, 3000))),
);
const query = fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), queryValue), { maxLength: 5 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : ''));
const pathSegment = fc.oneof(fc.constantFrom('G01.001.000-261123-0001', 'P-1', '__proto__', 'constructor', '%00', '..%2F..%2Fetc', '%E0%A4%A', 'x'.repeat(5000)), fc.string({ maxLength: 20 }).map(encodeURIComponent));

const reportingRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('/v1/dossiers', '/v1/alerts', '/v1/metrics/late-cases', '/v1/metrics/trend', '/v1/index/subscores', '/v1/procedures', '/v1/calendar-audits', '/v1/audit-log'),
      pathSegment.map((s) => `/v1/dossiers/${s}`),
      pathSegment.map((s) => `/v1/procedures/${s}`),
    ),
    query,
    authHeader,
  )
  .map(([path, q, auth]) => ({ target: 'reporting', method: 'GET', path: path + q, headers: auth ? { authorization: auth } : {} }));

const subscription = fc.record(
  {
    name: fc.constantFrom('Trưởng phòng', 'Chánh văn phòng'),
    role: fc.constantFrom('agency-manager', 'agency-head', 'reform-office'),
    agencyCode: fc.constantFrom('G01.001.000', 'G02.001.000', '*'),
    kinds: fc.constantFrom([], ['overdue'], ['warning', 'escalated']),
    channel: fc.oneof(
      fc.record({ type: fc.constant('email'), address: fc.emailAddress() }),
      fc.record({ type: fc.constant('webhook'), url: fc.constantFrom('https://hooks.example.vn/tthc', 'http://127.0.0.1:9/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://10.0.0.1/') }),
    ),
    language: fc.constantFrom('vi', 'en'),
    digest: fc.boolean(),
  },
  { requiredKeys: ['name', 'role', 'agencyCode', 'channel'] },
);
const notifierRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(subscription, authHeader).map(([s, auth]) => post('notifier', '/v1/subscriptions', auth, 'application/json', json(s))) },
  { weight: 4, arbitrary: fc.tuple(subscription.chain(mutate), authHeader, eventContentType).map(([s, auth, ct]) => post('notifier', '/v1/subscriptions', auth, ct.replace('cloudevents+', ''), json(s))) },
  { weight: 1, arbitrary: fc.tuple(junkBody, authHeader).map(([b, auth]) => post('notifier', '/v1/subscriptions', auth, 'application/json', b)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('GET', 'DELETE') as fc.Arbitrary<'GET' | 'DELETE'>, pathSegment, query, authHeader).map(([method, id, q, auth]) => ({ target: 'notifier', method, path: `/v1/subscriptions${method === 'GET' && id.length % 2 ? '' : `/${id}`}${q}`, headers: auth ? { authorization: auth } : {} })) },
  {
    weight: 2,
    arbitrary: fc.tuple(pathSegment, fc.oneof(hostileValue, fc.string()), authHeader, fc.boolean()).map(([id, token, auth, form]) =>
      form
        ? post('notifier', `/v1/alerts/${id}/ack`, '', 'application/x-www-form-urlencoded', `token=${encodeURIComponent(typeof token === 'string' ? token : json(token))}`)
        : post('notifier', `/v1/alerts/${id}/ack`, auth, 'application/json', json({ token })),
    ),
  },
  { weight: 1, arbitrary: fc.tuple(pathSegment, query).map(([id, q]) => ({ target: 'notifier', method: 'GET', path: `/v1/alerts/${id}/ack${q}`, headers: {} })) },
);

function post(target: Target, path: string, auth: string, contentType: string, body: string): FuzzRequest {
  const headers: Record<string, string> = {};
  if (auth) headers['authorization'] = auth;
  if (contentType) headers['content-type'] = contentType;
  return { target, method: 'POST', path, headers, body };
}

const anyRequest = fc.oneof({ weight: 6, arbitrary: intakeRequest }, { weight: 3, arbitrary: reportingRequest }, { weight: 2, arbitrary: notifierRequest });

describe('hostile input against the running services', () => {
  let stack: ProcessStack;
  let smtp: SmtpSink;
  jest.setTimeout(300_000);

  beforeAll(async () => {
    smtp = await startSmtpSink();
    stack = await startProcessStack({
      env: { API_KEYS, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
      serviceEnv: { notifier: { SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port), ACK_SECRET: 'fuzz-ack-secret-0123456789abcdef' } },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await smtp?.stop();
  });

  test(`when ${REQUESTS} generated requests arrive, then none gets a 5xx, no process dies and only accepted events are published`, async () => {
    const requests = fc.sample(anyRequest, { numRuns: REQUESTS, seed: SEED });
    const tally = new Map<string, number>();
    const serverErrors: Array<{ request: FuzzRequest; status: number; body: string }> = [];
    // 4xx answers without a problem body: only Node's HTTP parser may give those (431, headers too large).
    const bareErrors = new Set<string>();
    let resent = 0;
    const send = async (request: FuzzRequest) => {
      const res = await fetch(`${stack.url(request.target)}${request.path}`, { method: request.method, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}) });
      return { res, text: await res.text() };
    };
    let accepted = 0;
    let next = 0;
    const started = Date.now();

    const lane = async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        let res: Response;
        let text: string;
        try {
          ({ res, text } = await send(request));
        } catch {
          // A kept-alive connection the server closed as it idled can fail one send on a busy
          // machine; the same request on a new connection tells that apart from a request that
          // makes the service drop the connection, which fails again and counts like a 5xx.
          resent++;
          try {
            ({ res, text } = await send(request));
          } catch (err) {
            serverErrors.push({ request: { ...request, body: request.body?.slice(0, 500) }, status: 0, body: String((err as Error).cause ?? err) });
            continue;
          }
        }
        const key = `${request.target} ${Math.floor(res.status / 100)}xx`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (res.status >= 500) serverErrors.push({ request: { ...request, body: request.body?.slice(0, 500) }, status: res.status, body: text.slice(0, 500) });
        else if (res.status >= 400 && !/application\/problem\+json|text\/html/.test(res.headers.get('content-type') ?? '')) bareErrors.add(`${request.target} ${res.status}`);
        if (request.target === 'intake' && res.status === 202) accepted += countAccepted(JSON.parse(text));
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, lane));
    const seconds = (Date.now() - started) / 1000;

    const summary = [...tally.entries()].sort().map(([k, n]) => `${k}: ${n}`).join(', ');
    console.log(`[fuzz] ${requests.length} requests (seed ${SEED}) in ${seconds.toFixed(1)} s, ${serverErrors.length} × 5xx; ${summary}; ${accepted} events accepted; ${resent} re-sent after a closed connection`);
    expect(serverErrors).toEqual([]);
    expect([...bareErrors].filter((e) => !e.endsWith(' 431'))).toEqual([]);
    expect(tally.get('intake 2xx') ?? 0).toBeGreaterThan(REQUESTS / 50);
    expect([...tally.keys()].filter((k) => k.endsWith('4xx'))).toEqual(expect.arrayContaining(['intake 4xx', 'reporting 4xx', 'notifier 4xx']));

    for (const p of stack.processes) expect({ service: p.label, running: p.running }).toEqual({ service: p.label, running: true });
    const fatal = stack.allLines().filter((l) => /"level":"fatal"|uncaught|unhandled/i.test(l));
    expect(fatal).toEqual([]);

    // Every published record is an accepted event: refused requests left nothing behind.
    const kafka = new Kafka({ clientId: `fuzz-${randomUUID()}`, brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topicsFor(stack.namespace).dossierEvents);
      const published = offsets.reduce((n, o) => n + Number(o.high), 0);
      expect(published).toBe(accepted);
    } finally {
      await admin.disconnect();
    }
  });
});

/** Accepted events in a 202 answer of /v1/events or /v1/portal/dossiers. */
function countAccepted(body: { results?: Array<{ status: string; events?: Array<{ status: string }> }> }): number {
  return (body.results ?? []).reduce((n, r) => n + (r.events ? r.events.filter((e) => e.status === 'accepted').length : r.status === 'accepted' ? 1 : 0), 0);
}
