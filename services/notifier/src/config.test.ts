import { ConfigError } from '@tthc/platform';
import { loadConfig } from './config';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', MONGO_URL: 'mongodb://127.0.0.1:27017/n', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('notifier configuration', () => {
  test('when only the stores are given, then the documented defaults apply', () => {
    const cfg = loadConfig(base);
    expect(cfg).toMatchObject({ PORT: 8084, SMTP_HOST: '127.0.0.1', SMTP_PORT: 1025, SMTP_SECURE: false, DELIVERY_ATTEMPTS: 8, ESCALATE_AFTER: '1wd', DIGEST_AT: '07:30', URGENT_LEVEL: 2, usingDevKey: true, usingDevAckSecret: true });
    expect(cfg.ackWindow).toEqual({ amount: 1, unit: 'working-day' });
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
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/API_KEYS: is required[\s\S]*ACK_SECRET: is required/);
    expect(() => loadConfig({ ...base, SMTP_USER: 'mailer' })).toThrow(/SMTP_PASS: SMTP_USER and SMTP_PASS go together/);
    expect(loadConfig({ ...base, ESCALATE_AFTER: '2s', SMTP_SECURE: 'true' })).toMatchObject({ ackWindow: { amount: 2, unit: 'second' }, SMTP_SECURE: true });
  });
});
