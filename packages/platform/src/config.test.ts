import { z } from 'zod';
import { ConfigError, envVars, parseEnv } from './config';

const schema = z.object({ KAFKA_BROKERS: envVars.kafkaBrokers, MONGO_URL: envVars.mongoUrl, PORT: envVars.port(8080) });

describe('configuration', () => {
  test('when variables are valid, then they are parsed and defaulted', () => {
    expect(parseEnv(schema, { KAFKA_BROKERS: 'a:1, b:2', MONGO_URL: 'mongodb://x/db' }, 'svc')).toEqual({ KAFKA_BROKERS: ['a:1', 'b:2'], MONGO_URL: 'mongodb://x/db', PORT: 8080 });
  });

  test('when variables are missing or bad, then the error names each of them', () => {
    let error: unknown;
    try {
      parseEnv(schema, { KAFKA_BROKERS: 'no-port', PORT: 'eighty' }, 'svc');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('KAFKA_BROKERS');
    expect(message).toContain('MONGO_URL');
    expect(message).toContain('PORT');
  });
});
