import { Router } from 'express';
import { withTimeout, type ReadinessCheck } from '@tthc/platform';
import type { ReconcileState } from '../jobs/reconcile-jobs.job';

const CHECK_TIMEOUT_MS = 3000;

export type ReadinessStatus = 'ready' | 'degraded' | 'not-ready';

export interface ReadinessReport {
  status: ReadinessStatus;
  checks: Record<string, string>;
  /** Why the service works but not fully (reason → detail); absent when nothing is. */
  degraded?: Record<string, string>;
}

/**
 * Dependencies decide readiness (503 `not-ready` unless each answers), as in the platform. A
 * reconciliation in progress does not take the service out of rotation (acknowledgement links
 * and the API still work, and a restart would only start the repair over), so it answers 200
 * with status `degraded`: jobs lost with Redis may not all be back yet. Same shape as the SLA
 * service's readiness.
 */
export function readinessReport(results: Array<readonly [string, string]>, reconcile: Pick<ReconcileState, 'runningSince'>): ReadinessReport {
  const checks = Object.fromEntries(results);
  if (!results.every(([, r]) => r === 'ok')) return { status: 'not-ready', checks };
  if (!reconcile.runningSince) return { status: 'ready', checks };
  return { status: 'degraded', checks, degraded: { reconciliation: `rebuilding jobs lost from Redis out of MongoDB since ${reconcile.runningSince.toISOString()}` } };
}

/** `/readyz` with the reconciliation state, mounted in front of the platform's own. */
export function readinessRouter(deps: { checks: Record<string, ReadinessCheck>; reconcile: Pick<ReconcileState, 'runningSince'> }): Router {
  const router = Router();
  router.get('/readyz', async (_req, res) => {
    // Read before the checks: a run that ends while they wait was still running when asked.
    const reconcile = { runningSince: deps.reconcile.runningSince };
    const results = await Promise.all(
      Object.entries(deps.checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `unavailable: ${(err as Error).message}`] as const;
        }
      }),
    );
    const report = readinessReport(results, reconcile);
    res.status(report.status === 'not-ready' ? 503 : 200).set('cache-control', 'no-store').json(report);
  });
  return router;
}
