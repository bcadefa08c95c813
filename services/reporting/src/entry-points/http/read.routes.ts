import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { isoInstant } from '@tthc/contracts';
import { canAccessAgency, principalOf, problemType, sendProblem } from '@tthc/platform';
import type { ReportingReadModel } from '../../domain/dossier-view';

const alertQuery = z.object({
  dossierCode: z.string().min(1).max(64).optional(),
  type: z.string().min(1).max(64).optional(),
  since: isoInstant.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export function readRouter(readModel: ReportingReadModel): Router {
  const router = Router();

  router.get('/v1/dossiers/:code', async (req: Request<{ code: string }>, res: Response) => {
    const dossier = await readModel.findDossier(req.params.code);
    // A dossier of another agency is reported as absent, so keys cannot probe for codes.
    if (!dossier || !dossier.agencyCode || !canAccessAgency(principalOf(res), dossier.agencyCode)) {
      sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No dossier ${req.params.code} visible to this key.` });
      return;
    }
    res.json(dossier);
  });

  router.get('/v1/alerts', async (req: Request, res: Response) => {
    const q = alertQuery.safeParse(req.query);
    if (!q.success) {
      sendProblem(res, {
        type: problemType('invalid-query'),
        title: 'Invalid query',
        status: 400,
        errors: q.error.issues.map((i) => ({ pointer: `/query/${i.path.join('/')}`, detail: i.message })),
      });
      return;
    }
    const principal = principalOf(res);
    const items = await readModel.listAlerts({
      agencies: principal.agencies === '*' ? '*' : [...principal.agencies],
      agencyPrefixes: principal.agencyPrefixes ?? [],
      dossierCode: q.data.dossierCode,
      type: q.data.type,
      since: q.data.since ? new Date(q.data.since) : undefined,
      limit: q.data.limit,
    });
    res.json({ items });
  });
  return router;
}
