import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parsePeriod, periodContaining, PeriodKeyError, type Period } from '@tthc/metrics';
import { canReadMetrics, principalOf, problemType, requireRole, sendProblem } from '@tthc/platform';
import { dossiersTable, lateCasesTable, subScoresTable } from '../../domain/export-table';
import { lateCases, SORTABLE, subScores, toDossierListItem, trend, type ReportContext } from '../../domain/metrics-report.use-case';
import { audienceOf } from './audience';
import { requestedFormat, sendTable } from './export.format';

const agencyCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$|^[A-Za-z0-9][A-Za-z0-9._-]{0,60}\.\*$/, 'must be an agency code or a prefix such as G01.*');
const code = z.string().trim().min(1).max(64);
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const common = {
  agency: agencyCode.optional(),
  procedure: code.optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  format: z.enum(['json', 'csv', 'xlsx']).optional(),
};
const periodParam = z.string().trim().max(10).optional();

const lateCasesQuery = z.object({
  ...common,
  period: periodParam,
  groupBy: z.enum(['agency', 'procedure', 'level']).default('agency'),
  sort: z.enum(SORTABLE).default('lateRate'),
  order: z.enum(['asc', 'desc']).default('desc'),
});
const trendQuery = z.object({ agency: agencyCode.optional(), procedure: code.optional(), months: z.coerce.number().int().min(1).max(36).default(12) });
const subScoresQuery = z.object({ agency: agencyCode.optional(), procedure: code.optional(), period: periodParam, format: common.format });
// `period` only matters with atRisk=true: at risk means due before that period ends (or warned).
const dossiersQuery = z.object({ ...common, period: periodParam, subject: z.enum(['dossier', 'petition']).optional(), overdue: flag.optional(), atRisk: flag.optional() });

/** Rows an export may hold; a larger list is cut and says so in a header. */
const EXPORT_MAX_ROWS = 10_000;

function invalid(res: Response, issues: Array<{ path: PropertyKey[]; message: string }>): void {
  sendProblem(res, {
    type: problemType('invalid-query'),
    title: 'Invalid query',
    status: 400,
    detail: issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    errors: issues.map((i) => ({ pointer: `/query/${i.path.join('/')}`, detail: i.message })),
  });
}

function parse<S extends z.ZodType>(schema: S, req: Request, res: Response): z.infer<S> | null {
  const q = schema.safeParse(req.query);
  if (q.success) return q.data;
  invalid(res, q.error.issues);
  return null;
}

function resolvePeriod(key: string | undefined, ctx: ReportContext, res: Response): Period | null {
  try {
    return key ? parsePeriod(key, ctx.calendar) : periodContaining(ctx.now, 'month', ctx.calendar);
  } catch (err) {
    if (!(err instanceof PeriodKeyError)) throw err;
    invalid(res, [{ path: ['period'], message: err.message }]);
    return null;
  }
}

function forbidExport(res: Response): void {
  sendProblem(res, { type: problemType('forbidden'), title: 'Forbidden', status: 403, detail: 'Exports need a key with role agency-manager or reform-office.' });
}

/**
 * The reporting read API over delay counts, estimated index sub-scores and open dossiers.
 * Metrics, sub-scores and every export need an agency-manager or reform-office key; the open
 * dossier list (JSON) is also open to portals, for their own agencies.
 */
export function metricsRouter(context: () => ReportContext): Router {
  const router = Router();
  const metricsRoles = requireRole('agency-manager', 'reform-office');

  router.get('/v1/metrics/late-cases', metricsRoles, async (req: Request, res: Response) => {
    const q = parse(lateCasesQuery, req, res);
    if (!q) return;
    const ctx = context();
    const period = resolvePeriod(q.period, ctx, res);
    const who = period && audienceOf(res, ctx.directory, q);
    if (!period || !who) return;
    const format = requestedFormat(req, q.format);
    const report = await lateCases(ctx, { period, groupBy: q.groupBy, sort: q.sort, order: q.order, page: q.page, pageSize: format === 'json' ? q.pageSize : 'all' }, who);
    if (format === 'json') res.json(report);
    else await sendTable(res, format, lateCasesTable(report));
  });

  router.get('/v1/metrics/trend', metricsRoles, async (req: Request, res: Response) => {
    const q = parse(trendQuery, req, res);
    if (!q) return;
    const ctx = context();
    const who = audienceOf(res, ctx.directory, q);
    if (!who) return;
    res.json(await trend(ctx, q.months, who));
  });

  router.get('/v1/index/subscores', metricsRoles, async (req: Request, res: Response) => {
    const q = parse(subScoresQuery, req, res);
    if (!q) return;
    const ctx = context();
    const period = resolvePeriod(q.period, ctx, res);
    const who = period && audienceOf(res, ctx.directory, q);
    if (!period || !who) return;
    const report = await subScores(ctx, period, who);
    const format = requestedFormat(req, q.format);
    if (format === 'json') res.json(report);
    else await sendTable(res, format, subScoresTable(period.key, report.items));
  });

  router.get('/v1/dossiers', async (req: Request, res: Response) => {
    const q = parse(dossiersQuery, req, res);
    if (!q) return;
    const format = requestedFormat(req, q.format);
    if (format !== 'json' && !canReadMetrics(principalOf(res))) {
      forbidExport(res);
      return;
    }
    const ctx = context();
    const period = q.atRisk ? resolvePeriod(q.period, ctx, res) : null;
    if (q.atRisk && !period) return;
    const who = audienceOf(res, ctx.directory, q);
    if (!who) return;
    const exporting = format !== 'json';
    const page = await ctx.readModel.listOpenSubjects({
      scope: who.scope,
      ...(q.procedure ? { procedureCode: q.procedure } : {}),
      ...(q.subject ? { subject: q.subject } : {}),
      ...(q.overdue !== undefined ? { overdue: q.overdue } : {}),
      ...(q.atRisk !== undefined ? { atRisk: q.atRisk } : {}),
      ...(period ? { atRiskDueBefore: new Date(period.end) } : {}),
      page: exporting ? 1 : q.page,
      pageSize: exporting ? EXPORT_MAX_ROWS : q.pageSize,
    });
    // The store filter is exact for agency codes and prefixes; this keeps a key's own limits
    // authoritative should the two ever differ.
    const items = page.items.filter((r) => r.agencyCode !== null && who.visible(r.agencyCode)).map((r) => toDossierListItem(r, ctx));
    if (format === 'json') {
      res.json({ items, page: q.page, pageSize: q.pageSize, total: page.total });
      return;
    }
    if (page.total > EXPORT_MAX_ROWS) res.setHeader('x-export-truncated', `${EXPORT_MAX_ROWS} of ${page.total}`);
    await sendTable(res, format, dossiersTable(items));
  });

  return router;
}
