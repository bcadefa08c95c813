import type { Browser, Page } from 'playwright-core';
import { ControllableClock, waitFor } from '@tthc/testkit';
import { dialogueCode, dutyFulfilledEvent } from '../e2e/support/duty-events';
import { REFORM_KEY, getJson, postEvents, startStack, type Stack } from '../e2e/support/stack';
import { artifactPath, ensureChromium, launchChromium, openDashboardPage } from './support/browser';

interface DutyItem {
  code: string;
  status: string;
}

/**
 * The periodic duties section in Chromium, on periods the real stack opened and closed: the
 * services run on a ticking clock at the end of 2026-H1; one agency reports its dialogue, then
 * the clock moves into H2, which leaves the other H1 periods overdue and opens H2's.
 */
describe('dashboard periodic duties section in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const clock = new ControllableClock('2026-06-30T23:58:00+07:00', { ticking: true });
  const duties = async () => ((await getJson(`${stack.reportingUrl}/v1/duties`)).body['items'] as DutyItem[]);

  beforeAll(async () => {
    const executable = ensureChromium();
    stack = await startStack({ clock });
    expect((await postEvents(stack, dutyFulfilledEvent('G01.002.000', { date: '2026-06-12', minutes: 'Biên bản số 7/BB', link: 'https://example.gov.vn/doi-thoai' }))).status).toBe(202);
    await waitFor('the fulfilled period', async () => (await duties()).some((d) => d.code === dialogueCode('G01.002.000') && d.status === 'done'));
    clock.set('2026-07-01T00:00:30+07:00');
    await stack.sla.openDutyPeriods();
    browser = await launchChromium(executable);
    page = await openDashboardPage(browser, pageErrors);
  }, 15 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** 30 June 2026 as the page's own formatter writes it in a language. */
  const lastDayIn = (locale: string) => page.evaluate((l) => new Intl.DateTimeFormat(l, { dateStyle: 'short', timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date('2026-06-30T12:00:00+07:00')), locale);
  const rowsOf = (status: string) => page.$$eval(`#duties-${status}-table tbody tr`, (rows) => rows.map((r) => Array.from(r.querySelectorAll('th, td'), (c) => (c.textContent ?? '').trim())));

  test('when the reform office opens the dashboard, then the duties section lists overdue, due and done periods in Vietnamese, and in English after the switch', async () => {
    const api = await duties();
    const count = (status: string) => api.filter((d) => d.status === status).length;
    expect([count('overdue'), count('due'), count('done')]).toEqual([4, 5, 1]);

    await page.goto(`${stack.reportingUrl}/dashboard/`);
    await page.fill('#api-key', REFORM_KEY);
    await page.press('#api-key', 'Enter');
    await page.waitForSelector('#duties-done-table');
    expect(await page.textContent('#duties-heading')).toBe('Nhiệm vụ định kỳ');
    expect(await page.textContent('a[href="#duties"]')).toBe('Nhiệm vụ định kỳ');
    expect(await page.textContent('#duties-overdue-heading')).toBe('Quá hạn (4)');

    const overdue = await rowsOf('overdue');
    const lastDayVi = await lastDayIn('vi-VN');
    expect(overdue.map((r) => r[1]).sort()).toEqual(['G01', 'G01.001.000', 'G01.101.000', 'G01.102.000']);
    expect(overdue.every((r) => r[0]!.includes('đối thoại') && r[2] === '2026-H1' && r[3] === lastDayVi && r[4] === '–')).toBe(true);
    expect((await rowsOf('due')).map((r) => r[2])).toEqual(['2026-H2', '2026-H2', '2026-H2', '2026-H2', '2026-H2']);
    const [done] = await rowsOf('done');
    expect(done?.slice(1, 3)).toEqual(['G01.002.000', '2026-H1']);
    expect(done?.[4]).toContain('biên bản: Biên bản số 7/BB');
    expect(await page.getAttribute('#duties-done-table a', 'href')).toBe('https://example.gov.vn/doi-thoai');
    await page.locator('#duties').screenshot({ path: artifactPath('dashboard-duties-vi.png') });

    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('#duties-heading')).toBe('Periodic duties');
    expect(await page.textContent('#duties-due-heading')).toBe('Due this period (5)');
    const overdueEn = await rowsOf('overdue');
    expect(overdueEn[0]![0]).toContain('dialogue with citizens and businesses');
    expect(overdueEn[0]![3]).toBe(await lastDayIn('en-GB'));
    expect((await rowsOf('done'))[0]![4]).toContain('minutes: Biên bản số 7/BB');
    await page.locator('#duties').screenshot({ path: artifactPath('dashboard-duties-en.png') });
    expect(pageErrors).toEqual([]);
  });
});
