import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CalendarInputError } from '@tthc/calendar';
import { parsePeriod, PeriodKeyError, type Period } from '@tthc/metrics';
import { requireRole } from '@tthc/platform';
import { monthlyReportTable } from '../../domain/export-table';
import type { ReportContext } from '../../domain/metrics-report.use-case';
import { monthlyReport } from '../../domain/monthly-report.use-case';
import { audienceOf } from './audience';
import { answeredFromCache } from './counter-etag';
import { requestedDocumentFormat, sendTable } from './export.format';
import { PDF_MIME, toPdf } from './pdf.format';
import { param, parseQuery, sendInvalidQuery } from './query.parser';

export const monthlyReportQuery = z.object({
  // Required: a monthly report names its month; a default would hide a forgotten parameter.
  period: z.string().trim().regex(/^20\d{2}-\d{2}$/, 'must be a month, YYYY-MM, with a year from 2000 to 2099'),
  agency: param.agency.optional(),
  format: z.enum([...param.format.options, 'pdf']).optional(),
});

const vnDate = (isoDate: string) => isoDate.split('-').reverse().join('/');

/** The month's last local date: the day before `end`'s local date. */
function lastDay(period: Period): string {
  const end = new Date(`${period.end.slice(0, 10)}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() - 1);
  return end.toISOString().slice(0, 10);
}

function monthOf(key: string, ctx: ReportContext, res: Response): Period | null {
  try {
    return parsePeriod(key, ctx.calendar);
  } catch (err) {
    if (!(err instanceof PeriodKeyError) && !(err instanceof CalendarInputError)) throw err;
    sendInvalidQuery(res, [{ param: 'period', message: err.message }]);
    return null;
  }
}

/**
 * Periodic reports in the portal's layouts. The same roles and scopes as the metrics they are
 * built from: agency-manager and reform-office keys, for their own agencies.
 */
export function reportsRouter(context: () => ReportContext): Router {
  const router = Router();

  router.get('/v1/reports/monthly', requireRole('agency-manager', 'reform-office'), async (req: Request, res: Response) => {
    const q = parseQuery(monthlyReportQuery, req, res);
    if (!q) return;
    const ctx = context();
    const period = monthOf(q.period, ctx, res);
    const who = period && audienceOf(res, ctx.directory, q);
    if (!period || !who || (await answeredFromCache(req, res, ctx))) return;
    const report = await monthlyReport(ctx, period, who);
    const format = requestedDocumentFormat(req, q.format);
    if (format === 'json') {
      res.json(report);
      return;
    }
    const table = monthlyReportTable(report);
    if (format !== 'pdf') {
      await sendTable(res, format, table);
      return;
    }
    const [year, month] = period.key.split('-');
    const body = await toPdf(table, {
      title: `BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH THÁNG ${month}/${year}`,
      subtitle: `Kỳ báo cáo: từ ngày ${vnDate(period.start.slice(0, 10))} đến ngày ${vnDate(lastDay(period))}; số liệu tính đến ${report.asOf} (${period.zone})`,
    });
    res.setHeader('content-disposition', `attachment; filename="${table.name}.pdf"`);
    res.type(PDF_MIME).send(body);
  });

  return router;
}
