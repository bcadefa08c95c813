import { request } from 'node:http';
import { ControllableClock } from '@tthc/testkit';
import { MANAGER, PORTAL, REFORM, startReporting, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
let api: ReportingUnderTest;

beforeAll(async () => {
  // The sweep sends thousands of requests per key; the limiter is tested on its own.
  api = await startReporting({ name: 'reporting-hostile', clock, env: { RATE_LIMIT_PER_MINUTE: '0' } });
});

afterAll(async () => {
  await api.stop();
});

const ROUTES = [
  '/v1/metrics/late-cases',
  '/v1/metrics/trend',
  '/v1/index/subscores',
  '/v1/dossiers',
  '/v1/dossiers/A',
  '/v1/alerts',
  '/v1/calendar-audits',
  '/v1/procedures',
  '/v1/procedures/1.001234',
  '/v1/audit-log',
];
const PORTAL_ROUTES = ['/v1/dossiers', '/v1/dossiers/A', '/v1/alerts', '/v1/procedures'];
const PARAMS = ['period', 'order', 'agency', 'page', 'pageSize', 'format', 'sort', 'groupBy', 'months', 'procedure', 'subject', 'overdue', 'atRisk', 'dossierCode', 'type', 'since', 'limit', 'calendarId', 'field', 'level', 'action'];
/** Values as they appear in the URL (already percent-encoded where they need it). */
const VALUES = [
  '',
  '%20',
  'x'.repeat(5000),
  '9999-12',
  '0000-01',
  '2026-00',
  '2099-12',
  '-1',
  '0',
  '1e308',
  '0x10',
  '99999999999999999999',
  'NaN',
  'true',
  '%FF',
  '%E0%A4%A',
  '%00',
  '%C0%AF',
  '%5B%5D',
  '*',
  'G02.*',
  '.*',
  '%24where',
  '__proto__',
  '10000-01-01T00:00:00Z',
];
/** Query shapes that are not one value per name. */
const SHAPES = (p: string) => [`${p}=a&${p}=b`, `${p}=&${p}=`, `${p}[x]=1`, `${p}[]=1`, `${p}[__proto__][x]=1`];
const FOREIGN = ['__proto__=x', '__proto__[polluted]=1', 'constructor=', 'constructor[prototype][x]=1', 'prototype=1', 'hasOwnProperty=1', 'toString=', '%5F_proto__=1', '=1', '&&&', 'a'.repeat(3000) + '=1'];

function queriesFor(): string[] {
  const out: string[] = [];
  for (const p of PARAMS) {
    for (const v of VALUES) out.push(`${p}=${v}`);
    out.push(...SHAPES(p));
  }
  out.push(...FOREIGN);
  return out;
}

interface Outcome {
  path: string;
  key: string;
  status: number;
  type: string;
}

async function sweep(paths: string[], keys: string[]): Promise<Outcome[]> {
  const jobs = paths.flatMap((path) => keys.map((key) => ({ path, key })));
  const out: Outcome[] = [];
  // A few requests at a time: enough to finish quickly without queueing on the local MongoDB stand-in.
  for (let i = 0; i < jobs.length; i += 16) {
    const batch = await Promise.all(
      jobs.slice(i, i + 16).map(async ({ path, key }) => {
        const res = await api.get(path, key);
        return { path, key, status: res.status, type: res.type };
      }),
    );
    out.push(...batch);
  }
  return out;
}

const badOutcomes = (outcomes: Outcome[]) => outcomes.filter((o) => o.status >= 500 || (o.status >= 400 && !o.type.includes('application/problem+json')));

describe('hostile query strings', () => {
  test('when every route gets empty, repeated, prototype, huge, absurd and wrongly typed parameters, then no answer is a 5xx and every refusal is problem+json', async () => {
    const paths = (routes: string[]) => routes.flatMap((route) => queriesFor().map((query) => `${route}?${query}`));
    // A portal is refused the metrics routes before their query is read, so it sweeps its own.
    const outcomes = [...(await sweep(paths(ROUTES), [REFORM])), ...(await sweep(paths(PORTAL_ROUTES), [PORTAL]))];
    expect(badOutcomes(outcomes)).toEqual([]);
    // The sweep reached the routes: most of it is refused as a bad query, and the rest answered.
    const byStatus = outcomes.reduce<Record<number, number>>((acc, o) => ({ ...acc, [o.status]: (acc[o.status] ?? 0) + 1 }), {});
    expect(byStatus[400]).toBeGreaterThan(outcomes.length / 2);
    expect(byStatus[200]).toBeGreaterThan(0);
    expect(byStatus[403]).toBeGreaterThan(0);
  }, 180_000);

  test('when the values the trust review found are sent, then each is a 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/dossiers?period=', '/query/period'],
      // A month that does not exist is refused on every list and export, not only where it filters.
      ['/v1/dossiers?period=2026-13', '/query/period'],
      ['/v1/dossiers?overdue=true&period=2026-13&format=csv', '/query/period'],
      ['/v1/dossiers?atRisk=true&period=2026-13&format=xlsx', '/query/period'],
      ['/v1/dossiers?order=', '/query/order'],
      ['/v1/dossiers?agency=', '/query/agency'],
      ['/v1/dossiers?page=', '/query/page'],
      ['/v1/dossiers?format=', '/query/format'],
      ['/v1/dossiers?agency=G01.001.000&agency=G01.002.000', '/query/agency'],
      ['/v1/dossiers?__proto__=x', '/query/__proto__'],
      ['/v1/dossiers?constructor=', '/query/constructor'],
      ['/v1/metrics/late-cases?period=9999-12', '/query/period'],
      ['/v1/index/subscores?period=2026-Q5', '/query/period'],
      ['/v1/metrics/late-cases?page=1e308', '/query/page'],
      ['/v1/metrics/trend?months=12.5', '/query/months'],
      ['/v1/alerts?since=10000-01-01T00:00:00Z', '/query/since'],
      ['/v1/alerts?limit=0x10', '/query/limit'],
      [`/v1/procedures?field=${'x'.repeat(5000)}`, '/query/field'],
      ['/v1/dossiers/A?format=csv', '/query/format'],
    ];
    for (const [path, pointer] of cases) {
      const res = await api.get(path, REFORM);
      expect({ path, status: res.status, type: res.type, pointers: res.body?.errors?.map((e: { pointer: string }) => e.pointer) }).toEqual({
        path,
        status: 400,
        type: expect.stringContaining('application/problem+json'),
        pointers: [pointer],
      });
    }
  });

  test('when a prototype key is sent, then no later request sees a polluted object', async () => {
    await api.get('/v1/dossiers?__proto__[polluted]=yes&constructor[prototype][polluted]=yes', REFORM);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const res = await api.get('/v1/dossiers?overdue=true', MANAGER);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('polluted');
  });
});

