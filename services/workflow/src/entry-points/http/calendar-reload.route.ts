import type { Express, NextFunction, Request, Response } from 'express';
import { principalOf, problemType, requireApiKey, sendProblem, type ApiKeyTable } from '@tthc/platform';

/**
 * `POST /v1/admin/calendar/reload`: apply the stored calendar versions now instead of at the
 * next poll. It moves every agency's deadlines, so only a key valid for all agencies may call it.
 */
export function mountCalendarReloadRoute(app: Express, deps: { keys: ApiKeyTable; reload(): Promise<unknown> }): void {
  app.post('/v1/admin/calendar/reload', requireApiKey(deps.keys), async (_req: Request, res: Response, next: NextFunction) => {
    if (principalOf(res).agencies !== '*') {
      sendProblem(res, { type: problemType('forbidden'), title: 'Forbidden', status: 403, detail: 'Reloading the calendar needs a key valid for every agency.' });
      return;
    }
    try {
      res.json(await deps.reload());
    } catch (err) {
      next(err);
    }
  });
}
