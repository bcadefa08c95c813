import { readinessReport } from './readiness.routes';

const ok = [['mongo', 'ok'] as const, ['redis', 'ok'] as const];

describe('readiness report', () => {
  test('when every dependency answers and no reconciliation runs, then the service is ready', () => {
    expect(readinessReport(ok, { runningSince: null })).toEqual({ status: 'ready', checks: { mongo: 'ok', redis: 'ok' } });
  });

  test('when a reconciliation runs, then the service is degraded, saying since when', () => {
    expect(readinessReport(ok, { runningSince: new Date('2026-03-09T02:00:00Z') })).toEqual({
      status: 'degraded',
      checks: { mongo: 'ok', redis: 'ok' },
      degraded: { reconciliation: 'rebuilding jobs lost from Redis out of MongoDB since 2026-03-09T02:00:00.000Z' },
    });
  });

  test('when a dependency does not answer, then the service is not ready, reconciliation or not', () => {
    const down = [['mongo', 'unavailable: not connected'] as const, ['redis', 'ok'] as const];
    expect(readinessReport(down, { runningSince: new Date() })).toEqual({ status: 'not-ready', checks: { mongo: 'unavailable: not connected', redis: 'ok' } });
  });
});