/** A raw request, for what fetch would refuse to send or would rewrite. */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; type: string }> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    const length = opts.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(opts.body)) };
    const req = request({ host: url.hostname, port: url.port, path, method: opts.method ?? 'GET', headers: { authorization: `Bearer ${REFORM}`, ...length, ...opts.headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('hostile paths, bodies and charsets', () => {
  test('when paths hold broken escapes, control characters or huge codes, then the answer is a 4xx problem+json', async () => {
    for (const path of ['/v1/dossiers/%E0%A4%A', '/v1/dossiers/%FF', '/v1/dossiers/%00', '/v1/dossiers/%0A', `/v1/dossiers/${'x'.repeat(5000)}`, '/v1/procedures/%E0%A4%A', '/v1/dossiers/..%2F..%2Fetc', '/v1/dossiers/%2e%2e']) {
      const res = await raw(path);
      expect({ path, status: res.status >= 400 && res.status < 500, type: res.type }).toEqual({ path, status: true, type: expect.stringContaining('application/problem+json') });
    }
  });

  test('when requests come with unsupported charsets or bodies, then no answer is a 5xx', async () => {
    const outcomes: Array<{ route: string; method: string; status: number; type: string }> = [];
    for (const route of ROUTES) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        const res = await raw(route, { method, headers: { 'content-type': 'application/json; charset=koi8-r', 'accept-charset': 'utf-7', accept: 'text/csv; charset=ebcdic' }, body: '{"a":' });
        outcomes.push({ route, method, ...res });
      }
    }
    expect(outcomes.filter((o) => o.status >= 500 || (o.status >= 400 && !o.type.includes('problem+json')))).toEqual([]);
    expect(outcomes.filter((o) => o.method !== 'GET').every((o) => o.status === 404)).toBe(true);
  });
});
