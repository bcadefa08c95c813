import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { COLLECTIONS } from '@tthc/contracts';
import { sleep, waitFor } from '@tthc/testkit';
import { PORTAL_ALL_KEY, REFORM_KEY, startStack, type Stack } from '../e2e/support/stack';
import { artifactPath, ensureCalendarBuild, ensureChromium, launchChromium, openDashboardPage, runSimulator, type SimulatorRun } from './support/browser';
import { firstCompletePaint } from './support/first-complete-paint.cjs';

interface Counts {
  received: number;
  toHandle: number;
  resolvedEarly: number;
  resolvedOnTime: number;
  resolvedLate: number;
  openOverdue: number;
  atRisk: number;
  lateRate: number;
  onTimeRate: number;
  petitionsLate: number;
  petitionsOpenOverdue: number;
  apologies: number;
}
interface LateCases {
  period: { key: string };
  items: Array<Counts & { agencyCode: string | null; procedureCode: string | null }>;
  totals: Counts;
  total: number;
}
interface DossierList {
  items: Array<{ code: string; workingDaysLate: number; responsibleStep: { stepNo: number } | null }>;
  total: number;
}

const SEED = '11';
// Both runs name the same instant: the simulated days are counted back from it, and a rerun
// that crossed the hour the simulator otherwise anchors on would send other ids.
const SIM_ARGS = ['--dossiers', '60', '--days', '20', '--rate', '0', '--batch', '100', '--seed', SEED, '--now', new Date().toISOString()];

