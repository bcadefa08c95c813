import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { SuccessorDirectory } from '../../domain/agency-scope';
import { DUTY_STATUSES, type DutyReadModel } from '../../domain/duty-view';
import { audienceOf } from './audience';
import { param, parseQuery } from './query.parser';

export const dutiesQuery = z.object({
  status: z.enum(DUTY_STATUSES).optional(),
  agency: param.agency.optional(),
  limit: param.int(1, 1000).default(200),
});

/**
 * The periods of the periodic duties (the leaders' dialogue, …) of the key's agencies, the
 * earliest due first, for every role: like alerts, a duty is the agency's own business.
 */
export function dutiesRouter(duties: () => DutyReadModel, directory: SuccessorDirectory, now: () => Date): Router {
  const router = Router();
  router.get('/v1/duties', async (req: Request, res: Response) => {
    const q = parseQuery(dutiesQuery, req, res);
    if (!q) return;
    const who = audienceOf(res, directory, q);
    if (!who) return;
    const items = await duties().listDuties({ scope: who.scope, ...(q.status ? { status: q.status } : {}), now: now(), limit: q.limit });
    res.json({ items });
  });
  return router;
}
