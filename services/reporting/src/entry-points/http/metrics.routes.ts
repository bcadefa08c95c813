import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CalendarInputError } from '@tthc/calendar';
import { parsePeriod, periodContaining, PeriodKeyError, type ListedSubject, type Period } from '@tthc/metrics';
import { canReadMetrics, principalOf, problemType, requireRole, sendProblem } from '@tthc/platform';
import { DOSSIER_COLUMNS, DOSSIERS_TABLE_NAME, dossierRow, lateCasesTable, subScoresTable } from '../../domain/export-table';
import { lateCases, SORTABLE, subScores, toDossierListItem, trend, type ReportContext } from '../../domain/metrics-report.use-case';
import { audienceOf } from './audience';
import { answeredFromCache } from './counter-etag';
import { decodeDossierCursor, encodeDossierCursor } from './dossier-cursor';
import { requestedFormat, sendStreamedTable, sendTable } from './export.format';
import { paging, param, parseQuery, sendInvalidQuery } from './query.parser';

const common = {
  agency: param.agency.optional(),
  procedure: param.code.optional(),
  ...paging,
  format: param.format.optional(),
};

export const lateCasesQuery = z.object({
  ...common,
  period: param.period.optional(),
  groupBy: z.enum(['agency', 'procedure', 'level']).default('agency'),
  sort: z.enum(SORTABLE).default('lateRate'),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export const trendQuery = z.object({ agency: param.agency.optional(), procedure: param.code.optional(), months: param.int(1, 36).default(12) });
export const subScoresQuery = z.object({ agency: param.agency.optional(), procedure: param.code.optional(), period: param.period.optional(), format: common.format });
// `period` only matters with atRisk=true: at risk means warned, or due before that period ends
// with the clock running (not paused, not a petition answered and awaiting publication).
export const dossiersQuery = z.object({
  ...common,
  period: param.period.optional(),
  subject: z.enum(['dossier', 'petition']).optional(),
  overdue: param.flag.optional(),
  atRisk: param.flag.optional(),
  cursor: z.string().optional(),
});

/** Rows an export may hold; a larger list is cut and says so in a header. */
const EXPORT_MAX_ROWS = 10_000;

function resolvePeriod(key: string | undefined, ctx: ReportContext, res: Response): Period | null {
  try {
    return key ? parsePeriod(key, ctx.calendar) : periodContaining(ctx.now, 'month', ctx.calendar);
  } catch (err) {
    if (!(err instanceof PeriodKeyError) && !(err instanceof CalendarInputError)) throw err;
    sendInvalidQuery(res, [{ param: 'period', message: err.message }]);
    return null;
  }
}

/** The same request for the page after `cursor`: every parameter kept but `page` and `cursor`. */
function nextLink(req: Request, cursor: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query)) if (name !== 'page' && name !== 'cursor' && typeof value === 'string') params.set(name, value);
  params.set('cursor', cursor);
  return `${req.baseUrl}${req.path}?${params.toString()}`;
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
    const q = parseQuery(lateCasesQuery, req, res);
    if (!q) return;
    const ctx = context();
    const period = resolvePeriod(q.period, ctx, res);
    const who = period && audienceOf(res, ctx.directory, q);
    if (!period || !who || (await answeredFromCache(req, res, ctx))) return;
    const format = requestedFormat(req, q.format);
    const report = await lateCases(ctx, { period, groupBy: q.groupBy, sort: q.sort, order: q.order, page: q.page, pageSize: format === 'json' ? q.pageSize : 'all' }, who);
    if (format === 'json') res.json(report);
    else await sendTable(res, format, lateCasesTable(report));
  });

  router.get('/v1/metrics/trend', metricsRoles, async (req: Request, res: Response) => {
    const q = parseQuery(trendQuery, req, res);
    if (!q) return;
    const ctx = context();
    const who = audienceOf(res, ctx.directory, q);
    if (!who || (await answeredFromCache(req, res, ctx))) return;
    res.json(await trend(ctx, q.months, who));
  });

  router.get('/v1/index/subscores', metricsRoles, async (req: Request, res: Response) => {
    const q = parseQuery(subScoresQuery, req, res);
    if (!q) return;
    const ctx = context();
    const period = resolvePeriod(q.period, ctx, res);
    const who = period && audienceOf(res, ctx.directory, q);
    if (!period || !who || (await answeredFromCache(req, res, ctx))) return;
    const report = await subScores(ctx, period, who);
    const format = requestedFormat(req, q.format);
    if (format === 'json') res.json(report);
    else await sendTable(res, format, subScoresTable(period.key, report.items));
  });

  router.get('/v1/dossiers', async (req: Request, res: Response) => {
    const q = parseQuery(dossiersQuery, req, res);
    if (!q) return;
    const format = requestedFormat(req, q.format);
    if (format !== 'json' && !canReadMetrics(principalOf(res))) {
      forbidExport(res);
      return;
    }
    const ctx = context();
    // A period given is checked even where it does not filter, so a typo is told and not ignored.
    const checksPeriod = q.atRisk === true || q.period !== undefined;
    const period = checksPeriod ? resolvePeriod(q.period, ctx, res) : null;
    if (checksPeriod && !period) return;
    const who = audienceOf(res, ctx.directory, q);
    if (!who) return;
    const exporting = format !== 'json';
    const after = q.cursor === undefined ? undefined : decodeDossierCursor(q.cursor);
    if (after === null || (q.cursor !== undefined && (exporting || req.query['page'] !== undefined))) {
      sendInvalidQuery(res, [{ param: 'cursor', message: after === null ? 'not a cursor this API gave (take it from `next`)' : exporting ? 'exports hold every row from the first; they take no cursor' : 'give either page or cursor' }]);
      return;
    }
    const filters = {
      scope: who.scope,
      ...(q.procedure ? { procedureCode: q.procedure } : {}),
      ...(q.subject ? { subject: q.subject } : {}),
      ...(q.overdue !== undefined ? { overdue: q.overdue } : {}),
      ...(q.atRisk !== undefined ? { atRisk: q.atRisk } : {}),
      ...(period && q.atRisk ? { atRiskDueBefore: new Date(period.end) } : {}),
    };
    // The store reads exactly the audience's agencies, so `total` counts what the key may see;
    // the row test repeats it so a key's limits hold even should the store filter drift.
    const visible = (r: ListedSubject) => r.agencyCode !== null && who.visible(r.agencyCode);
    if (format !== 'json') {
      const { total, batches } = ctx.readModel.openSubjectBatches(filters, EXPORT_MAX_ROWS);
      const rows = batches[Symbol.asyncIterator]();
      try {
        // The count is read beside the first batch: the header must be set before any row is sent.
        const [counted, first] = await Promise.all([total, rows.next()]);
        if (counted > EXPORT_MAX_ROWS) res.setHeader('x-export-truncated', `${EXPORT_MAX_ROWS} of ${counted}`);
        const lines = async function* () {
          for (let batch = first; !batch.done; batch = await rows.next()) yield batch.value.filter(visible).map((r) => dossierRow(toDossierListItem(r, ctx)));
        };
        await sendStreamedTable(res, format, { name: DOSSIERS_TABLE_NAME, columns: DOSSIER_COLUMNS, batches: lines() });
      } finally {
        // Closes the store's cursor when the export ended early (a failure, a client gone).
        await rows.return?.();
      }
      return;
    }
    const page = await ctx.readModel.listOpenSubjects({ ...filters, ...(after ? { after } : {}), page: q.page, pageSize: q.pageSize });
    const items = page.items.filter(visible).map((r) => toDossierListItem(r, ctx));
    res.json({ items, page: q.page, pageSize: q.pageSize, total: page.total, next: page.next ? nextLink(req, encodeDossierCursor(page.next)) : null });
  });

  return router;
}
