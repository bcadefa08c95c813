import { requireEnv, tcpRelay, waitFor } from '@tthc/testkit';
import { MANAGER, REFORM, startReporting, type ReportingUnderTest } from './reporting-harness';

/**
 * Reporting reads MongoDB on every request. While the store does not answer, callers must get a
 * retryable 503 (problem+json with Retry-After) and readiness must say so, never a 500 or a hang;
 * once the store is back the same figures come back without a restart.
 */
const realMongo = new URL(requireEnv('MONGO_URL'));
const relay = tcpRelay({ host: realMongo.hostname, port: Number(realMongo.port || 27017) });
let api: ReportingUnderTest;

beforeAll(async () => {
  await relay.up();
  api = await startReporting({
    name: 'reporting-outage',
    serviceMongoUrl: (url) => {
      const viaRelay = new URL(url);
      viaRelay.host = `127.0.0.1:${relay.port()}`;
      return viaRelay.toString();
    },
  });
});

afterAll(async () => {
  await relay.up().catch(() => undefined);
  await api?.stop();
  await relay.down();
});

describe('reporting through a MongoDB outage', () => {
  test('when MongoDB stops answering, then reads get 503 problem+json with Retry-After and readiness fails; when it returns, then the same figures come back', async () => {
    const before = await api.get('/v1/dossiers?agency=G01.001.000', MANAGER);
    expect(before.status).toBe(200);
    const lateBefore = await api.get('/v1/metrics/late-cases?period=2026-02', REFORM);
    expect(lateBefore.status).toBe(200);

    await relay.down();
    // Each request is bounded by the driver's server-selection timeout (5 s), so a reader waits
    // at most that long before it is told to come back.
    const during = await api.get('/v1/dossiers?agency=G01.001.000', MANAGER);
    expect(during.status).toBe(503);
    expect(during.type).toContain('application/problem+json');
    expect(during.body).toMatchObject({ type: 'urn:tthc:problem:unavailable', status: 503 });
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
    const metricsDuring = await api.get('/v1/metrics/late-cases?period=2026-02', REFORM);
    expect(metricsDuring.status).toBe(503);
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.mongo).not.toBe('ok');
    expect(ready.body.checks.redis).toBe('ok');

    await relay.up();
    await waitFor('reporting ready again after the outage', async () => (await api.get('/readyz')).status === 200, { timeoutMs: 60_000, intervalMs: 500 });
    const after = await api.get('/v1/dossiers?agency=G01.001.000', MANAGER);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    const lateAfter = await api.get('/v1/metrics/late-cases?period=2026-02', REFORM);
    expect(lateAfter.body).toEqual(lateBefore.body);
  });
});
