import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { PROCEDURE_LEVELS, type ProcedureStore } from '@tthc/catalog';
import { problemType, requireRole, sendProblem } from '@tthc/platform';
import type { SuccessorDirectory } from '../../domain/agency-scope';
import type { MetricsReadModel } from '../../domain/metrics-read-model';
import { audienceOf } from './audience';
import { paging, param, parseQuery } from './query.parser';

export const proceduresQuery = z.object({ field: z.string().trim().min(1).max(200).optional(), level: z.enum(PROCEDURE_LEVELS).optional() });
const noQuery = z.object({});
export const auditsQuery = z.object({
  agency: param.agency.optional(),
  calendarId: z.string().trim().min(1).max(100).optional(),
  ...paging,
});

/** The procedure catalog (public reference data for any key) and the calendar change audits. */
export function catalogRouter(deps: { procedures: ProcedureStore; readModel: MetricsReadModel; directory: SuccessorDirectory }): Router {
  const router = Router();

  router.get('/v1/procedures', async (req: Request, res: Response) => {
    const q = parseQuery(proceduresQuery, req, res);
    if (!q) return;
    const items = await deps.procedures.list({ ...(q.field ? { field: q.field } : {}), ...(q.level ? { level: q.level } : {}) });
    res.json({ items, total: items.length });
  });

  router.get('/v1/procedures/:code', async (req: Request<{ code: string }>, res: Response) => {
    if (!parseQuery(noQuery, req, res)) return;
    const procedure = await deps.procedures.find(req.params.code);
    if (!procedure) {
      sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No procedure ${req.params.code.slice(0, 64)} in force.` });
      return;
    }
    res.json(procedure);
  });

  // Audits list affected dossiers of every agency, so they are a metrics read; each key sees
  // only the affected dossiers of its agencies (narrowed by `?agency=`). A calendar version
  // itself concerns everybody, so every record is listed and `total` counts records. The
  // count of unchanged open dossiers spans all agencies and is only shown to a key that reads
  // all of them.
  router.get('/v1/calendar-audits', requireRole('agency-manager', 'reform-office'), async (req: Request, res: Response) => {
    const q = parseQuery(auditsQuery, req, res);
    if (!q) return;
    const who = audienceOf(res, deps.directory, q);
    if (!who) return;
    const page = await deps.readModel.listCalendarAudits({ ...(q.calendarId ? { calendarId: q.calendarId } : {}), page: q.page, pageSize: q.pageSize });
    const items = page.items.map((a) => ({
      ...a,
      affected: a.affected.filter((s) => typeof s.agencyCode === 'string' && who.visible(s.agencyCode)),
      unchangedOpenCount: who.scope === '*' ? a.unchangedOpenCount : null,
    }));
    res.json({ items, page: q.page, pageSize: q.pageSize, total: page.total });
  });

  return router;
}
