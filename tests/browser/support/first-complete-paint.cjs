/* global document, performance, requestAnimationFrame */
// The dashboard's first complete paint, defined once for the browser test (TypeScript under
// jest) and the reporting bench (an ES module run by plain Node): plain CommonJS is the one
// form both load without a build step.
'use strict';

/** The context the reform office opens the dashboard in: Vietnamese locale, Hà Nội time, a laptop's viewport. */
const DASHBOARD_CONTEXT = Object.freeze({ viewport: Object.freeze({ width: 1366, height: 768 }), locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });

/**
 * Runs in the page: the time since navigation start (performance.now()) when every section
 * shows its data, false before. A section that answered with an empty list still renders a
 * sentence, so "filled" means any child, not a row.
 */
function completePaintInstant() {
  const q = (s) => document.querySelectorAll(s).length;
  const filled = (id) => (document.getElementById(id)?.childElementCount ?? 0) > 0;
  const complete =
    document.body !== null &&
    !document.body.hasAttribute('aria-busy') &&
    q('#kpis .kpi') > 0 &&
    q('#trend svg rect.bar-received') > 0 &&
    q('#ranking-table tbody tr') > 0 &&
    filled('overdue-table') &&
    filled('at-risk-table') &&
    q('#subscore-cards [data-subscore]') > 0 &&
    filled('duties-body');
  return complete ? performance.now() : false;
}

/**
 * Resolves with the instant, in ms since the page's navigation start, of the first animation
 * frame in which every section shows its data: the condition is checked at each frame, so
 * the instant is that frame's, not the moment the caller asked.
 */
async function firstCompletePaint(page, timeoutMs = 30_000) {
  const handle = await page.waitForFunction(completePaintInstant, undefined, { polling: 'raf', timeout: timeoutMs });
  return Number(await handle.jsonValue());
}

/**
 * An init script (runs in the page before its own scripts): records in `keyFormFrameAt` the
 * instant, in ms since navigation start, of the first animation frame in which the key form's
 * field is laid out, i.e. when a user could start typing. Checked at each frame, as the complete
 * paint is, so it does not include the automation's own delay in noticing the form.
 */
function recordKeyFormFrame() {
  const check = () => {
    const field = document.getElementById('api-key');
    if (field && field.getClientRects().length > 0) globalThis.keyFormFrameAt = performance.now();
    // A page opened with the key kept never shows the form; by the load event it would have.
    else if (document.readyState !== 'complete') requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

module.exports = { DASHBOARD_CONTEXT, completePaintInstant, firstCompletePaint, recordKeyFormFrame };
