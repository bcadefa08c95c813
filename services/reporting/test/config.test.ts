import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireEnv } from '@tthc/testkit';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';

const base = { NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', MONGO_URL: requireEnv('MONGO_URL'), REDIS_URL: requireEnv('REDIS_URL'), KAFKA_BROKERS: requireEnv('KAFKA_BROKERS') };

describe('reporting configuration', () => {
  test('when the agency directory names an unknown successor, then start fails naming the file and the agency', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reporting-config-'));
    const file = join(dir, 'agencies.json');
    writeFileSync(file, JSON.stringify({ agencies: [{ code: 'D1', name: 'Huyện cũ', level: 'district', province: 'G01', successor: 'NOPE' }] }));
    const app = createApp(loadConfig({ ...base, AGENCY_DIRECTORY_FILE: file }));
    await expect(app.start()).rejects.toThrow(/D1\.successor "NOPE"/);
    await app.stop();
  });

  test('when the rubric file has a bad threshold, then start fails naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reporting-config-'));
    const file = join(dir, 'rubric.json');
    writeFileSync(file, JSON.stringify({ year: 2026, label: 'x', criteria: [{ id: 'a', nameVi: 'a', nameEn: 'a', metric: 'onTimeRate', thresholds: [{ min: 120, points: 1 }], max: 1 }] }));
    const app = createApp(loadConfig({ ...base, PAR_RUBRIC_FILE: file }));
    await expect(app.start()).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*criteria\\.0\\.thresholds\\.0\\.min`));
    await app.stop();
  });

  test('when the rating levels file leaves a level of the rating event out, then start fails naming the level', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reporting-config-'));
    const file = join(dir, 'rating-levels.json');
    const levels = ['very-satisfied', 'satisfied', 'dissatisfied', 'very-dissatisfied'].map((level) => ({ level, nameVi: level, nameEn: level, dislike: level.includes('dis'), weight: level.includes('dis') ? 0 : 1 }));
    writeFileSync(file, JSON.stringify({ label: 'three-level portal', levels }));
    const app = createApp(loadConfig({ ...base, RATING_LEVELS_FILE: file }));
    await expect(app.start()).rejects.toThrow(/RATING_LEVELS_FILE .* level neutral of vn\.tthc\.dossier\.rated is not listed/);
    await app.stop();
  });

  test('when the SIPAS target is not a percentage, then the variable is named', () => {
    expect(() => loadConfig({ ...base, SIPAS_TARGET_PERCENT: '120' })).toThrow(/SIPAS_TARGET_PERCENT/);
  });

  test('when API_KEYS is missing in production, then the variable is named', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/API_KEYS: is required when NODE_ENV=production/);
  });

  test('when REDIS_URL is missing or not a redis URL, then the variable is named', () => {
    const { REDIS_URL: _unset, ...withoutRedis } = base;
    expect(() => loadConfig(withoutRedis)).toThrow(/REDIS_URL: is required/);
    expect(() => loadConfig({ ...base, REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/REDIS_URL: must start with redis:\/\//);
  });

  test('when the rate-limit or key-prefix variables are invalid, then each is named', () => {
    const attempt = () => loadConfig({ ...base, RATE_LIMIT_PER_MINUTE: 'many', RATE_LIMIT_BURST: '0', REDIS_KEY_PREFIX: 'a b' });
    expect(attempt).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(attempt).toThrow(/RATE_LIMIT_BURST/);
    expect(attempt).toThrow(/REDIS_KEY_PREFIX/);
  });

  test('when the rate-limit variables are unset, then the shared defaults and the tthc prefix apply', () => {
    expect(loadConfig(base)).toMatchObject({ RATE_LIMIT_PER_MINUTE: 6000, RATE_LIMIT_BURST: 300, REDIS_KEY_PREFIX: 'tthc' });
  });
});
