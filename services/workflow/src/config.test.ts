import { ConfigError } from '@tthc/platform';
import { loadConfig, rulesOf } from './config';
import { DEFAULT_RULES } from './domain/subject';

const required = { KAFKA_BROKERS: 'localhost:9092', MONGO_URL: 'mongodb://localhost/tthc', REDIS_URL: 'redis://localhost:6379' };

describe('workflow configuration', () => {
  test('when only the connections are given, then the documented defaults apply', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({ QUEUE_PREFIX: 'tthc', CALENDAR_POLL_SECONDS: 30, UNKNOWN_SWEEP_SECONDS: 300, UNKNOWN_DOSSIER_GRACE_SECONDS: 86_400, usingDevKey: true });
    expect(config.CALENDAR_FILE).toMatch(/vn-civil-service\.json$/);
    expect(rulesOf(config)).toEqual(DEFAULT_RULES);
  });

  test('when rule variables are set, then the derivation rules follow them', () => {
    const rules = rulesOf(loadConfig({ ...required, RULE_FINANCIAL_OBLIGATION_PAUSES_CLOCK: 'true', RULE_PETITION_ANSWER_DAYS: '10', RULE_MAX_REAPPOINTMENTS: '0' }));
    expect(rules).toMatchObject({ financialObligationPausesClock: true, maxReappointments: 0, petition: { ...DEFAULT_RULES.petition, answerDays: 10 } });
  });

  test('when variables are bad or missing, then every one is named', () => {
    const attempt = () => loadConfig({ MONGO_URL: 'mongodb://localhost/tthc', UNKNOWN_DOSSIER_GRACE_SECONDS: '-1', RULE_FINANCIAL_OBLIGATION_PAUSES_CLOCK: 'maybe' });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    for (const name of ['KAFKA_BROKERS', 'REDIS_URL', 'UNKNOWN_DOSSIER_GRACE_SECONDS', 'RULE_FINANCIAL_OBLIGATION_PAUSES_CLOCK']) expect(message).toContain(name);
  });

  test('when CODE_AGENCY_CHECK is unset, then the TT 04/2025 code check is on, and false turns it off', () => {
    expect(loadConfig(required).CODE_AGENCY_CHECK).toBe(true);
    expect(loadConfig({ ...required, CODE_AGENCY_CHECK: 'false' }).CODE_AGENCY_CHECK).toBe(false);
    expect(() => loadConfig({ ...required, CODE_AGENCY_CHECK: 'no' })).toThrow(/CODE_AGENCY_CHECK/);
  });

  test('when running in production without API_KEYS, then the variable is named', () => {
    expect(() => loadConfig({ ...required, NODE_ENV: 'production' })).toThrow(/API_KEYS/);
  });
});
