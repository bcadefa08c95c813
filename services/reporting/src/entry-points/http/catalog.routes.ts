import { Router, type Request, type Response } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { findProcedure, listProcedures, PROCEDURE_LEVELS } from '@tthc/catalog';
import { canAccessAgency, principalOf, problemType, requireRole, sendProblem } from '@tthc/platform';
import type { MetricsReadModel } from '../../domain/metrics-read-model';

const proceduresQuery = z.object({ field: z.string().trim().min(1).max(200).optional(), level: z.enum(PROCEDURE_LEVELS).optional() });
const auditsQuery = z.object({
  calendarId: z.string().trim().min(1).max(100).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

function invalid(res: Response, error: z.ZodError): void {
  sendProblem(res, {
    type: problemType('invalid-query'),
    title: 'Invalid query',
    status: 400,
    errors: error.issues.map((i) => ({ pointer: `/query/${i.path.join('/')}`, detail: i.message })),
  });
}

/** The procedure catalog (public reference data for any key) and the calendar change audits. */
export function catalogRouter(deps: { conn: () => Connection; readModel: MetricsReadModel }): Router {
  const router = Router();

  router.get('/v1/procedures', async (req: Request, res: Response) => {
    const q = proceduresQuery.safeParse(req.query);
    if (!q.success) return invalid(res, q.error);
    const items = await listProcedures(deps.conn(), { ...(q.data.field ? { field: q.data.field } : {}), ...(q.data.level ? { level: q.data.level } : {}) });
    res.json({ items, total: items.length });
  });

  router.get('/v1/procedures/:code', async (req: Request<{ code: string }>, res: Response) => {
    const procedure = await findProcedure(deps.conn(), req.params.code);
    if (!procedure) {
      sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No procedure ${req.params.code} in force.` });
      return;
    }
    res.json(procedure);
  });

  // Audits list affected dossiers of every agency, so they are a metrics read; each key sees
  // only its own agencies' entries.
  router.get('/v1/calendar-audits', requireRole('agency-manager', 'reform-office'), async (req: Request, res: Response) => {
    const q = auditsQuery.safeParse(req.query);
    if (!q.success) return invalid(res, q.error);
    const principal = principalOf(res);
    const page = await deps.readModel.listCalendarAudits(q.data);
    const items = page.items.map((a) => ({
      ...a,
      affected: a.affected.filter((s) => typeof s['agencyCode'] === 'string' && canAccessAgency(principal, s['agencyCode'])),
    }));
    res.json({ items, page: q.data.page, pageSize: q.data.pageSize, total: page.total });
  });

  return router;
}
