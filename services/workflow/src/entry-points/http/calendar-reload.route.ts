import type { Express, NextFunction, Request, Response } from 'express';
import { requireApiKey, requireRole, type ApiKeyTable } from '@tthc/platform';

/**
 * `POST /v1/admin/calendar/reload`: apply the stored calendar versions now instead of at the
 * next poll. It moves every agency's deadlines, so only the reform office may call it.
 */
export function mountCalendarReloadRoute(app: Express, deps: { keys: ApiKeyTable; reload(): Promise<unknown> }): void {
  app.post('/v1/admin/calendar/reload', requireApiKey(deps.keys), requireRole('reform-office'), async (_req: Request, res: Response, next: NextFunction) => {
    try {
      res.json(await deps.reload());
    } catch (err) {
      next(err);
    }
  });
}
