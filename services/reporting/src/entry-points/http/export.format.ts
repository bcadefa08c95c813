import type { Request, Response } from 'express';
import { csvHead, csvLines, toCsv, type ExportTable, type StreamedTable } from '../../domain/export-table';
import { xlsxWorkbook, xlsxWorkbookOf } from './xlsx-workbook.writer';

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

/**
 * A table whose rows come in batches. A CSV is sent as the batches arrive (chunked), each batch
 * written before the next is read, and reading stops when the client goes; an XLSX needs its
 * whole sheet before the archive can be closed, and is sent at the end. A failure after the
 * first bytes left reaches the error handler, which cuts the connection: a client then sees a
 * broken transfer, never a shorter file that looks complete.
 */
export async function sendStreamedTable(res: Response, format: 'csv' | 'xlsx', t: StreamedTable): Promise<void> {
  if (format === 'xlsx') {
    const body = await xlsxWorkbookOf(t);
    res.setHeader('content-disposition', `attachment; filename="${t.name}.xlsx"`);
    res.type(XLSX_MIME).send(body);
    return;
  }
  let gone = false;
  res.once('close', () => (gone = true));
  let started = false;
  const start = () => {
    started = true;
    res.setHeader('content-disposition', `attachment; filename="${t.name}.csv"`);
    res.type('text/csv; charset=utf-8');
  };
  let chunk = csvHead(t.columns);
  for await (const rows of t.batches) {
    if (!started) start();
    chunk += csvLines(t.columns, rows);
    if (!res.write(chunk) && !gone) await drainedOrGone(res);
    chunk = '';
    // Leaving the loop closes the store's cursor.
    if (gone) return;
  }
  if (!started) start();
  res.end(chunk);
}

const drainedOrGone = (res: Response) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
