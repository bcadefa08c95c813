import type { Request, Response } from 'express';
import { toCsv, type ExportTable } from '../../domain/export-table';
import { xlsxWorkbook } from './xlsx-workbook.writer';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export type ExportFormat = 'json' | 'csv' | 'xlsx';

/** `?format=` wins; otherwise the Accept header may ask for CSV or XLSX; JSON by default. */
export function requestedFormat(req: Request, format: ExportFormat | undefined): ExportFormat {
  if (format) return format;
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/csv')) return 'csv';
  if (accept.includes(XLSX_MIME)) return 'xlsx';
  return 'json';
}

/**
 * For documents that also come as PDF (the monthly report): `?format=pdf` or an Accept header
 * asking for application/pdf; otherwise as {@link requestedFormat}.
 */
export function requestedDocumentFormat(req: Request, format: ExportFormat | 'pdf' | undefined): ExportFormat | 'pdf' {
  if (format === 'pdf' || (!format && (req.headers.accept ?? '').includes('application/pdf'))) return 'pdf';
  return requestedFormat(req, format);
}

export async function sendTable(res: Response, format: 'csv' | 'xlsx', t: ExportTable): Promise<void> {
  if (format === 'csv') {
    res.setHeader('content-disposition', `attachment; filename="${t.name}.csv"`);
    res.type('text/csv; charset=utf-8').send(toCsv(t));
    return;
  }
  const body = xlsxWorkbook(t);
  res.setHeader('content-disposition', `attachment; filename="${t.name}.xlsx"`);
  res.type(XLSX_MIME).send(body);
}
