import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { ControllableClock } from '@tthc/testkit';
import { artifactPath, ensureChromium, launchChromium } from '../../../tests/browser/support/browser';
import { PROVINCE, startReporting, stored, type ReportingUnderTest } from './reporting-harness';

const clock = new ControllableClock('2026-03-10T10:00:00+07:00');
const PDFJS = path.dirname(require.resolve('pdfjs-dist/package.json'));
const ORIGIN = 'http://pdf.test';
let api: ReportingUnderTest;
let browser: Browser;

// The module loads in the page itself: the test's transpiler would turn an import() inside
// page.evaluate into a require() the browser does not have.
const PAGE = `<!doctype html><meta charset="utf-8"><body><script type="module">
import * as pdfjs from '/pdf.min.mjs';
pdfjs.GlobalWorkerOptions.workerSrc = '/pdf.worker.min.mjs';
window.pdfjsLib = pdfjs;
</script></body>`;

/** The part of pdf.js's API the test calls, as it runs in the page. */
interface PdfJs {
  getDocument(src: { data: Uint8Array }): {
    promise: Promise<{
      numPages: number;
      getPage(n: number): Promise<{
        getViewport(o: { scale: number }): { width: number; height: number };
        render(o: { canvas: HTMLCanvasElement; canvasContext: CanvasRenderingContext2D; viewport: unknown }): { promise: Promise<void> };
        getTextContent(): Promise<{ items: Array<{ str?: string }> }>;
      }>;
    }>;
  };
}

interface Rendered {
  pages: number;
  text: string;
  width: number;
  height: number;
  /** Share of page 1's pixels that are not near white. */
  inked: number;
  png: string;
}

/**
 * Page 1 drawn by pdf.js in Chromium onto a canvas, and the text pdf.js reads back through the
 * fonts' Unicode maps: what a reader's viewer shows, not what our writer meant to write.
 */
async function renderPageOne(pdf: Buffer): Promise<Rendered> {
  const page = await browser.newPage();
  try {
    await page.route(`${ORIGIN}/**`, (route) => {
      const name = new URL(route.request().url()).pathname.slice(1);
      if (name === 'index.html') return route.fulfill({ contentType: 'text/html', body: PAGE });
      return route.fulfill({ contentType: 'text/javascript', body: readFileSync(path.join(PDFJS, 'build', path.basename(name))) });
    });
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction(() => 'pdfjsLib' in window);
    return await page.evaluate(async (base64: string) => {
      const pdfjs = (window as unknown as { pdfjsLib: PdfJs }).pdfjsLib;
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const doc = await pdfjs.getDocument({ data }).promise;
      const first = await doc.getPage(1);
      const viewport = first.getViewport({ scale: 1.5 });
      const canvas = document.createElement('canvas');
      canvas.width = Math.ceil(viewport.width);
      canvas.height = Math.ceil(viewport.height);
      document.body.appendChild(canvas);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      await first.render({ canvas, canvasContext: ctx, viewport }).promise;
      const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 200 || pixels[i + 1]! < 200 || pixels[i + 2]! < 200) inked++;
      const content = await first.getTextContent();
      const text = content.items.map((i) => i.str ?? '').join(' ');
      return { pages: doc.numPages, text, width: canvas.width, height: canvas.height, inked: inked / (pixels.length / 4), png: canvas.toDataURL('image/png').split(',')[1]! };
    }, pdf.toString('base64'));
  } finally {
    await page.close();
  }
}

beforeAll(async () => {
  browser = await launchChromium(ensureChromium());
  api = await startReporting({ name: 'reporting-monthly-pdf', clock });
  await api.storeSubjects([
    stored({ code: 'K1', agencyCode: 'G01.101.000', receivedAt: '2026-01-28T09:00:00+07:00', dueAt: '2026-02-04T17:00:00+07:00', endAt: '2026-02-09T10:00:00+07:00', timeliness: 'late', apologies: ['2026-02-03T15:00:00+07:00'] }),
    stored({ code: 'K2', agencyCode: 'G01.102.000', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-10T17:00:00+07:00', endAt: '2026-02-06T10:00:00+07:00', timeliness: 'early' }),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('GET /v1/reports/monthly as PDF', () => {
  test('when the PDF of February 2026 is asked, then page 1 renders in Chromium with the Vietnamese headings, each agency and its figures from the JSON report', async () => {
    const json = await api.get('/v1/reports/monthly?period=2026-02', PROVINCE);
    const res = await api.get('/v1/reports/monthly?period=2026-02&format=pdf', PROVINCE);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain('bao-cao-thang-2026-02.pdf');
    expect(res.raw.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The embedded TTF that has the Vietnamese letters, subset by the writer.
    expect(res.raw.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);

    const page = await renderPageOne(res.raw);
    const shot = artifactPath('monthly-report-2026-02-page1.png');
    writeFileSync(shot, Buffer.from(page.png, 'base64'));
    // A4 landscape, drawn: lines and text ink a visible share of the page, far from all of it.
    expect(page.width).toBeGreaterThan(page.height);
    expect(page.inked).toBeGreaterThan(0.01);
    expect(page.inked).toBeLessThan(0.5);

    const text = page.text.replace(/\s+/g, ' ');
    expect(text).toContain('BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH THÁNG 02/2026');
    for (const heading of ['Tiếp nhận trong kỳ', 'Kỳ trước chuyển sang', 'Giải quyết trước hạn', 'Đang giải quyết quá hạn', 'Văn bản xin lỗi']) expect(text).toContain(heading);
    const agencies = json.body.agencies as Array<Record<string, number | string>>;
    expect(agencies.map((a) => a['agencyCode'])).toEqual(['G01.001.000', 'G01.002.000', 'G01.101.000', 'G01.102.000']);
    const levelName: Record<string, string> = { province: 'Cấp tỉnh', commune: 'Cấp xã' };
    for (const a of agencies) {
      const figures = ['received', 'carriedOver', 'toHandle', 'resolvedEarly', 'resolvedOnTime', 'resolvedLate', 'openWithinDeadline', 'openOverdue'].map((k) => a[k]);
      const line = [a['agencyCode'], a['agencyName'], levelName[String(a['level'])], ...figures, Math.round(Number(a['lateRate']) * 10_000) / 100, a['apologies']].join(' ');
      expect(text).toContain(line);
    }
    expect(text).toContain('Tổng cộng');
    expect(text).toContain(`Tổng cộng ${json.body.totals.received} ${json.body.totals.carriedOver} ${json.body.totals.toHandle}`);
  }, 120_000);

  test('when the Accept header asks for application/pdf, then a PDF comes back; and a portal key gets 403 problem+json, not a PDF', async () => {
    const res = await api.get('/v1/reports/monthly?period=2026-02', PROVINCE, { accept: 'application/pdf' });
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/pdf');
    const portal = await api.get('/v1/reports/monthly?period=2026-02&format=pdf', 'portal-g01-key');
    expect(portal.status).toBe(403);
    expect(portal.type).toContain('application/problem+json');
  });
});
