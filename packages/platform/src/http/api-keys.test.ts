import { createHash } from 'node:crypto';
import express from 'express';
import { canAccessAgency, canReadMetrics, parseApiKeys, parseScopeClaims, requireApiKey, requireRole, scopeClaimsOf, scopeContains } from './api-keys';
import { listen } from './service-http';

const lookup = (table: ReturnType<typeof parseApiKeys>, key: string) => table.get(createHash('sha256').update(key).digest('hex'));

describe('API keys', () => {
  test('when keys list agencies or a star, then each key reaches exactly its agencies', () => {
    const table = parseApiKeys('portal-a:G01,G02; reform-key:*');
    const a = lookup(table, 'portal-a')!;
    expect(canAccessAgency(a, 'G01')).toBe(true);
    expect(canAccessAgency(a, 'G03')).toBe(false);
    expect(canAccessAgency(lookup(table, 'reform-key')!, 'anything')).toBe(true);
    expect(lookup(table, 'unknown')).toBeUndefined();
  });

  test('when entries are written without a role, then an agency list is a portal and a star a reform office', () => {
    const table = parseApiKeys('portal-a:G01.001.000;dev-key:*');
    expect(lookup(table, 'portal-a')).toMatchObject({ role: 'portal' });
    expect(canReadMetrics(lookup(table, 'portal-a')!)).toBe(false);
    expect(lookup(table, 'dev-key')).toMatchObject({ role: 'reform-office', agencies: '*' });
    expect(canReadMetrics(lookup(table, 'dev-key')!)).toBe(true);
  });

  test('when a reform office covers a province by prefix, then it reaches that province only', () => {
    const table = parseApiKeys('reform-g01:G01.*:reform-office;manager-1:G01.001.000:agency-manager');
    const reform = lookup(table, 'reform-g01')!;
    expect(reform.role).toBe('reform-office');
    expect(canAccessAgency(reform, 'G01.001.000')).toBe(true);
    expect(canAccessAgency(reform, 'G01.101.000')).toBe(true);
    expect(canAccessAgency(reform, 'G02.001.000')).toBe(false);
    expect(canAccessAgency(reform, 'G010.001.000')).toBe(false);
    const manager = lookup(table, 'manager-1')!;
    expect(canAccessAgency(manager, 'G01.001.000')).toBe(true);
    expect(canAccessAgency(manager, 'G01.002.000')).toBe(false);
    expect(canReadMetrics(manager)).toBe(true);
  });

  test('when an entry is malformed, then the error says how to write it without echoing the key', () => {
    expect(() => parseApiKeys('justakeywithoutagencies')).toThrow(/must be key:agency/);
    expect(() => parseApiKeys('short:*')).toThrow(/at least 6 characters/);
    expect(() => parseApiKeys('longenough:')).toThrow(/lists no agency/);
    expect(() => parseApiKeys('longenough:G01:mayor')).toThrow(/role "mayor"; expected one of portal, agency-manager, reform-office/);
    expect(() => parseApiKeys('longenough:G*1:reform-office')).toThrow(/wildcard may only end a code prefix/);
    expect(() => parseApiKeys('longenough:G01.*:agency-manager')).toThrow(/must list its agency codes/);
    expect(() => parseApiKeys('secretkey1:G01:mayor')).not.toThrow(/secretkey1/);
  });

  test('when a portal key asks for a role-guarded route, then it gets 403 problem+json and a manager passes', async () => {
    const app = express();
    app.use(requireApiKey(parseApiKeys('portal-a:G01.001.000;manager-1:G01.001.000:agency-manager')));
    app.get('/guarded', requireRole('agency-manager', 'reform-office'), (_req, res) => {
      res.json({ ok: true });
    });
    const server = await listen(app, 0);
    try {
      const asPortal = await fetch(`${server.url}/guarded`, { headers: { authorization: 'Bearer portal-a' } });
      expect(asPortal.status).toBe(403);
      expect(asPortal.headers.get('content-type')).toContain('application/problem+json');
      expect(await asPortal.json()).toMatchObject({ type: 'urn:tthc:problem:forbidden', status: 403 });
      const asManager = await fetch(`${server.url}/guarded`, { headers: { authorization: 'Bearer manager-1' } });
      expect(asManager.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test('when a scope is written as authclaims and read back, then it reaches the same agencies', () => {
    const table = parseApiKeys('portal-a:G01.002.000,G01.001.000,G02.*;reform-key:*');
    const portal = lookup(table, 'portal-a')!;
    expect(scopeClaimsOf(portal)).toBe('G01.001.000,G01.002.000,G02.*');
    const back = parseScopeClaims(scopeClaimsOf(portal))!;
    for (const agency of ['G01.001.000', 'G01.002.000', 'G02.777.000', 'G01.003.000', 'G03.001.000']) expect(canAccessAgency(back, agency)).toBe(canAccessAgency(portal, agency));
    expect(parseScopeClaims(scopeClaimsOf(lookup(table, 'reform-key')!))).toEqual({ agencies: '*', agencyPrefixes: [] });
    expect(parseScopeClaims('')).toBeNull();
    expect(parseScopeClaims('G0*1')).toBeNull();
  });

  test('when one scope is compared with another, then containment follows codes and prefixes', () => {
    const scope = (text: string) => parseScopeClaims(text)!;
    expect(scopeContains(scope('G01.*'), scope('G01.001.000,G01.002.*'))).toBe(true);
    expect(scopeContains(scope('G01.001.000'), scope('G01.*'))).toBe(false);
    expect(scopeContains(scope('*'), scope('G01.*'))).toBe(true);
    expect(scopeContains(scope('G01.*'), scope('*'))).toBe(false);
  });

  test('when a key is listed twice, then the table refuses it; key ids are 16 hex digits', () => {
    expect(() => parseApiKeys('portal-a:G01;portal-a:G02')).toThrow(/listed twice/);
    expect(lookup(parseApiKeys('portal-a:G01'), 'portal-a')!.keyId).toMatch(/^[0-9a-f]{16}$/);
  });
});