describe('reform office dashboard in Chromium, on data the portal simulator posted through the real stack', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let firstRun: SimulatorRun;
  const pageErrors: string[] = [];

  const api = async <T>(path: string, key = REFORM_KEY): Promise<T> => {
    const res = await fetch(`${stack.reportingUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const digits = (text: string | null) => (text ?? '').replace(/[^\d]/g, '');
  const percentIn = (lang: 'vi-VN' | 'en-GB', v: number) =>
    page.evaluate(([l, x]) => new Intl.NumberFormat(l as string, { style: 'percent', maximumFractionDigits: 1 }).format(x as number), [lang, v] as const);

  async function loaded(): Promise<void> {
    await page.waitForFunction(() => document.querySelectorAll('#kpis .kpi').length > 0 && !document.body.hasAttribute('aria-busy') && document.querySelector('#ranking-table, #agencies-table p') !== null);
  }

  async function setLanguage(lang: 'vi' | 'en'): Promise<void> {
    if ((await page.getAttribute('html', 'lang')) !== lang) await page.click('#lang-switch');
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  }

  /**
   * Reads the page between two identical API answers, so a timer firing in between (a dossier
   * turning overdue) cannot make the comparison wrong; the page is reloaded for each attempt.
   */
  async function consistent<A, S>(fromApi: () => Promise<A>, fromPage: () => Promise<S>): Promise<{ api: A; shown: S }> {
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const before = JSON.stringify(await fromApi());
      await page.reload();
      await loaded();
      const shown = await fromPage();
      const after = await fromApi();
      if (JSON.stringify(after) === before) return { api: after, shown };
    }
    throw new Error('the API kept changing while the dashboard was read');
  }

  const rankingFromApi = async (period: string) => {
    const r = await api<LateCases>(`/v1/metrics/late-cases?period=${period}&groupBy=agency&sort=lateRate&order=desc&page=1&pageSize=50`);
    return { items: r.items, totals: r.totals, total: r.total };
  };

  beforeAll(async () => {
    // Fails the whole file with the installer's explanation when no browser can be had.
    const executable = ensureChromium();
    ensureCalendarBuild();
    stack = await startStack();
    firstRun = await runSimulator({ INTAKE_URL: stack.intakeUrl, API_KEY: PORTAL_ALL_KEY }, SIM_ARGS);
    browser = await launchChromium(executable);
    page = await openDashboardPage(browser, pageErrors, { acceptDownloads: true });
  }, 15 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('when the simulator posts weeks of portal traffic, then intake accepts every event, workflow stores each one, and a rerun is all duplicates', async () => {
    expect(firstRun.output).toContain('summary');
    expect(firstRun.code).toBe(0);
    expect(firstRun.errors).toBe(0);
    expect(firstRun.accepted).toBeGreaterThan(60);

    const stored = await waitFor(
      'every accepted event in a stored history',
      async () => {
        const docs = await stack.mongo.collection(COLLECTIONS.dossiers).find({}, { projection: { 'history.source': 1 } }).toArray();
        // Histories also hold the SLA's alerts; only the portals' facts are counted.
        const facts = docs.reduce((n, d) => n + ((d['history'] as Array<{ source: string }> | undefined) ?? []).filter((h) => h.source.startsWith('urn:portal:simulator:')).length, 0);
        return facts === firstRun.accepted ? facts : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(stored).toBe(firstRun.accepted);

    const again = await runSimulator({ INTAKE_URL: stack.intakeUrl, API_KEY: PORTAL_ALL_KEY }, SIM_ARGS);
    expect(again.code).toBe(0);
    expect(again).toMatchObject({ accepted: 0, duplicate: firstRun.accepted, errors: 0 });

    // Overdue flags come from the SLA timers, which hold back-dated deadlines for the settle
    // time (SLA_LATE_ARRIVAL_SETTLE_SECONDS); the figures are read once some are there and they
    // stop moving.
    await waitFor('the first overdue dossiers', async () => ((await api<DossierList>('/v1/dossiers?overdue=true')).total > 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
    let previous = '';
    await waitFor(
      'the overdue and at-risk flags to settle',
      async () => {
        const now = JSON.stringify([
          (await api<LateCases>('/v1/metrics/late-cases?groupBy=agency')).totals,
          (await api<DossierList>('/v1/dossiers?overdue=true')).total,
          (await api<DossierList>('/v1/dossiers?atRisk=true')).total,
        ]);
        const same = now === previous;
        previous = now;
        if (!same) await sleep(1500);
        return same;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    expect((await api<DossierList>('/v1/dossiers?overdue=true')).total).toBeGreaterThan(0);
  }, 180_000);

  test('when intake cannot be reached, then the simulator exits non-zero and names the address', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const run = await runSimulator({ INTAKE_URL: `http://127.0.0.1:${closedPort}`, API_KEY: PORTAL_ALL_KEY }, ['--dossiers', '3']);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`intake is not reachable at http://127.0.0.1:${closedPort}`);
  }, 30_000);

  test('when the reform office opens the dashboard with its key, then the overview and the agency ranking show the API numbers, both from one request', async () => {
    const lateCaseRequests: string[] = [];
    const countLateCases = (req: { url(): string }) => {
      if (new URL(req.url()).pathname === '/v1/metrics/late-cases') lateCaseRequests.push(req.url());
    };
    page.on('request', countLateCases);
    await page.goto(`${stack.reportingUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    await page.fill('#api-key', REFORM_KEY);
    await page.press('#api-key', 'Enter');
    await loaded();
    page.off('request', countLateCases);
    // Undrilled, the overview's totals are the ranking's: one report asked for, not two.
    expect(lateCaseRequests).toHaveLength(1);
    const period = await page.inputValue('#period');
    expect(period).toMatch(/^\d{4}-\d{2}$/);

    const { api: report, shown } = await consistent(
      () => rankingFromApi(period),
      async () => ({
        kpi: {
          late: await page.textContent('[data-kpi="late"] .kpi-value'),
          atRisk: await page.textContent('[data-kpi="atRisk"] .kpi-value'),
          toHandle: await page.textContent('[data-kpi="toHandle"] .kpi-value'),
          onTimeRate: await page.textContent('[data-kpi="onTimeRate"] .kpi-value'),
        },
        rows: await page.$$eval('#ranking-table tbody tr', (trs) =>
          trs.map((tr) => ({
            agency: tr.querySelector('[data-agency]')?.getAttribute('data-agency') ?? null,
            toHandle: tr.querySelector('[data-col="toHandle"]')?.textContent ?? null,
            resolvedLate: tr.querySelector('[data-col="resolvedLate"]')?.textContent ?? null,
            openOverdue: tr.querySelector('[data-col="openOverdue"]')?.textContent ?? null,
            atRisk: tr.querySelector('[data-col="atRisk"]')?.textContent ?? null,
            lateRate: tr.querySelector('[data-col="lateRate"]')?.textContent ?? null,
          })),
        ),
        trendBars: await page.$$eval('#trend svg rect.bar-received', (r) => r.length),
      }),
    );
    await page.screenshot({ path: artifactPath('dashboard-overview-vi.png'), fullPage: true });

    expect(report.totals.toHandle).toBeGreaterThan(0);
    expect(digits(shown.kpi.toHandle)).toBe(String(report.totals.toHandle));
    expect(digits(shown.kpi.late)).toBe(String(report.totals.resolvedLate + report.totals.openOverdue));
    expect(digits(shown.kpi.atRisk)).toBe(String(report.totals.atRisk));
    expect(shown.kpi.onTimeRate).toBe(await percentIn('vi-VN', report.totals.onTimeRate));

    expect(report.items.length).toBeGreaterThan(1);
    expect(shown.rows.map((r) => r.agency)).toEqual(report.items.map((i) => i.agencyCode));
    for (const [i, item] of report.items.entries()) {
      const row = shown.rows[i]!;
      expect([digits(row.toHandle), digits(row.resolvedLate), digits(row.openOverdue), digits(row.atRisk)]).toEqual([
        String(item.toHandle),
        String(item.resolvedLate),
        String(item.openOverdue),
        String(item.atRisk),
      ]);
      expect(row.lateRate).toBe(await percentIn('vi-VN', item.lateRate));
    }
    expect(shown.trendBars).toBe(12);
    // The simulator sends no rating: the satisfaction card says it is the proxy, as the API does.
    const satisfaction = (await api<{ items: Array<{ id: string; source?: string }> }>(`/v1/index/subscores?period=${period}`)).items.find((i) => i.id === '766.satisfaction');
    expect(satisfaction?.source).toBe('proxy');
    expect(await page.textContent('[data-subscore="766.satisfaction"] [data-source]')).toContain('ước lượng thay thế');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  test('when the dashboard is opened again with the key kept, then every section renders its data, and the time from navigation to that first complete paint is printed', async () => {
    await setLanguage('vi');
    // A fresh navigation: performance.now() in the page counts from its start.
    await page.goto(`${stack.reportingUrl}/dashboard/`);
    // The same condition the reporting bench measures at scale (support/first-complete-paint.cjs).
    const ms = Math.round(await firstCompletePaint(page));
    // Measured, never asserted: the figure depends on the machine and its load.
    console.log(`[dashboard] first complete paint: ${ms} ms`);
    writeFileSync(artifactPath('dashboard-first-paint.json'), `${JSON.stringify({ firstCompletePaintMs: ms, measuredAt: new Date().toISOString(), from: 'navigation start (performance.now in the page)', to: 'first animation frame with every section holding its data' }, null, 2)}\n`);
    // The paint holds the API's data, not placeholders.
    const totals = (await rankingFromApi(await page.inputValue('#period'))).totals;
    expect(digits(await page.textContent('[data-kpi="toHandle"] .kpi-value'))).toBe(String(totals.toHandle));
    expect(await page.$$eval('#trend svg rect.bar-received', (r) => r.length)).toBe(12);
    expect(await page.$$eval('#overdue-table tbody tr', (r) => r.length)).toBeGreaterThan(0);
    expect(await page.$$eval('#subscore-cards [data-subscore]', (c) => c.map((x) => x.getAttribute('data-subscore')))).toContain('766.satisfaction');
    expect(await page.isVisible('#error')).toBe(false);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  test('when an agency is chosen, then its procedures and its overdue dossiers are those the API lists', async () => {
    await setLanguage('vi');
    const period = await page.inputValue('#period');
    const overdueFirst = await api<DossierList & { items: Array<{ agencyCode: string }> }>('/v1/dossiers?overdue=true&pageSize=200');
    const agency = overdueFirst.items[0]!.agencyCode;
    const procedures = await api<LateCases>(`/v1/metrics/late-cases?period=${period}&groupBy=procedure&agency=${agency}&sort=lateRate&order=desc&pageSize=50`);
    const overdue = await api<DossierList>(`/v1/dossiers?overdue=true&agency=${agency}&pageSize=20`);

    await page.click(`#ranking-table [data-agency="${agency}"]`);
    await page.waitForSelector('#ranking-table [data-procedure]');
    await loaded();
    expect(await page.textContent('#agencies-heading')).toContain('Thủ tục của');
    const shownProcedures = await page.$$eval('#ranking-table [data-procedure]', (b) => b.map((x) => x.getAttribute('data-procedure')));
    expect(shownProcedures).toEqual(procedures.items.map((i) => i.procedureCode));
    // The overview follows the drill-down: its figures are now the agency's.
    expect(digits(await page.textContent('[data-kpi="toHandle"] .kpi-value'))).toBe(String(procedures.totals.toHandle));
    expect(await page.textContent('#overview-period')).toContain(agency);

    const rows = await page.$$eval('#overdue-list tbody tr', (trs) =>
      trs.map((tr) => ({ code: tr.querySelector('th')?.textContent ?? '', step: tr.querySelector('[data-col="step"]')?.textContent ?? '', days: tr.querySelector('[data-col="daysLate"]')?.textContent ?? '' })),
    );
    expect(overdue.total).toBeGreaterThan(0);
    expect(rows.map((r) => r.code)).toEqual(overdue.items.map((i) => i.code));
    for (const [i, item] of overdue.items.entries()) {
      if (item.responsibleStep) expect(rows[i]!.step).toContain(`Bước ${item.responsibleStep.stepNo}`);
      expect(rows[i]!.days.length).toBeGreaterThan(0);
    }
    await page.screenshot({ path: artifactPath('dashboard-drilldown-vi.png'), fullPage: true });

    await page.click('#drill-back');
    await page.waitForSelector('#ranking-table [data-agency]');
  }, 60_000);

  test('when an overdue dossier is opened from the list, then its case view draws the history and the deadlines on a working-time line, with the findings in Vietnamese and then in English', async () => {
    await setLanguage('vi');
    await loaded();
    type CaseRecord = {
      history: Array<{ id: string; workingMinute: number }>;
      deadlines: Array<{ key: string; status: string }>;
      findings: Array<{ code: string; vi: string; en: string }>;
      late: { workingMinutes: number } | null;
    };
    // The first listed dossier with a finding, so the findings' texts are checked on real ones.
    let code = '';
    let record: CaseRecord | null = null;
    for (const listed of await page.$$eval('#overdue-list tbody tr th button', (b) => b.map((x) => (x.textContent ?? '').trim()))) {
      const r = await api<CaseRecord>(`/v1/dossiers/${encodeURIComponent(listed)}`);
      if (r.findings.length > 0) {
        [code, record] = [listed, r];
        break;
      }
    }
    if (record === null) throw new Error('no overdue dossier on the page has a finding');
    await page.click(`#overdue-list tbody tr th button:text-is("${code}")`);
    await page.waitForSelector('#case-timeline');
    expect(await page.textContent('#dossier-dialog-heading')).toBe(`Hồ sơ ${code}`);
    // One mark per fact and one line per deadline, placed by the API's working minutes.
    expect(await page.$$eval('#case-timeline [data-fact]', (n) => n.map((c) => c.getAttribute('data-fact')))).toEqual(record.history.map((h) => h.id));
    expect(await page.$$eval('#case-timeline [data-deadline]', (n) => n.map((l) => l.getAttribute('data-deadline')))).toEqual(record.deadlines.map((d) => d.key));
    const xs = await page.$$eval('#case-timeline [data-fact]', (n) => n.map((c) => Number(c.getAttribute('cx'))));
    const minutes = record.history.map((h) => h.workingMinute);
    for (let i = 1; i < xs.length; i += 1) expect(Math.sign(xs[i]! - xs[i - 1]!)).toBe(Math.sign(minutes[i]! - minutes[i - 1]!));
    expect(await page.textContent('#case-timeline title')).toContain('thời gian làm việc');
    const missed = record.deadlines.filter((d) => d.status === 'missed').length;
    expect(await page.$$eval('#case-timeline .tl-missed', (n) => n.length)).toBe(missed);
    // An overdue dossier is late: the record says so and the view names the rule in Vietnamese.
    expect(record.late?.workingMinutes ?? 0).toBeGreaterThan(0);
    expect(await page.$$eval('#case-findings li', (n) => n.map((li) => li.firstChild?.textContent ?? ''))).toEqual(record.findings.map((f) => f.vi));
    expect(await page.$$eval('#case-deadlines tbody tr', (n) => n.length)).toBe(record.deadlines.length);
    await page.screenshot({ path: artifactPath('dashboard-case-view-vi.png'), fullPage: true });

    await page.click('#case-lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('#dossier-dialog-heading')).toBe(`Dossier ${code}`);
    expect(await page.$$eval('#case-findings li', (n) => n.map((li) => li.firstChild?.textContent ?? ''))).toEqual(record.findings.map((f) => f.en));
    expect(await page.textContent('#case-timeline title')).toContain('working time');
    await page.screenshot({ path: artifactPath('dashboard-case-view-en.png'), fullPage: true });
    await page.click('#case-lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'vi');
    await page.click('#dossier-dialog-close');
  }, 60_000);

  test('when the CSV export of the ranking is clicked, then a CSV with the header row and one line per agency plus the total is downloaded', async () => {
    await loaded();
    const period = await page.inputValue('#period');
    const report = await rankingFromApi(period);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#agencies-exports [data-export="csv"]')]);
    const file = artifactPath('dashboard-late-cases.csv');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe(`tre-han-${period}-agency.csv`);
    const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toContain('Mã cơ quan');
    expect(lines[0]).toContain('Đang xử lý quá hạn');
    expect(lines).toHaveLength(1 + report.total + 1);
    const header = lines[0]!.split(',');
    const overdueColumn = header.findIndex((h) => h.replace(/"/g, '') === 'Đang xử lý quá hạn');
    const totalLine = lines[lines.length - 1]!.split(',');
    expect(Number(totalLine[overdueColumn])).toBe(report.totals.openOverdue);
    expect(await page.textContent('#status')).toContain('tre-han-');
  }, 60_000);

  test('when the language is switched to English, then the headings and the lang attribute change and the choice survives a reload', async () => {
    await setLanguage('vi');
    expect(await page.textContent('h1')).toBe('Theo dõi trễ hạn thủ tục hành chính');
    await page.click('#lang-switch');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('h1')).toBe('Administrative procedure deadline monitor');
    expect(await page.textContent('#agencies-heading')).toBe('Agencies ranked by late rate');
    expect(await page.textContent('#lang-switch')).toBe('Tiếng Việt');

    await page.reload();
    await loaded();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('#overview-heading')).toBe('Overview');
    const totals = (await rankingFromApi(await page.inputValue('#period'))).totals;
    expect(await page.textContent('[data-kpi="onTimeRate"] .kpi-value')).toBe(await percentIn('en-GB', totals.onTimeRate));
    await page.screenshot({ path: artifactPath('dashboard-en.png'), fullPage: true });
  }, 60_000);

  test('when the screen is 1366×768, then nothing scrolls sideways in either language', async () => {
    for (const lang of ['en', 'vi'] as const) {
      await setLanguage(lang);
      const overflow = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        tables: Array.from(document.querySelectorAll('.table-scroll')).map((t) => t.scrollWidth - t.clientWidth),
      }));
      expect(overflow.page).toBeLessThanOrEqual(0);
      expect(overflow.tables.every((d) => d <= 0)).toBe(true);
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: artifactPath('dashboard-1366x768.png') });
  }, 60_000);

  test('when only the keyboard is used, then Tab reaches the skip link, the language switch, the filters, an agency and an export, with a visible focus ring', async () => {
    await setLanguage('vi');
    await page.reload();
    await loaded();
    const stops: string[] = [];
    const rings: Record<string, string> = {};
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        const name = el.id || (el.dataset['agency'] ? 'agency' : el.dataset['export'] ? 'export' : el.classList.contains('skip-link') ? 'skip' : el.tagName.toLowerCase());
        return { name, ring: `${style.outlineStyle} ${style.outlineWidth}` };
      });
      if (!info) continue;
      stops.push(info.name);
      rings[info.name] ??= info.ring;
    }
    expect(stops[0]).toBe('skip');
    for (const stop of ['lang-switch', 'period', 'agency-filter', 'apply-filters', 'agency', 'export']) expect(stops).toContain(stop);
    for (const stop of ['lang-switch', 'period', 'agency', 'export']) expect(rings[stop]).toMatch(/^solid [3-9]/);

    await page.reload();
    await loaded();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.keyboard.press('Tab');
    await page.screenshot({ path: artifactPath('dashboard-keyboard-focus.png') });
  }, 60_000);

  test('when the API rejects a filter, then the problem is announced in plain words', async () => {
    await setLanguage('vi');
    await page.fill('#agency-filter', 'không hợp lệ!');
    await page.click('#apply-filters');
    const alert = page.locator('#error[role="alert"]');
    await alert.waitFor({ state: 'visible' });
    expect(await alert.textContent()).toContain('Yêu cầu chưa đúng: mã cơ quan phải có dạng G01.001.000 hoặc G01.*');
    expect(await page.$$('#overdue-exports button')).toHaveLength(0);
    await page.screenshot({ path: artifactPath('dashboard-error.png') });

    await page.fill('#agency-filter', '');
    await page.click('#apply-filters');
    await alert.waitFor({ state: 'hidden' });
    await loaded();
  }, 60_000);

  test('when the key is wrong, then the key form comes back and explains it in plain words', async () => {
    await setLanguage('vi');
    await page.click('#change-key');
    await page.fill('#api-key', 'not-a-key');
    await page.press('#api-key', 'Enter');
    await page.locator('#key-section').waitFor({ state: 'visible' });
    expect(await page.textContent('#error')).toContain('Khóa API không đúng hoặc đã hết hiệu lực');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');

    await page.fill('#api-key', REFORM_KEY);
    await page.press('#api-key', 'Enter');
    await loaded();
    expect(await page.isVisible('#error')).toBe(false);
  }, 60_000);
});
