import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { apiKeysEnv, ConfigError, envVars, parseEnv, requireApiKeysInProduction, requireSecretInProduction } from './config';

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

  test('when the fetch size per partition is unset, too small or not a number, then it defaults to 8 MiB or the error names it', () => {
    const fetch = z.object({ KAFKA_FETCH_BYTES_PER_PARTITION: envVars.fetchBytesPerPartition });
    expect(parseEnv(fetch, {}, 'svc')).toEqual({ KAFKA_FETCH_BYTES_PER_PARTITION: 8_388_608 });
    expect(parseEnv(fetch, { KAFKA_FETCH_BYTES_PER_PARTITION: '1048576' }, 'svc')).toEqual({ KAFKA_FETCH_BYTES_PER_PARTITION: 1_048_576 });
    expect(() => parseEnv(fetch, { KAFKA_FETCH_BYTES_PER_PARTITION: '1000' }, 'svc')).toThrow(/KAFKA_FETCH_BYTES_PER_PARTITION: must be at least 65536/);
    expect(() => parseEnv(fetch, { KAFKA_FETCH_BYTES_PER_PARTITION: 'lots' }, 'svc')).toThrow(/KAFKA_FETCH_BYTES_PER_PARTITION: must be a whole number of bytes/);
  });
});

describe('files read at start', () => {
  const files = z.object({ CALENDAR_FILE: envVars.jsonFile.optional(), AGENCY_PROFILES_FILE: envVars.agencyProfilesFile });
  const dir = mkdtempSync(join(tmpdir(), 'config-files-'));

  test('when a file variable names a missing file or one that is not JSON, then the error names the variable and the path', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "years": ');
    expect(() => parseEnv(files, { CALENDAR_FILE: join(dir, 'missing.json') }, 'svc')).toThrow(new RegExp(`- CALENDAR_FILE: cannot be read \\(ENOENT\\): ${dir}/missing\\.json`));
    expect(() => parseEnv(files, { AGENCY_PROFILES_FILE: broken }, 'svc')).toThrow(/- AGENCY_PROFILES_FILE: is not valid JSON \(.*\): .*broken\.json/);
  });

  test('when the files are JSON or unset, then they pass as given', () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, '{"profiles": []}');
    expect(parseEnv(files, { CALENDAR_FILE: good }, 'svc')).toEqual({ CALENDAR_FILE: good });
    expect(parseEnv(files, {}, 'svc')).toEqual({});
  });
});

describe('production secrets', () => {
  const keysSchema = z.object({ NODE_ENV: envVars.nodeEnv, API_KEYS: z.string().optional(), ACK_SECRET: z.string().optional() }).superRefine(requireApiKeysInProduction).superRefine(requireSecretInProduction('ACK_SECRET'));
  const long = 'k'.repeat(32);
  const messageOf = (env: Record<string, string>) => {
    try {
      parseEnv(keysSchema, env, 'svc');
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  test('when production runs with a development key, then the configuration names API_KEYS and never echoes a key', () => {
    const message = messageOf({ NODE_ENV: 'production', API_KEYS: `dev-key:*;${long}:G01`, ACK_SECRET: long });
    expect(message).toMatch(/API_KEYS: must not contain the development keys/);
    expect(message).not.toContain(long);
  });

  test('when production keys or the signing secret are shorter than 32 bytes, then both are named', () => {
    const message = messageOf({ NODE_ENV: 'production', API_KEYS: 'short-key-1:G01', ACK_SECRET: 'sixteen-chars-xx' });
    expect(message).toMatch(/API_KEYS: 1 key\(s\) are shorter than 32 bytes/);
    expect(message).toMatch(/ACK_SECRET: must be at least 32 bytes/);
    expect(message).not.toContain('short-key-1');
  });

  test('when production has long keys and a long secret, then it starts; development accepts short ones', () => {
    expect(messageOf({ NODE_ENV: 'production', API_KEYS: `${long}:G01;${'r'.repeat(40)}:*`, ACK_SECRET: long })).toBe('');
    expect(messageOf({ NODE_ENV: 'development', API_KEYS: 'dev-key:*' })).toBe('');
    expect(messageOf({ NODE_ENV: 'production', API_KEYS: `${long}:G01` })).toMatch(/ACK_SECRET: is required when NODE_ENV=production/);
  });

  test('when an API_KEYS entry is malformed, then the configuration names API_KEYS and the entry, in any environment, without echoing the key', () => {
    const keys = z.object(apiKeysEnv);
    const messageOfKeys = (spec: string) => {
      try {
        parseEnv(keys, { NODE_ENV: 'development', API_KEYS: spec }, 'svc');
        return '';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
    };
    const manager = messageOfKeys('dev-key:*:reform-office;manager-secret-1:G01.*:agency-manager');
    expect(manager).toMatch(/- API_KEYS: key "mana…" is an agency-manager key; it must list its agency codes/);
    expect(manager).not.toContain('manager-secret-1');
    expect(messageOfKeys('portal-secret-1:G01.001.000:admin')).toMatch(/API_KEYS: key "port…" has role "admin"/);
    expect(messageOfKeys('manager-secret-1:G01.001.000,G01.002.000:agency-manager;portal-secret-1:G01.*')).toBe('');
  });
});
