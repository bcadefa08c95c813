import path from 'node:path';
import PDFDocument from 'pdfkit';
import type { Cell, ExportTable } from '../../domain/export-table';

export const PDF_MIME = 'application/pdf';

// src/ and dist/ sit at the same depth, so the vendored fonts resolve from either. The PDF
// standard fonts have no Vietnamese letters: without an embedded TTF, "Đang giải quyết" would
// print as boxes or wrong glyphs.
const FONT_DIR = path.resolve(__dirname, '../../../assets/fonts');
const FONT_REGULAR = path.join(FONT_DIR, 'DejaVuSans.ttf');
const FONT_BOLD = path.join(FONT_DIR, 'DejaVuSans-Bold.ttf');

const MARGIN = 28;
const CELL_PAD = 3;
const HEADER_SIZE = 7;
const BODY_SIZE = 7.5;

export interface PdfHeading {
  title: string;
  subtitle: string;
}

const text = (v: Cell | undefined): string => (v === null || v === undefined ? '' : String(v));

/**
 * Column widths in proportion to the longest value (headings count by their longest word,
 * since they wrap), so agency names get room and figures stay narrow.
 */
function columnWidths(t: ExportTable, usable: number): number[] {
  const weights = t.columns.map((c) => {
    const longestWord = Math.max(...c.header.split(/\s+/).map((w) => w.length));
    const longestValue = Math.max(0, ...t.rows.map((r) => text(r[c.key]).length));
    return Math.min(36, Math.max(6, longestWord, longestValue));
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (w / sum) * usable);
}

/**
 * A report table as an A4 landscape PDF with the fonts embedded: heading, column headings
 * repeated on every page, figures right-aligned, and rows whose first cell starts with
 * "Cộng" or "Tổng" (subtotals and the total) in bold.
 */
export function toPdf(t: ExportTable, heading: PdfHeading): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: MARGIN, info: { Title: heading.title, Creator: 'tthc-reporting' } });
  doc.registerFont('body', FONT_REGULAR);
  doc.registerFont('bold', FONT_BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = MARGIN;
  const usable = doc.page.width - 2 * MARGIN;
  const bottom = doc.page.height - MARGIN;
  const widths = columnWidths(t, usable);

  doc.font('bold').fontSize(12).text(heading.title, left, MARGIN, { width: usable, align: 'center' });
  doc.font('body').fontSize(9).text(heading.subtitle, { width: usable, align: 'center' });
  let y = doc.y + 8;

  const drawRow = (cells: string[], font: 'body' | 'bold', size: number, numericRight: boolean, shade: boolean) => {
    doc.font(font).fontSize(size);
    const height = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: widths[i]! - 2 * CELL_PAD }))) + 2 * CELL_PAD;
    let x = left;
    if (shade) doc.rect(left, y, usable, height).fill('#eeeeee').fillColor('black');
    cells.forEach((c, i) => {
      const w = widths[i]!;
      doc.rect(x, y, w, height).lineWidth(0.5).stroke('#555555');
      const right = numericRight && c !== '' && !Number.isNaN(Number(c));
      doc.fillColor('black').text(c, x + CELL_PAD, y + CELL_PAD, { width: w - 2 * CELL_PAD, align: right ? 'right' : 'left' });
      x += w;
    });
    y += height;
  };
  const headerRow = () => drawRow(t.columns.map((c) => c.header), 'bold', HEADER_SIZE, false, true);
  const rowHeight = (cells: string[]) => Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: widths[i]! - 2 * CELL_PAD }))) + 2 * CELL_PAD;

  headerRow();
  for (const row of t.rows) {
    const cells = t.columns.map((c) => text(row[c.key]));
    const summary = /^(Cộng|Tổng)/.test(cells[0] ?? '');
    doc.font(summary ? 'bold' : 'body').fontSize(BODY_SIZE);
    if (y + rowHeight(cells) > bottom) {
      doc.addPage();
      y = MARGIN;
      headerRow();
    }
    drawRow(cells, summary ? 'bold' : 'body', BODY_SIZE, true, false);
  }
  doc.end();
  return done;
}
