import { ConfigError } from '@tthc/platform';
import { loadConfig } from './config';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', MONGO_URL: 'mongodb://127.0.0.1:27017/n', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('notifier configuration', () => {
  test('when only the stores are given, then the documented defaults apply', () => {
    const cfg = loadConfig(base);
    expect(cfg).toMatchObject({ PORT: 8084, SMTP_HOST: '127.0.0.1', SMTP_PORT: 1025, SMTP_SECURE: false, DELIVERY_ATTEMPTS: 8, ESCALATE_AFTER: '1wd', DIGEST_AT: '07:30', URGENT_LEVEL: 2, usingDevKey: true, usingDevAckSecret: true });
    expect(cfg.ackWindow).toEqual({ amount: 1, unit: 'working-day' });
    expect(cfg).toMatchObject({ ACK_LINK_TTL: '7d', ackLinkTtlMs: 7 * 86_400_000, WEBHOOK_ALLOW_PRIVATE_NETWORKS: false, MAX_SUBSCRIPTIONS_PER_KEY: 200, RATE_LIMIT_PER_MINUTE: 6000, RATE_LIMIT_BURST: 300 });
  });

  test('when the trust settings are given, then they are read and bad ones are named', () => {
    expect(loadConfig({ ...base, ACK_LINK_TTL: '36h', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', MAX_SUBSCRIPTIONS_PER_KEY: '5', RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '10' })).toMatchObject({
      ackLinkTtlMs: 36 * 3_600_000,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
      MAX_SUBSCRIPTIONS_PER_KEY: 5,
      RATE_LIMIT_PER_MINUTE: 60,
      RATE_LIMIT_BURST: 10,
    });
    let message = '';
    try {
      loadConfig({ ...base, ACK_LINK_TTL: 'forever', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes', MAX_SUBSCRIPTIONS_PER_KEY: '0', RATE_LIMIT_PER_MINUTE: '-1' });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of ['ACK_LINK_TTL', 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', 'MAX_SUBSCRIPTIONS_PER_KEY', 'RATE_LIMIT_PER_MINUTE']) expect(message).toContain(`- ${name}:`);
    expect(() => loadConfig({ ...base, ACK_LINK_TTL: '91d' })).toThrow(/ACK_LINK_TTL: must be between 1 minute and 90 days/);
  });

  test('when variables are bad, then the error names each of them', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, SMTP_PORT: 'smtp', SMTP_SECURE: 'yes', ESCALATE_AFTER: '1 day', DIGEST_AT: '7:30', DASHBOARD_URL: 'ftp://x', SMTP_USER: 'only-user', DELIVERY_ATTEMPTS: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['SMTP_PORT', 'SMTP_SECURE', 'ESCALATE_AFTER', 'DIGEST_AT', 'DASHBOARD_URL', 'DELIVERY_ATTEMPTS']) expect((error as Error).message).toContain(`- ${name}:`);
  });

  test('when running in production, then API keys and the ack secret are required and SMTP credentials go together', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/API_KEYS: is required[\s\S]*ACK_SECRET: is required when NODE_ENV=production/);
    expect(() => loadConfig({ ...base, SMTP_USER: 'mailer' })).toThrow(/SMTP_PASS: SMTP_USER and SMTP_PASS go together/);
    expect(loadConfig({ ...base, ESCALATE_AFTER: '2s', SMTP_SECURE: 'true' })).toMatchObject({ ackWindow: { amount: 2, unit: 'second' }, SMTP_SECURE: true });
  });

  test('when production gets an ACK_SECRET shorter than 32 bytes, then it refuses to start naming ACK_SECRET; 32 bytes start, and development still takes 16', () => {
    const keys = { API_KEYS: `${'m'.repeat(40)}:G01.001.000:agency-manager` };
    let message = '';
    try {
      loadConfig({ ...base, ...keys, NODE_ENV: 'production', ACK_SECRET: 'twenty-four-chars-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/ACK_SECRET: must be at least 32 bytes when NODE_ENV=production/);
    expect(message).not.toContain('twenty-four-chars-secret');
    expect(loadConfig({ ...base, ...keys, NODE_ENV: 'production', ACK_SECRET: 's'.repeat(32) })).toMatchObject({ usingDevAckSecret: false, usingDevKey: false });
    expect(loadConfig({ ...base, ACK_SECRET: 'sixteen-chars-xx' })).toMatchObject({ ACK_SECRET: 'sixteen-chars-xx' });
  });

  test('when nothing is said about recovery, then reconciliation runs every 60 s in pages of 500 and a send lease lasts 60 s; a lease shorter than a send is refused by name', () => {
    expect(loadConfig(base)).toMatchObject({ RECONCILE_EVERY_SECONDS: 60, RECONCILE_PAGE_SIZE: 500, SEND_LEASE_SECONDS: 60 });
    expect(() => loadConfig({ ...base, SEND_LEASE_SECONDS: '30' })).toThrow(/SEND_LEASE_SECONDS: must exceed the longest send \(40 s\)/);
    expect(() => loadConfig({ ...base, SEND_LEASE_SECONDS: '50', WEBHOOK_TIMEOUT_MS: '60000' })).toThrow(/SEND_LEASE_SECONDS: must exceed the longest send \(60 s\)/);
    expect(() => loadConfig({ ...base, RECONCILE_EVERY_SECONDS: '0' })).toThrow(/RECONCILE_EVERY_SECONDS/);
  });
});
