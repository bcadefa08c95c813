import { ConfigError } from '@tthc/platform';
import { loadConfig } from './config';

const base = { KAFKA_BROKERS: '127.0.0.1:1', MONGO_URL: 'mongodb://127.0.0.1:1/x', REDIS_URL: 'redis://127.0.0.1:1' };

describe('sla configuration', () => {
  test('when no timer variables are set, then the warning is one working day before due and escalation comes at 1, 3 and 5 working days', () => {
    const c = loadConfig(base);
    expect(c.SLA_WARNING_LEAD).toEqual({ amount: 1, unit: 'working-day', text: '1wd' });
    expect(c.SLA_ESCALATION_STEPS.map((s) => s.text)).toEqual(['1wd', '3wd', '5wd']);
    expect(c.RECONCILE_EVERY_SECONDS).toBe(60);
  });

  test('when a duration is malformed, then the error names the variable and the accepted syntax', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, SLA_WARNING_LEAD: '1d', SLA_ESCALATION_STEPS: '1wd,soon', RECONCILE_EVERY_SECONDS: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/SLA_WARNING_LEAD: must be <n>wd/);
    expect(message).toMatch(/SLA_ESCALATION_STEPS: must be a comma-separated list/);
    expect(message).toMatch(/RECONCILE_EVERY_SECONDS/);
  });

  test('when no horizon is set, then Redis holds the timers of the next six hours; when it is not at least twice the reconciliation period, then the error names TIMER_HORIZON_SECONDS', () => {
    expect(loadConfig(base).TIMER_HORIZON_SECONDS).toBe(21_600);
    expect(() => loadConfig({ ...base, TIMER_HORIZON_SECONDS: '100', RECONCILE_EVERY_SECONDS: '60' })).toThrow(/TIMER_HORIZON_SECONDS: must be at least twice RECONCILE_EVERY_SECONDS/);
    expect(loadConfig({ ...base, TIMER_HORIZON_SECONDS: '120', RECONCILE_EVERY_SECONDS: '60' }).TIMER_HORIZON_SECONDS).toBe(120);
  });

  test('when escalation steps are empty, then no escalation level is configured', () => {
    expect(loadConfig({ ...base, SLA_ESCALATION_STEPS: '' }).SLA_ESCALATION_STEPS).toEqual([]);
  });

  test('when nothing about the outbox is set, then the relay retries from 1 s doubling to 30 s, claims for 30 s and calls 60 s old alerts degraded', () => {
    expect(loadConfig(base)).toMatchObject({ OUTBOX_RETRY_MIN_MS: 1000, OUTBOX_RETRY_MAX_MS: 30_000, OUTBOX_LEASE_SECONDS: 30, OUTBOX_SWEEP_SECONDS: 5, OUTBOX_DEGRADED_AFTER_SECONDS: 60, DEADLINE_CHECK_ATTEMPTS: 8 });
  });

  test('when the relay wait cap is below its first wait, then the error names OUTBOX_RETRY_MAX_MS', () => {
    expect(() => loadConfig({ ...base, OUTBOX_RETRY_MIN_MS: '5000', OUTBOX_RETRY_MAX_MS: '1000' })).toThrow(/OUTBOX_RETRY_MAX_MS: must be at least OUTBOX_RETRY_MIN_MS/);
  });
});
