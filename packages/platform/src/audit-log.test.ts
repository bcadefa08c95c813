import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { createAuditLog } from './audit-log';
import { parseScopeClaims } from './http/api-keys';

describe('audit log on the real MongoDB-wire server', () => {
  let conn: Connection;
  beforeAll(async () => {
    const url = new URL(process.env.MONGO_URL ?? 'mongodb://missing');
    url.pathname = `/audit-${randomBytes(4).toString('hex')}`;
    conn = await mongoose.createConnection(url.toString()).asPromise();
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  test('when writes are recorded, then a reader sees those of its scope, newest first, and national ones only with *', async () => {
    const log = createAuditLog(conn);
    await log.init();
    const at = (m: number) => new Date(Date.UTC(2026, 10, 30, 8, m));
    await log.record({ at: at(1), actor: 'key:aaaa', role: 'agency-manager', action: 'subscription.created', target: 'sub_1', agencyCode: 'G01.001.000', details: {} });
    await log.record({ at: at(2), actor: 'key:bbbb', role: 'agency-manager', action: 'subscription.created', target: 'sub_2', agencyCode: 'G02.001.000', details: {} });
    await log.record({ at: at(3), actor: 'cli:root', role: 'operator', action: 'calendar.applied', target: 'vn-civil-service@2026-2', agencyCode: null, details: { moved: 3 } });
    await log.record({ at: at(4), actor: 'key:cccc', role: 'reform-office', action: 'subscription.created', target: 'sub_3', agencyCode: '*', details: {} });

    const g01 = await log.list({ scope: parseScopeClaims('G01.*')!, page: 1, pageSize: 10 });
    expect(g01.items.map((e) => e.target)).toEqual(['vn-civil-service@2026-2', 'sub_1']);
    expect(g01.total).toBe(2);
    const all = await log.list({ scope: parseScopeClaims('*')!, action: 'subscription.created', page: 1, pageSize: 2 });
    expect(all).toMatchObject({ total: 3, items: [{ target: 'sub_3' }, { target: 'sub_2' }] });
    expect(all.items[0]).toMatchObject({ actor: 'key:cccc', role: 'reform-office', at: at(4) });
  });
});
