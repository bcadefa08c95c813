import { canAccessAgency, parseApiKeys } from './api-keys';
import { createHash } from 'node:crypto';

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

  test('when an entry is malformed, then the error says how to write it without echoing the key', () => {
    expect(() => parseApiKeys('justakeywithoutagencies')).toThrow(/must be key:agency/);
    expect(() => parseApiKeys('short:*')).toThrow(/at least 6 characters/);
    expect(() => parseApiKeys('longenough:')).toThrow(/lists no agency/);
  });
});
