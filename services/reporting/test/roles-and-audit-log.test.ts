import { COLLECTIONS } from '@tthc/contracts';
import { createAuditLog } from '@tthc/platform';
import { ControllableClock } from '@tthc/testkit';
import { MANAGER, NARROW_REFORM, PORTAL, PROVINCE, REFORM, startReporting, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
let api: ReportingUnderTest;

const at = (day: number) => new Date(Date.UTC(2026, 2, day, 2));

beforeAll(async () => {
  api = await startReporting({ name: 'reporting-roles', clock });
  await api.mongo.collection(COLLECTIONS.alerts).insertMany([
    { _id: 'overdue:A:v1', type: 'dossier.overdue', dossierCode: 'A', agencyCode: 'G01.001.000', dueAt: new Date('2026-02-05T10:00:00Z'), raisedAt: new Date('2026-02-05T10:00:01Z') },
    { _id: 'overdue:OLD-1:v1', type: 'dossier.overdue', dossierCode: 'OLD-1', agencyCode: 'G01.002.000', dueAt: new Date('2026-02-18T02:00:00Z'), raisedAt: new Date('2026-02-18T02:00:01Z') },
  ] as never[]);
  const log = createAuditLog(api.mongo);
  await log.init();
  await log.record({ at: at(1), actor: 'key:aaaaaaaaaaaaaaaa', role: 'agency-manager', action: 'subscription.created', target: 'sub_1', agencyCode: 'G01.001.000', details: { name: 'Nguyễn Văn Trưởng Phòng', language: 'vi', channel: { type: 'email', address: 'truongphong@example.vn' } } });
  await log.record({ at: at(2), actor: 'key:bbbbbbbbbbbbbbbb', role: 'agency-manager', action: 'subscription.created', target: 'sub_2', agencyCode: 'G02.001.000', details: {} });
  await log.record({ at: at(3), actor: 'cli:root', role: 'operator', action: 'calendar.applied', target: 'vn-civil-service@2026-2', agencyCode: null, details: { moved: 3 } });
  await log.record({ at: at(4), actor: 'key:cccccccccccccccc', role: 'reform-office', action: 'subscription.created', target: 'sub_3', agencyCode: '*', details: { channel: { type: 'webhook', url: 'https://hooks.example.vn/x?token=s3cret' } } });
  await log.record({ at: at(5), actor: 'key:aaaaaaaaaaaaaaaa', role: 'agency-manager', action: 'alert.acknowledged', target: 'overdue:A:v1', agencyCode: 'G01.002.000', details: {} });
});

afterAll(async () => {
  await api.stop();
});

const targets = (body: { items: Array<{ target: string }> }) => body.items.map((i) => i.target);

describe('roles', () => {
  test('when a portal key reads, then it gets its own agencies\' dossiers and alerts as JSON and nothing else', async () => {
    expect((await api.get('/v1/alerts', PORTAL)).body.items.map((a: { id: string }) => a.id)).toEqual(['overdue:A:v1']);
    expect((await api.get('/v1/dossiers/A', PORTAL)).status).toBe(200);
    expect((await api.get('/v1/dossiers/OLD-1', PORTAL)).status).toBe(404);
    for (const path of ['/v1/calendar-audits', '/v1/audit-log', '/v1/metrics/late-cases', '/v1/index/subscores', '/v1/dossiers?format=xlsx']) {
      const res = await api.get(path, PORTAL);
      expect({ path, status: res.status, type: res.type }).toEqual({ path, status: 403, type: expect.stringContaining('application/problem+json') });
    }
    expect((await api.get('/v1/dossiers', PORTAL, { accept: 'text/csv' })).status).toBe(403);
  });

  test('when an agency manager reads, then it reaches its agency\'s figures, alerts and audits but not the audit log', async () => {
    expect((await api.get('/v1/alerts', MANAGER)).body.items.map((a: { id: string }) => a.id)).toEqual(['overdue:A:v1']);
    expect((await api.get('/v1/calendar-audits', MANAGER)).body.items[0].affected.map((a: { code: string }) => a.code)).toEqual(['A']);
    expect((await api.get('/v1/dossiers?overdue=true&format=csv', MANAGER)).status).toBe(200);
    const log = await api.get('/v1/audit-log', MANAGER);
    expect({ status: log.status, problem: log.body.type }).toEqual({ status: 403, problem: 'urn:tthc:problem:forbidden' });
  });
});

describe('GET /v1/audit-log', () => {
  test('when a province reform office reads the audit log, then it gets its province\'s entries and those of no agency, newest first', async () => {
    const res = await api.get('/v1/audit-log', PROVINCE);
    expect(res.status).toBe(200);
    expect(targets(res.body)).toEqual(['overdue:A:v1', 'vn-civil-service@2026-2', 'sub_1']);
    expect(res.body).toMatchObject({ page: 1, pageSize: 50, total: 3 });
    expect(res.body.items[2]).toMatchObject({ actor: 'key:aaaaaaaaaaaaaaaa', role: 'agency-manager', action: 'subscription.created', agencyCode: 'G01.001.000', at: '2026-03-01T02:00:00.000Z' });
  });

  test('when the key reads every agency, then entries of every agency and of all agencies are listed', async () => {
    const res = await api.get('/v1/audit-log', REFORM);
    expect(targets(res.body)).toEqual(['overdue:A:v1', 'sub_3', 'vn-civil-service@2026-2', 'sub_2', 'sub_1']);
    expect((await api.get('/v1/audit-log', NARROW_REFORM)).body.total).toBe(2);
  });

  test('when entries carry names, addresses or webhook URLs in their details, then those are removed', async () => {
    const res = await api.get('/v1/audit-log?action=subscription.created', REFORM);
    const text = res.raw.toString('utf8');
    for (const secret of ['Nguyễn Văn Trưởng Phòng', 'truongphong@example.vn', 's3cret', 'hooks.example.vn']) expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    const sub1 = res.body.items.find((i: { target: string }) => i.target === 'sub_1');
    expect(sub1.details).toEqual({ language: 'vi', channel: { type: 'email' } });
  });

  test('when action, since and paging are given, then they filter and page the key\'s entries', async () => {
    const byAction = await api.get('/v1/audit-log?action=subscription.created', PROVINCE);
    expect(targets(byAction.body)).toEqual(['sub_1']);
    const since = await api.get(`/v1/audit-log?since=${encodeURIComponent('2026-03-03T00:00:00+07:00')}`, REFORM);
    expect(targets(since.body)).toEqual(['overdue:A:v1', 'sub_3', 'vn-civil-service@2026-2']);
    const page = await api.get('/v1/audit-log?page=2&pageSize=2', REFORM);
    expect({ targets: targets(page.body), total: page.body.total, page: page.body.page }).toEqual({ targets: ['vn-civil-service@2026-2', 'sub_2'], total: 5, page: 2 });
  });

  test('when the audit-log query is malformed, then 400 problem+json names the parameter', async () => {
    for (const [query, param] of [
      ['since=yesterday', 'since'],
      ['action=DROP%20TABLE', 'action'],
      ['pageSize=1000', 'pageSize'],
      ['agency=G01.*', 'agency'],
    ] as const) {
      const res = await api.get(`/v1/audit-log?${query}`, REFORM);
      expect({ query, status: res.status, pointers: res.body.errors?.map((e: { pointer: string }) => e.pointer) }).toEqual({ query, status: 400, pointers: [`/query/${param}`] });
    }
  });
});
