import { loadConfig } from './config';

const required = { KAFKA_BROKERS: 'localhost:9092', REDIS_URL: 'redis://localhost:6379' };

describe('intake configuration', () => {
  test('when only the connections are given, then the rate limit and the TT 04/2025 code check have their defaults and both dev keys are used', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({ RATE_LIMIT_PER_MINUTE: 6000, RATE_LIMIT_BURST: 300, CODE_AGENCY_CHECK: true, usingDevKey: true });
    expect(config.API_KEYS).toContain('dev-portal-key:*:portal');
  });

  test('when the limit and the check are set, then they follow, and bad values are named', () => {
    expect(loadConfig({ ...required, RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_BURST: '5', CODE_AGENCY_CHECK: 'false' })).toMatchObject({ RATE_LIMIT_PER_MINUTE: 0, RATE_LIMIT_BURST: 5, CODE_AGENCY_CHECK: false });
    expect(() => loadConfig({ ...required, RATE_LIMIT_PER_MINUTE: '-1', CODE_AGENCY_CHECK: 'maybe' })).toThrow(/RATE_LIMIT_PER_MINUTE[\s\S]*CODE_AGENCY_CHECK|CODE_AGENCY_CHECK[\s\S]*RATE_LIMIT_PER_MINUTE/);
  });

  test('when KAFKA_COMPRESSION is unset, then records go uncompressed; gzip is taken and anything else is named', () => {
    expect(loadConfig(required).KAFKA_COMPRESSION).toBe('none');
    expect(loadConfig({ ...required, KAFKA_COMPRESSION: 'gzip' }).KAFKA_COMPRESSION).toBe('gzip');
    expect(() => loadConfig({ ...required, KAFKA_COMPRESSION: 'zstd' })).toThrow(/KAFKA_COMPRESSION/);
  });
});
